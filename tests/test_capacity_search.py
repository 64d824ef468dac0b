"""The flowsim adapter of the capacity search: plans become scenarios, replications are stored and reused."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
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
    assert change.value == pytest.approx(2 * 29300)
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


def optimise_arguments(plan_text: str, folder: Path) -> list[str]:
    plan = folder / "plan.yaml"
    plan.write_text(plan_text)
    return [str(TWO_STAGE), str(plan), "--days", "60", "--warmup-days", "10", "--workers", "1", "--quiet", "--out", str(folder / "out")]


@pytest.fixture(scope="module")
def optimised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of a small `flowsim optimise --report` on the two-stage scenario."""
    folder = tmp_path_factory.mktemp("optimise")
    assert main(["optimise", *optimise_arguments(PLAN, folder), "--report"]) == 0
    return folder / "out"


def test_flowsim_optimise_writes_the_answer_and_says_it_in_words(optimised: Path, capsys) -> None:
    for name in ("recommended.csv", "near_equal.csv", "frontier.csv", "frontier.png", "sensitivity.csv", "curves.csv",
                 "curves.png", "explored.csv", "answer.json", "report.html"):  # fmt: skip
        assert (optimised / name).exists(), name
    page = (optimised / "report.html").read_text()
    assert "efficient frontier" in page and "cost curve" in page
    curves = pd.read_csv(optimised / "curves.csv")
    assert set(curves.lever) == {"general_beds", "step_down_beds"} and (curves.n >= 3).all()  # completed on explore
    assert np.allclose(curves.lever_cost_per_year, curves.value * np.where(curves.lever == "general_beds", 313, 150) * 365)
    assert main(["optimise", *optimise_arguments(PLAN, optimised.parent)]) == 0
    printed = capsys.readouterr().out
    assert "The cheapest plan that meets occupancy_mean at most 92.0% is general_beds" in printed
    assert "(0 replications run" in printed  # a rerun reuses every stored replication


def test_flowsim_report_writes_the_capacity_plan_section_from_an_optimise_folder(optimised: Path, tmp_path) -> None:
    assert main(["report", str(optimised), "--out", str(tmp_path / "alone.html")]) == 0
    alone = (tmp_path / "alone.html").read_text()
    for words in ("The cheapest plan that meets", "Plans as good as", "efficient frontier", "move", "cost curve"):
        assert words in alone, words
    run = tmp_path / "run"
    assert main(["run", str(TWO_STAGE), "--days", "30", "--warmup-days", "10", "--replications", "2", "--workers", "1",
                 "--quiet", "--out", str(run)]) == 0  # fmt: skip
    assert main(["report", str(run), "--optimisation", str(optimised)]) == 0
    page = (run / "report.html").read_text()
    assert '<section id="optimisation">' in page and page.index("optimisation") < page.index("STRESS")
    assert main(["report", str(run), "--optimisation", str(run)]) == 2


BUDGET_PLAN = PLAN.replace("indifference: 20000", "objective: delayed_bed_days\nbudget: 5000000\nindifference: 50")


def test_with_a_budget_flowsim_optimise_says_the_plan_with_fewest_delays_it_buys(optimised: Path, tmp_path, capsys) -> None:
    shutil.copytree(optimised / "replications", tmp_path / "out" / "replications")  # the same plans' runs, reused
    assert main(["optimise", *optimise_arguments(BUDGET_PLAN, tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "The plan with the fewest delayed bed days within a budget of £5,000,000 a year" in printed
    explored = pd.read_csv(tmp_path / "out" / "explored.csv")
    assert (explored.general_beds * 313 * 365 + explored.step_down_beds * 150 * 365 <= 5_000_000).all()  # none over budget run


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("general_beds:", "beds:"), "levers.beds: beds: not a capacity"),
        (("kpi: occupancy_mean", "kpi: occupancy"), "constraints.0.kpi: occupancy is not a KPI"),
        (("low: 12, high: 24", "low: 24, high: 12"), "levers.general_beds: Value error, high (12) is below low (24)"),
        (("indifference: 20000", "indifference: -1"), "indifference: Input should be greater than 0"),
        (("at_most: 0.92", "at_most: 0.92, at_least: 0.5"), "constraints.0: Value error, give exactly one"),
        (("indifference:", "objective: delayed_bed_days\nindifference:"), "objective delayed_bed_days needs a budget"),
        (("indifference:", "budget: 1000000\nindifference:"), "a budget goes with objective delayed_bed_days"),
        (("indifference:", "objective: delayed_bed_days\nbudget: 1000\nindifference:"), "budget: 1,000 a year is below the cheapest"),
        (("indifference:", "objective: delayed_bed_days\nbudget: 5000000\ndelay_price: 300\nindifference:"), "delay_price goes with objective cost"),
        (("indifference:", "objective: beds\nindifference:"), "objective: Input should be 'cost' or 'delayed_bed_days'"),
    ],
)
def test_a_wrong_plan_file_exits_2_naming_the_file_and_field_before_anything_runs(tmp_path, capsys, change, message) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.replace(*change))
    assert main(["optimise", str(TWO_STAGE), str(plan), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert str(plan) in error and message in error
    assert not (tmp_path / "out").exists()
