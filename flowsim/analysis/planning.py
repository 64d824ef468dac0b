"""Required daily discharges, and the post-hospital capacity that holds occupancy at a target.

An A&E Delivery Board asks two things of a flow model: how many discharges a
day keep pace with admissions, and how much post-hospital capacity brings
acute occupancy to a safe level such as 92%.

Discharges. Over a week, discharges must equal admissions, or the wards fill.
How they spread over the week is a choice: if services take fewer people at
weekends, weekdays must make up for it, and occupancy rises through the
weekend and falls back in the week. `required_discharges` gives, for each day
of the week, the admissions the scenario brings, the discharges it makes now,
and the discharges that keep pace with them if every day discharges alike and
if weekends run at the 60% / 40% seven-day target, with the rise in midnight
occupancy each pattern causes between the week's lowest and highest day: the
beds of headroom the weekend costs.

Capacity. Keeping pace sets the flow, not the level: the level is set by how
long people stay, and in a county like the reference one much of that is
waiting for HART, home care or a step-down bed. `capacity_for_target` scales
those three together by one factor and finds, by simulation with common
random numbers, the smallest uplift whose mean occupancy meets the target,
or says that no uplift up to the limit does (the rest of the stay is
clinical, or waits for assessment, choice or a care home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from flowsim.experiment import ReplicationStore, Runner, run_experiment
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Scenario
from flowsim.statistics import t_interval

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SEVEN_DAY_TARGET = (1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.4)
"""S001: "60% of weekday capacity on Saturdays and 40% on Sundays"."""


def required_discharges(results: ExperimentResults, label: str) -> pd.DataFrame:
    """Admissions and discharges by day of the week, and the discharges that keep pace with them.

    One row per weekday: mean admissions and discharges now (over every day and
    replication of the results period), and the discharges that keep pace with
    those admissions if every day discharges alike, and if weekends discharge at
    the seven-day target (60% / 40% of a weekday); the last row (`swing`) is the
    rise in midnight occupancy, in beds, from the week's lowest day to its highest
    under each of the three.
    """
    bands = results.bands[(results.bands.scenario == label) & results.bands.measure.isin(("admissions", "acute_discharges"))]
    weekday = pd.to_datetime(bands.date).dt.day_of_week
    means = bands.assign(weekday=weekday).pivot_table(index="weekday", columns="measure", values="mean")
    admissions = means["admissions"]
    table = pd.DataFrame(
        {
            "admissions": admissions,
            "discharges_now": means["acute_discharges"],
            "needed_every_day_alike": _keep_pace(admissions, (1.0,) * 7),
            "needed_seven_day_target": _keep_pace(admissions, SEVEN_DAY_TARGET),
        },
        index=range(7),
    )
    table.index = pd.Index(WEEKDAYS, name="day")
    swing = {column: _swing(table["admissions"], table[column]) for column in table.columns[1:]}
    return pd.concat([table, pd.DataFrame(swing, index=["swing"])])


def _keep_pace(admissions: pd.Series, pattern: tuple[float, ...]) -> pd.Series:
    """A week's admissions discharged in proportion to `pattern` (a weekday's share each day)."""
    shares = pd.Series(pattern, index=range(7))
    return admissions.sum() * shares / shares.sum()


def _swing(admissions: pd.Series, discharges: pd.Series) -> float:
    """Beds between the week's lowest and highest midnight, if each day admits and discharges these."""
    level = (admissions - discharges).cumsum()
    return float(level.max() - min(level.min(), 0.0))


@dataclass(frozen=True)
class CapacityPlan:
    """The uplift of post-hospital capacity found, and what each trial gave."""

    target: float
    uplift: float | None
    """The smallest factor found whose mean occupancy meets the target; None if none up to the limit."""
    trials: pd.DataFrame
    """One row per factor tried: mean occupancy with its interval, and the capacities."""


def capacity_for_target(
    scenario: Scenario,
    target: float,
    replications: int,
    seed: int = 0,
    limit: float = 2.0,
    steps: int = 5,
    runner: Runner | None = None,
    store: ReplicationStore | None = None,
) -> CapacityPlan:
    """Bisect the factor on HART hours, home care hours and step-down beds for mean occupancy <= target.

    Every trial uses the same seeds, so factors are compared with common random
    numbers; `steps` halvings of [1, limit] give the answer to (limit - 1) / 2**steps.
    """
    runner = runner or Runner(progress=False)
    rows: list[dict[str, Any]] = []

    def occupancy(factor: float) -> float:
        scaled = scale_post_hospital(scenario, factor)
        results = run_experiment({scenario.name: scaled}, replications, seed, store, runner)
        interval = t_interval(results.values[scenario.name]["occupancy_mean"])
        rows.append({"uplift": factor, **_capacities(scaled), **{k: interval[k] for k in ("mean", "lower", "upper")}})
        return interval["mean"]

    low, high = 1.0, limit
    if occupancy(low) <= target:
        return CapacityPlan(target, 1.0, pd.DataFrame(rows))
    if occupancy(high) > target:
        return CapacityPlan(target, None, pd.DataFrame(rows))
    for _ in range(steps):
        middle = (low + high) / 2
        if occupancy(middle) <= target:
            high = middle
        else:
            low = middle
    return CapacityPlan(target, high, pd.DataFrame(rows).sort_values("uplift").reset_index(drop=True))


def scale_post_hospital(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with HART hours, home care hours and step-down beds (and their dated changes) times `factor`."""
    data = scenario.model_dump(by_alias=True)
    for service in ("reablement", "home_care"):
        if data.get(service):
            data[service]["hours_per_month"] *= factor
    if data.get("step_down"):
        data["step_down"]["beds"] = round(data["step_down"]["beds"] * factor)
    for change in data["capacity_changes"]:
        if change["capacity"] in ("reablement_hours_per_month", "home_care_hours_per_month"):
            change["value"] *= factor
        elif change["capacity"] == "step_down_beds":
            change["value"] = round(change["value"] * factor)
    return Scenario.model_validate(data)


def _capacities(scenario: Scenario) -> dict[str, float]:
    """The post-hospital capacities the scenario opens with, in their own units (dated changes scale alike)."""
    nan = float("nan")
    return {
        "reablement_hours_per_month": scenario.reablement.hours_per_month if scenario.reablement else nan,
        "home_care_hours_per_month": scenario.home_care.hours_per_month if scenario.home_care else nan,
        "step_down_beds": float(scenario.step_down.beds) if scenario.step_down else nan,
    }
