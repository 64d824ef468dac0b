"""The flowsim adapter of the capacity search: plans become scenarios, replications are stored and reused."""

from __future__ import annotations

import pytest

from flowsim import load_scenario
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
    assert (beds.unit_cost, beds.per_year) == (313.0, 365.0)
    hours = lever(base, "home_care_hours_per_month", 20000, 40000, 5000)
    assert (hours.unit_cost, hours.per_year) == (17.19, 12.0)
    with pytest.raises(ScenarioError, match="costs.reablement_hour"):
        lever(base, "reablement_hours_per_month", 5000, 9000, 1000)
    assert lever(base, "reablement_hours_per_month", 5000, 9000, 1000, unit_cost=40.0).unit_cost == 40.0
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
