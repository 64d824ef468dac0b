"""Scenario files: bad ones get one clear message naming file, field and what is allowed; good ones mean what they say."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowsim import ScenarioError, load_scenario, simulate
from flowsim.cli import main
from flowsim.results.tables import compact_file
from flowsim.scenario import CAPACITY_FIELDS
from tests.queueing import MMC, TWO_STAGE

ROOT = Path(__file__).parents[1]

def _variant(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: {MMC}\n{body}")
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("wards: {general_bedz: 3}\n", "wards.general_bedz: unknown field"),
        ("wards: {general_beds: many}\n", "wards.general_beds"),
        ("wards: {general_beds: -4}\n", "greater than 0"),
        ("groups: {all: {ed_outcome: {home: 0.5, eau: 0, ward: 0.6}}}\n", "must sum to 1"),
    ],
)
def test_bad_field_exits_2_naming_file_and_field(tmp_path: Path, capsys, body: str, expected: str) -> None:
    out = tmp_path / "out"
    assert main(["run", str(_variant(tmp_path, body)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "variant.yaml" in err
    assert not out.exists()


def test_missing_extends_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "v.yaml"
    path.write_text("extends: nowhere.yaml\n")
    assert main(["run", str(path)]) == 2
    assert "nowhere.yaml does not exist" in capsys.readouterr().err


def test_same_seed_same_files(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        assert main(["run", str(MMC), "--days", "60", "--seed", "3", "--out", str(tmp_path / folder)]) == 0
    for name in ("kpis.csv", "census.csv", compact_file(Path("patients")).name, compact_file(Path("delays")).name):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_population_turns_counts_into_published_rates_per_100k() -> None:
    scenario = load_scenario(TWO_STAGE, {"days": 200, "population": {"adults": 250_000, "aged_65_plus": 50_000}})
    result = simulate(scenario, seed=2)
    delayed = result.kpi("dtoc_patients_mean")
    assert delayed > 0
    assert result.kpi("dtoc_per_day_per_100k_adults") == pytest.approx(delayed * 100_000 / 250_000)
    without = simulate(load_scenario(TWO_STAGE, {"days": 200}), seed=2)
    assert math.isnan(without.kpi("dtoc_per_day_per_100k_adults"))


def test_a_progress_callback_sees_every_day_and_changes_nothing() -> None:
    scenario = load_scenario(TWO_STAGE, {"days": 40, "warmup_days": 5})
    days: list[int] = []
    watched = simulate(scenario, seed=5, progress=days.append)
    assert days == list(range(1, 46))
    pd.testing.assert_frame_equal(watched.kpis, simulate(scenario, seed=5).kpis)
    pd.testing.assert_frame_equal(watched.census, simulate(scenario, seed=5).census)


def test_unit_costs_price_the_capacity_open_a_year() -> None:
    costs = {"acute_bed_day": 400, "step_down_bed_day": 250}
    result = simulate(load_scenario(TWO_STAGE, {"days": 60, "costs": costs}), seed=1)
    beds, step_down = result.kpi("acute_beds_open_mean"), result.kpi("step_down_beds_mean")
    assert result.kpi("capacity_cost_per_year") == pytest.approx((400 * beds + 250 * step_down) * 365)
    assert "capacity_cost_per_year" not in simulate(load_scenario(TWO_STAGE, {"days": 60}), seed=1).kpis.index


def test_a_mixture_draws_each_part_by_its_share() -> None:
    mixture = {"type": "mixture", "components": [
        {"share": 0.75, "distribution": {"type": "fixed", "value": 2}},
        {"share": 0.25, "distribution": {"type": "exponential", "mean": 20}},
    ]}  # fmt: skip
    scenario = load_scenario(TWO_STAGE, {"groups": {"all": {"general_los_days": mixture}}})
    los = scenario.groups["all"].general_los_days
    draws = los.draw(np.random.default_rng(2), 200_000)
    assert (draws == 2).mean() == pytest.approx(0.75, abs=0.005)
    assert draws.mean() == pytest.approx(los.mean(), rel=0.02) and los.mean() == pytest.approx(6.5)
    assert los.survival(10) == pytest.approx(0.25 * np.exp(-0.5))


def test_mixture_shares_must_sum_to_one() -> None:
    bad = {"type": "mixture", "components": [
        {"share": 0.5, "distribution": {"type": "fixed", "value": 2}},
        {"share": 0.4, "distribution": {"type": "fixed", "value": 9}},
    ]}  # fmt: skip
    with pytest.raises(ScenarioError, match=r"groups\.all\.general_los_days: component shares must sum to 1"):
        load_scenario(TWO_STAGE, {"groups": {"all": {"general_los_days": bad}}})


def test_a_group_with_a_winter_season_arrives_more_in_winter_and_others_do_not() -> None:
    winter = [1.5, 1.5, 1, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 1.5]
    flat = {"month_of_year": [1.0] * 12}
    scenario = load_scenario(
        ROOT / "scenarios/examples/small_county.yaml",
        {
            "start_date": "2017-01-01", "days": 365, "warmup_days": 0,
            "arrivals": {"ed_walk_in": flat, "ed_ambulance": flat, "gp_referral": flat},
            "groups": {"older": {"month_of_year": winter}},
            "escalation_rules": [], "runaway": {"ceiling_floor": 1e9},  # arrivals only: none diverted, none stopped
        },
    )  # fmt: skip
    patients = simulate(scenario, seed=2).patients
    fresh = patients[~patients.readmission & (patients.route != "initial")]
    month = (pd.to_datetime("2017-01-01") + pd.to_timedelta(fresh.arrival, unit="h")).dt.month
    counts = fresh.groupby([fresh.group, month]).size()  # January and July both have 31 days
    assert counts["older", 1] / counts["older", 7] == pytest.approx(1.5 / 0.5, rel=0.12)
    assert counts["adult", 1] / counts["adult", 7] == pytest.approx(1.0, rel=0.08)


def test_every_capacity_names_the_field_that_sets_it() -> None:
    """Tools that scale capacities (bench_scaling) find each one where CAPACITY_FIELDS says."""
    scenario = load_scenario(Path(__file__).parents[1] / "scenarios" / "examples" / "small_county.yaml")
    for capacity, path in CAPACITY_FIELDS.items():
        part = scenario
        for name in path.split("."):
            assert name in type(part).model_fields, f"{capacity}: {path} is not a scenario field"
            part = getattr(part, name)
