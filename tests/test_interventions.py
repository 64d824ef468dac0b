"""What-ifs change what they should: more HART hours shorten the reablement queue,
and a capacity change on a date takes effect from that date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowsim
from flowsim.engine.vocabulary import DELAY_REASONS, OTHER_ARRANGEMENTS, reason_column
from flowsim.scenario import month_hours_to_week
from tests.test_invariants import ROOT

EXAMPLES = ROOT / "scenarios" / "examples"
SMALL_COUNTY = EXAMPLES / "small_county.yaml"
MORE_HART = EXAMPLES / "small_county_more_hart.yaml"
SEED, REPLICATIONS = 1, 3
AWAITING_REABLEMENT = "delayed_awaiting_reablement_mean"


def _mean_kpis(path: Path, names: list[str]) -> pd.Series:
    """Each KPI's mean over REPLICATIONS runs (common random numbers across scenarios)."""
    scenario = flowsim.load_scenario(path)
    runs = [flowsim.simulate(scenario, seed=SEED, replication=r).kpis.value for r in range(REPLICATIONS)]
    means = pd.concat(runs, axis=1).mean(axis=1)
    missing = set(names) - set(means.index)
    assert not missing, f"the KPI table lacks {missing}"
    return means


@pytest.mark.slow
def test_a_fifth_more_reablement_hours_means_fewer_waiting_and_fewer_delayed_bed_days() -> None:
    base, more = flowsim.load_scenario(SMALL_COUNTY), flowsim.load_scenario(MORE_HART)
    assert more.reablement.hours_per_month == 1.2 * base.reablement.hours_per_month
    hart = [c.value for c in base.capacity_changes if c.capacity == "reablement_hours_per_month"]
    assert [c.value for c in more.capacity_changes if c.capacity == "reablement_hours_per_month"] == [1.2 * v for v in hart]
    assert [c for c in more.capacity_changes if c.capacity != "reablement_hours_per_month"] == [
        c for c in base.capacity_changes if c.capacity != "reablement_hours_per_month"
    ]

    names = [AWAITING_REABLEMENT, "reablement_hours_waiting_mean", "wait_awaiting_reablement_mean_days",
             "delayed_bed_days", "delayed_bed_days_per_day", "reablement_hours_utilisation"]
    before, after = _mean_kpis(SMALL_COUNTY, names), _mean_kpis(MORE_HART, names)
    # In the baseline HART binds: awaiting reablement is the largest delay reason.
    reasons = before[[f"{reason_column(r)}_mean" for r in DELAY_REASONS]]
    assert reasons.idxmax() == AWAITING_REABLEMENT, reasons
    assert before[AWAITING_REABLEMENT] > 2.0
    # A fifth more hours: fewer people wait, for less time, and fewer bed days are lost.
    assert after[AWAITING_REABLEMENT] < 0.5 * before[AWAITING_REABLEMENT], (before, after)
    assert after["reablement_hours_waiting_mean"] < 0.5 * before["reablement_hours_waiting_mean"]
    assert after["wait_awaiting_reablement_mean_days"] < before["wait_awaiting_reablement_mean_days"]
    assert after["delayed_bed_days"] < 0.9 * before["delayed_bed_days"], (before, after)
    assert after["delayed_bed_days_per_day"] < before["delayed_bed_days_per_day"]
    assert after["reablement_hours_utilisation"] < before["reablement_hours_utilisation"]


def test_winter_reablement_hours_and_step_down_beds_change_on_their_dates() -> None:
    # Without the escalation rules, which may buy reablement hours at short notice on top of the plan.
    scenario = flowsim.load_scenario(SMALL_COUNTY, {"days": 200, "warmup_days": 30, "escalation_rules": []})
    census = flowsim.simulate(scenario, seed=SEED).census.set_index("date")
    week = month_hours_to_week
    rise, back = dt.date(2017, 12, 1), dt.date(2018, 4, 1)
    day = dt.timedelta(days=1)
    assert census.loc[rise - day, "reablement_hours_capacity"] == week(1560)
    assert census.loc[rise, "reablement_hours_capacity"] == week(1720)
    winter = census.loc[rise : back - day]
    assert np.allclose(winter.reablement_hours_capacity, week(1720))
    assert (census.loc[rise - day, "step_down_beds"], census.loc[rise, "step_down_beds"]) == (34, 38)
    # A cut closes capacity as it is released: never below what is in use, never above plan once free.
    spring = census.loc[back:]
    assert np.allclose(spring.reablement_hours_capacity, np.maximum(week(1560), spring.reablement_hours_in_use))
    assert np.allclose(spring.step_down_beds, np.maximum(34, spring.step_down_occupied))
    assert (spring.reablement_hours_capacity <= week(1720) + 1e-9).all()
    assert np.isclose(spring.reablement_hours_capacity.iloc[-1], week(1560)) or spring.reablement_hours_in_use.iloc[-1] > week(1560)


def test_cutting_beds_on_a_date_closes_them_as_patients_leave() -> None:
    cut = dt.date(2017, 3, 1)
    scenario = flowsim.load_scenario(
        ROOT / "scenarios" / "validation" / "mmc.yaml",
        {"days": 120, "warmup_days": 20, "capacity_changes": [{"date": cut, "capacity": "general_beds", "value": 20}]},
    )
    result = flowsim.simulate(scenario, seed=5)
    census = result.census.set_index("date")
    before, after = census.loc[: cut - dt.timedelta(days=1)], census.loc[cut:]
    assert (before.general_beds_open == 28).all()
    assert (after.general_beds_open == np.maximum(20, after.general_occupied)).all()
    assert (after.general_occupied.iloc[14:] <= 20).all()
    assert before.general_occupied.max() > 20  # the cut had something to close
    assert after.waiting_for_bed.mean() > before.waiting_for_bed.mean()


def test_services_closed_at_weekends_hold_back_supported_discharges_only() -> None:
    closed = {"supported_discharges_per_weekday": 30, "supported_day_of_week_capacity": [1, 1, 1, 1, 1, 0, 0]}
    scenario = flowsim.load_scenario(SMALL_COUNTY, {"days": 120, "discharge": closed})
    patients = flowsim.simulate(scenario, seed=SEED).patients
    left = patients[(patients.acute_discharge >= 0) & (patients.destination != OTHER_ARRANGEMENTS)]
    weekday = (scenario.start_date.weekday() + (left.acute_discharge // 24).astype(int)) % 7
    supported = left.pathway > 0
    assert supported.sum() > 100 and (~supported).sum() > 100
    assert not (supported & (weekday >= 5)).any(), "a service closed at weekends took someone on a Saturday or Sunday"
    assert ((~supported) & (weekday >= 5)).sum() > 0.1 * (~supported).sum(), "discharges home go on at weekends"
