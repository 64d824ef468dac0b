"""The scenario reference is generated from the models and must be up to date;
scenario mistakes the models catch stop the CLI with exit status 2 and a message
naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowsim
from flowsim.cli import main
from flowsim.scenario.reference import write_reference
from tests.test_invariants import ROOT

SMALL_COUNTY = ROOT / "scenarios" / "examples" / "small_county.yaml"


def test_docs_scenarios_md_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "scenarios.md"
    write_reference(fresh)
    committed = (ROOT / "docs" / "scenarios.md").read_text()
    assert committed == fresh.read_text(), "docs/scenarios.md is stale: run `flowsim schema --out docs/scenarios.md` and commit it"


def _variant(tmp_path: Path, body: str, parent: Path) -> Path:
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: {parent}\n{body}")
    return path


def test_a_capacity_change_for_a_service_the_scenario_lacks_exits_2(tmp_path: Path, capsys) -> None:
    body = "capacity_changes:\n  - {date: 2017-02-01, capacity: step_down_beds, value: 10}\n"
    variant = _variant(tmp_path, body, ROOT / "scenarios" / "validation" / "mmc.yaml")
    out = tmp_path / "out"
    assert main(["run", str(variant), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "variant.yaml" in err
    assert "capacity_changes.0.capacity: step_down_beds needs step_down to be defined" in err
    assert not out.exists()


def test_a_capacity_change_before_the_warm_up_exits_2(tmp_path: Path, capsys) -> None:
    body = "capacity_changes:\n  - {date: 2016-01-01, capacity: general_beds, value: 10}\n"
    variant = _variant(tmp_path, body, ROOT / "scenarios" / "validation" / "mmc.yaml")
    assert main(["run", str(variant), "--out", str(tmp_path / "out")]) == 2
    assert "capacity_changes.0.date: 2016-01-01 is before the simulation starts" in capsys.readouterr().err


# Engine bugs: scenarios the validator accepts but the engine cannot run ------------

def test_step_down_onward_home_with_support_without_home_care_is_a_scenario_error(tmp_path: Path) -> None:
    """Onward `home_with_support` sends people to pathway 1, which needs both
    reablement and home care (the check says so), but only reablement is
    checked: without home_care the run dies on an AssertionError in
    Community._secure_home_support instead of a scenario error."""
    body = (
        "groups: {all: {pathway: {p0: 0, p2: 1}}}\n"
        "step_down: {beds: 30, los_days: {type: fixed, value: 2}, onward: {home: 0, home_with_support: 1}}\n"
        "reablement: {hours_per_month: 1000, hours_per_week: {type: fixed, value: 5},"
        " duration_days: {type: fixed, value: 10}}\n"
    )
    variant = _variant(tmp_path, body, ROOT / "scenarios" / "validation" / "mmc.yaml")
    with pytest.raises(flowsim.ScenarioError, match="home_with_support"):
        flowsim.load_scenario(variant, {"days": 30})


def test_admission_avoidance_places_opened_by_a_change_need_a_stay(tmp_path: Path) -> None:
    """`admission_avoidance.places > 0 needs stay_days`, but places opened by a
    capacity change are accepted without stay_days and then never used (the
    front door diverts no one when it has no stay to draw): the change silently
    does nothing."""
    body = "capacity_changes:\n  - {date: 2017-02-01, capacity: avoidance_places, value: 10}\n"
    variant = _variant(tmp_path, body, ROOT / "scenarios" / "validation" / "mmc.yaml")
    with pytest.raises(flowsim.ScenarioError, match="stay_days"):
        flowsim.load_scenario(variant)
