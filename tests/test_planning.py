"""Required discharges and the post-hospital capacity that holds occupancy at a target."""

from __future__ import annotations

import pandas as pd
import pytest

from flowsim import load_scenario
from flowsim.experiment import Runner, run_experiment
from flowsim.analysis.planning import SEVEN_DAY_TARGET, _keep_pace, _swing, capacity_for_target, required_discharges, scale_capacities
from tests.queueing import TWO_STAGE

SERIAL = Runner(workers=1, progress=False)


def test_keeping_pace_with_a_weekend_dip_means_more_on_weekdays_and_a_swing_through_the_week() -> None:
    admissions = pd.Series([10.0] * 7)
    needed = _keep_pace(admissions, SEVEN_DAY_TARGET)
    assert needed.sum() == pytest.approx(70)
    assert needed[0] == pytest.approx(70 / 6) and needed[5] == pytest.approx(0.6 * 70 / 6)
    # Weekdays discharge 1.67 more than they admit (5 days: -8.3 beds), Saturday 3 fewer, Sunday 5.3 fewer.
    assert _swing(admissions, needed) == pytest.approx(70 / 6 * 5 - 50)
    assert _swing(admissions, admissions) == 0


def test_required_discharges_balance_the_weeks_admissions() -> None:
    scenario = load_scenario(TWO_STAGE, {"days": 140, "warmup_days": 30})
    experiment = run_experiment({"two": scenario}, 2, seed=3, runner=SERIAL)
    table = required_discharges(experiment, "two")
    week = table.drop(index="swing")
    assert list(week.index) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert week.needed_every_day_alike.sum() == pytest.approx(week.admissions.sum())
    assert week.needed_seven_day_target.sum() == pytest.approx(week.admissions.sum())
    assert table.loc["swing", "needed_seven_day_target"] > table.loc["swing", "needed_every_day_alike"]
    assert week.discharges_now.sum() == pytest.approx(week.admissions.sum(), rel=0.05)


def test_the_uplift_found_meets_the_target_and_a_smaller_one_does_not() -> None:
    # 60 acute beds: 12 in treatment (3 a day x 4 days) plus those waiting for one of 20 step-down beds.
    scenario = load_scenario(TWO_STAGE, {"days": 300, "warmup_days": 30, "wards": {"general_beds": 60}})
    assert scale_capacities(scenario, 1.5).step_down.beds == 30
    plan = capacity_for_target(scenario, target=0.22, replications=3, seed=1, limit=2.0, steps=3, runner=SERIAL)
    assert plan.uplift is not None and 1.0 < plan.uplift <= 2.0
    trials = plan.trials.set_index("uplift")
    assert trials.loc[plan.uplift, "upper"] <= 0.22 and trials.loc[plan.uplift, "holds_target"]
    below = trials[trials.index < plan.uplift]
    assert (below["upper"] > 0.22).all() and not below.empty
    assert plan.ran == 3 * len(trials) and not trials.isna().any().any()
    assert trials["mean"].is_monotonic_decreasing, "more capacity must not mean fuller beds"
    out_of_reach = capacity_for_target(scenario, target=0.15, replications=2, seed=1, limit=1.5, steps=1, runner=SERIAL)
    assert out_of_reach.uplift is None


def test_each_lever_alone_scales_only_its_own_capacity_and_a_missing_one_is_refused() -> None:
    from flowsim import ScenarioError

    scenario = load_scenario(TWO_STAGE, {"days": 30, "warmup_days": 5, "wards": {"general_beds": 60}})
    beds = scale_capacities(scenario, 1.5, ("acute_beds",))
    assert beds.wards.general_beds == 90 and beds.step_down.beds == scenario.step_down.beds
    with pytest.raises(ScenarioError, match="no reablement"):
        capacity_for_target(scenario, 0.5, replications=2, levers=("reablement",), runner=SERIAL)
    with pytest.raises(ScenarioError, match="2 or more"):
        capacity_for_target(scenario, 0.5, replications=1, runner=SERIAL)


def test_a_wrong_lever_stops_before_anything_runs(tmp_path, capsys) -> None:
    from flowsim.cli import main

    out = tmp_path / "plan"
    assert main(["discharges", str(TWO_STAGE), "--levers", "nonsense", "--out", str(out), "--quiet"]) == 2
    assert "nonsense not a lever" in capsys.readouterr().err and not out.exists()
