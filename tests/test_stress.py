"""Stress and the breaking point, on the M/M/c validation scenario whose answers queueing theory gives."""

from __future__ import annotations

import pandas as pd
import pytest

from flowsim import load_scenario
from flowsim.analysis.stress import RUNAWAY, at_demand, breaking_point, stress, summarise_level
from flowsim.cli import main
from flowsim.experiment import Runner
from flowsim.statistics import bounded_t_interval, wilson_interval
from tests.queueing import MMC

UTILISATION = 4.8 * 5 / 28
"""M/M/28 at 4.8 arrivals a day staying 5 days: mean occupancy is the utilisation, times the demand multiplier."""


def test_wilsons_interval_and_a_clipped_t_interval_stay_within_0_and_1() -> None:
    none, every = wilson_interval(0, 10), wilson_interval(10, 10)
    assert none["lower"] == 0.0 and none["upper"] == pytest.approx(0.2775, abs=1e-4)
    assert every["upper"] == pytest.approx(1.0) and every["lower"] == pytest.approx(0.7225, abs=1e-4)
    interval = bounded_t_interval(pd.Series([0.98, 1.0, 0.9, 1.0]), 0.0, 1.0)
    assert interval["upper"] == 1.0 and 0.0 <= interval["lower"] < interval["mean"]


def test_stress_runs_each_level_with_the_same_seeds() -> None:
    scenario = load_scenario(MMC, {"days": 120, "warmup_days": 20})
    result = stress(scenario, [1.0, 1.1], 3, runner=Runner(workers=1, progress=False)).table.set_index(["kpi", "demand"])
    occupancy = result.loc["occupancy_mean", "mean"]
    assert occupancy.loc[1.0] == pytest.approx(UTILISATION, abs=0.03)
    assert occupancy.loc[1.0] < occupancy.loc[1.1]
    assert result.loc[(RUNAWAY, 1.0), "mean"] == 0 and result.loc[(RUNAWAY, 1.0), "upper"] > 0
    assert at_demand(scenario, 1.5).demand_multiplier == 1.5 * scenario.demand_multiplier


def test_runaway_replications_are_left_out_of_the_means_and_counted_in_a_bounded_share() -> None:
    values = pd.DataFrame({"occupancy_mean": [0.9, 0.92, 0.4, 0.91], "four_hour_performance": [0.8, 0.79, 0.0, 0.81],
                           RUNAWAY: [0, 0, 1, 0]})  # fmt: skip
    rows = summarise_level(values, ["occupancy_mean", "four_hour_performance"]).set_index("kpi")
    assert rows.loc["occupancy_mean", "mean"] == pytest.approx(0.91) and rows.loc["occupancy_mean", "n"] == 3
    assert rows.loc[RUNAWAY, "mean"] == 0.25 and 0 < rows.loc[RUNAWAY, "lower"] < 0.25 < rows.loc[RUNAWAY, "upper"] < 1
    assert 0 <= rows.loc["four_hour_performance", "lower"] and rows.loc["four_hour_performance", "upper"] <= 1


def test_the_breaking_point_of_occupancy_is_where_queueing_theory_puts_it() -> None:
    scenario = load_scenario(MMC, {"days": 300, "warmup_days": 30})
    point = breaking_point(scenario, "occupancy_mean", 0.92, 1.0, 1.2, 4, steps=4, runner=Runner(workers=1, progress=False))
    expected = 0.92 / UTILISATION  # 1.073
    assert point.multiplier == pytest.approx(expected, abs=0.03)
    assert point.lower is not None and point.upper is not None
    assert point.lower - 0.0125 <= expected <= point.upper + 0.0125 and point.lower <= point.multiplier <= point.upper


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--demand", "1.3:0.9:0.1"], "needs 0 < FROM < TO"),
        (["--demand", "1:2"], "is not FROM:TO:STEP"),
        (["--find", "occupancy_mean:high"], "is not KPI:THRESHOLD"),
        (["--find", "no_such_kpi:1"], "--find no_such_kpi: not a KPI of mmc"),
    ],
)
def test_wrong_stress_arguments_exit_2_with_one_message(tmp_path, capsys, arguments, message) -> None:
    assert main(["stress", str(MMC), "--out", str(tmp_path / "out"), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
