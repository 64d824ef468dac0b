"""The flowsim adapter of the capacity search: plans become scenarios, replications are stored and reused."""

from __future__ import annotations

import pytest

from flowsim import load_scenario
from flowsim.cli import main
from flowsim.analysis.capacity_search import FlowsimEvaluator, capacity, lever, with_capacities
from flowsim.experiment import ReplicationStore, Runner
from flowsim.scenario import ScenarioError
from tests.queueing import TWO_STAGE

OXFORDSHIRE = "scenarios/oxfordshire_2017.yaml"


def test_a_plan_sets_each_capacity_and_scales_its_dated_changes_in_proportion() -> None:
    base = load_scenario(OXFORDSHIRE)
    before = capacity(base, "home_care_hours_per_month")
    planned = with_capacities(base, {"home_care_hours_per_month": 2 * before, "general_beds": 600.4})
    assert planned.home_care.hours_per_month == 2 * before and planned.wards.general_beds == 600
    [change] = [c for c in planned.capacity_changes if c.capacity == "home_care_hours_per_month"]
    assert change.value == pytest.approx(2 * 32500)
    assert base.home_care.hours_per_month == before  # the scenario itself is unchanged


def test_levers_are_priced_from_the_scenarios_costs_or_refused_naming_what_is_missing() -> None:
    base = load_scenario(OXFORDSHIRE)
    beds = lever(base, "general_beds", 500, 700, 10)
    assert (beds.unit_cost, beds.per_year) == (base.costs.acute_bed_day, 365.0)
    hours = lever(base, "home_care_hours_per_month", 20000, 40000, 5000)
    assert (hours.unit_cost, hours.per_year) == (base.costs.home_care_hour, 12.0)
    unpriced = base.model_copy(update={"costs": base.costs.model_copy(update={"reablement_hour": None})})
    with pytest.raises(ScenarioError, match="costs.reablement_hour"):
        lever(unpriced, "reablement_hours_per_month", 5000, 9000, 1000)
    assert lever(unpriced, "reablement_hours_per_month", 5000, 9000, 1000, unit_cost=40.0).unit_cost == 40.0
    with pytest.raises(ScenarioError, match="not a capacity"):
        lever(base, "beds", 1, 2, 1)


def test_replications_are_run_once_with_common_random_numbers_and_reused_from_the_store(tmp_path) -> None:
    scenario = load_scenario(TWO_STAGE, {"days": 30, "warmup_days": 10})
    evaluate = FlowsimEvaluator(scenario, seed=3, runner=Runner(workers=1, progress=False), store=ReplicationStore(tmp_path))
    plans = [({"general_beds": 14}, [0, 1]), ({"general_beds": 20}, [0, 1])]
    first = evaluate.many(plans)
    assert (evaluate.ran, evaluate.reused) == (4, 0)
    again = evaluate.many(plans)
    assert (evaluate.ran, evaluate.reused) == (4, 4)
    assert first[0].equals(again[0]) and list(first[1].index) == [0, 1]
    arrivals = "ed_attendances_per_day" if "ed_attendances_per_day" in first[0] else first[0].columns[0]
    assert first[0][arrivals].tolist() == first[1][arrivals].tolist()  # same arrivals: common random numbers


PLAN = """\
levers:
  general_beds: {low: 12, high: 24, step: 6, unit_cost: 313}
  step_down_beds: {low: 18, high: 26, step: 4, unit_cost: 150}
constraints:
  - {kpi: occupancy_mean, at_most: 0.92, tolerance: 0.01}
indifference: 20000
explore: 3
n0: 5
confirm: 4
"""


def test_flowsim_optimise_writes_the_answer_and_says_it_in_words(tmp_path, capsys) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    out = tmp_path / "out"
    arguments = [str(TWO_STAGE), str(plan), "--days", "60", "--warmup-days", "10", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(["optimise", *arguments, "--report"]) == 0
    printed = capsys.readouterr().out
    assert "The cheapest plan that meets occupancy_mean at most 92.0% is general_beds" in printed
    for name in ("recommended.csv", "near_equal.csv", "frontier.csv", "frontier.png", "sensitivity.csv", "explored.csv", "report.html"):
        assert (out / name).exists(), name
    assert "efficient frontier" in (out / "report.html").read_text()
    assert main(["optimise", *arguments]) == 0
    assert "(0 replications run" in capsys.readouterr().out  # a rerun reuses every stored replication


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("general_beds:", "beds:"), "levers.beds: beds: not a capacity"),
        (("kpi: occupancy_mean", "kpi: occupancy"), "constraints.0.kpi: occupancy is not a KPI"),
        (("low: 12, high: 24", "low: 24, high: 12"), "levers.general_beds: Value error, high (12) is below low (24)"),
        (("indifference: 20000", "indifference: -1"), "indifference: Input should be greater than 0"),
        (("at_most: 0.92", "at_most: 0.92, at_least: 0.5"), "constraints.0: Value error, give exactly one"),
    ],
)
def test_a_wrong_plan_file_exits_2_naming_the_file_and_field_before_anything_runs(tmp_path, capsys, change, message) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.replace(*change))
    assert main(["optimise", str(TWO_STAGE), str(plan), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert str(plan) in error and message in error
    assert not (tmp_path / "out").exists()
