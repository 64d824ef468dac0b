"""Starting from today's census: patients part-way through their stay, with the rest drawn given it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim import load_scenario, simulate
from flowsim.cli import main
from flowsim.scenario.distributions import Gamma, Lognormal, Mixture
from tests.queueing import TWO_STAGE

NO_ARRIVALS = {"warmup_days": 0, "arrivals": {"ed_walk_in": {"daily": 0}}}


MIXTURE = Mixture.model_validate(
    {
        "type": "mixture",
        "components": [
            {"share": 0.8, "distribution": {"type": "lognormal", "mean": 3, "sd": 2}},
            {"share": 0.2, "distribution": {"type": "gamma", "mean": 20, "sd": 10}},
        ],
    }
)


@pytest.mark.parametrize(
    "distribution", [Lognormal(type="lognormal", mean=7, sd=12.6), Gamma(type="gamma", mean=5, sd=3), MIXTURE]
)
@pytest.mark.slow
def test_a_stay_drawn_beyond_what_has_passed_has_the_conditional_mean(distribution) -> None:
    generator = np.random.default_rng(5)
    sample = distribution.draw(generator, 2_000_000)
    tail = sample[sample > 6.0]
    drawn = np.array([distribution.beyond(generator, 6.0) for _ in range(4_000)])
    assert drawn.min() > 6.0
    assert abs(drawn.mean() - tail.mean()) < 4 * tail.std() / np.sqrt(len(drawn))


def test_memoryless_stays_have_the_full_mean_left_and_the_census_starts_full(tmp_path: Path) -> None:
    """Exponential stays (mean 4 days) of patients already 10 days in have 4 days left on average."""
    today = tmp_path / "today.csv"
    today.write_text("place,group,count,days_so_far\ngeneral,all,300,10\ngeneral,all,50,2\n")
    scenario = load_scenario(TWO_STAGE, {**NO_ARRIVALS, "days": 120, "initial_state": {"file": str(today)}})
    result = simulate(scenario, seed=3)
    patients = result.patients
    assert len(patients) == 350 and (patients.route == "initial").all()
    long_stayers = patients[patients.bed_start == -240.0]
    left_days = long_stayers.medically_fit / 24
    assert left_days.min() > 0
    assert left_days.mean() == pytest.approx(4.0, abs=3 * 4.0 / np.sqrt(300))
    first = result.census.iloc[0]
    assert (first.acute_occupied, first.stranded, first.super_stranded) == (350, 300, 0)
    assert result.kpi("ed_attendances_per_day") == 0, "today's patients are not new arrivals"


def test_patients_waiting_for_a_pathway_and_in_services_start_where_they_are(tmp_path: Path) -> None:
    rows = {
        "patients": [
            {"place": "general", "group": "all", "count": 25, "days_so_far": 9, "medically_fit": True, "pathway": 2},
            {"place": "step_down", "group": "all", "count": 20, "days_so_far": 3},
        ]
    }
    scenario = load_scenario(TWO_STAGE, {**NO_ARRIVALS, "days": 60, "initial_state": rows})
    result = simulate(scenario, seed=1)
    first = result.census.iloc[0]
    assert first.step_down_occupied == 20
    assert first.delayed_awaiting_step_down_bed == 25
    waits = result.delays[result.delays.reason == "awaiting step-down bed"]
    assert len(waits) == 25 and (waits.start == 0).all()
    in_acute = result.patients[result.patients.bed_start.notna()]
    assert len(in_acute) == 25 and (in_acute.pathway == 2).all()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{"place": "general", "group": "nobody", "days_so_far": 1}], "initial_state.patients.0.group: is not one of groups (all)"),
        ([{"place": "step_down", "group": "all", "count": 21, "days_so_far": 1}], "more than its capacity 20"),
        ([{"place": "reablement", "group": "all", "days_so_far": 1}], "needs reablement to be defined"),
        ([{"place": "general", "group": "all", "days_so_far": -1}], "days_so_far"),
        ([{"place": "short_stay", "group": "all", "days_so_far": 1}], "needs groups.all.short_stay_los_days"),
    ],
)
def test_a_bad_census_is_reported_before_anything_runs(tmp_path: Path, rows, expected, capsys) -> None:
    import yaml

    variant = tmp_path / "today.yaml"
    variant.write_text(yaml.safe_dump({"extends": str(TWO_STAGE), "initial_state": {"patients": rows}}))
    assert main(["run", str(variant), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(variant) in err and expected in err
    assert not (tmp_path / "out").exists()
