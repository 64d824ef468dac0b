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
the levers chosen (reablement hours, home care hours, step-down beds, acute
beds, discharge slots: one alone, or several together) by one factor and
finds, by simulation with common random numbers, the smallest uplift whose
occupancy holds the target with 95% confidence (the interval's upper end at
or below it, not only the mean), or says that no uplift up to the limit does
(the rest of the stay is clinical, or waits for assessment, choice or a care
home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from flowsim.experiment import ReplicationStore, Runner, run_experiment
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import CAPACITY_FIELDS, Scenario, ScenarioError
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


LEVERS = {
    "reablement": "reablement_hours_per_month",
    "home_care": "home_care_hours_per_month",
    "step_down": "step_down_beds",
    "acute_beds": "general_beds",
    "discharge_slots": "discharges_per_weekday",
}
"""The capacities the planner can raise, by the name a board uses, each a `capacity_changes` capacity."""

POST_HOSPITAL = ("reablement", "home_care", "step_down")
"""The levers raised together by default: the services people leave hospital to."""

WHOLE_UNITS = ("step_down_beds", "general_beds", "discharges_per_weekday")
"""Capacities counted in whole beds or discharges: scaled and rounded."""


@dataclass(frozen=True)
class CapacityPlan:
    """The uplift of the chosen levers found, and what each trial gave."""

    target: float
    levers: tuple[str, ...]
    uplift: float | None
    """The smallest factor found whose occupancy interval lies wholly at or below the target; None if none up to the limit."""
    trials: pd.DataFrame
    """One row per factor tried: mean occupancy with its interval, whether it holds the target, and the capacities."""
    ran: int
    """Replications run for the trials (those taken from the store not counted)."""
    reused: int
    """Replications of the trials taken from the store."""


def capacity_for_target(
    scenario: Scenario,
    target: float,
    replications: int,
    seed: int = 0,
    limit: float = 2.0,
    steps: int = 5,
    runner: Runner | None = None,
    store: ReplicationStore | None = None,
    levers: tuple[str, ...] | None = None,
) -> CapacityPlan:
    """Bisect one factor on the `levers` (alone or together; default the post-hospital ones the scenario
    has) for acute occupancy at or below `target` with
    95% confidence: a factor holds the target when the upper end of the 95% interval of mean occupancy
    is at or below it, not only the mean.

    Every trial uses the same seeds, so factors are compared with common random
    numbers; `steps` halvings of [1, limit] give the answer to (limit - 1) / 2**steps.
    """
    levers = levers or post_hospital_levers(scenario)
    check_plan(scenario, levers, replications)
    runner = runner or Runner(progress=False)
    rows: list[dict[str, Any]] = []
    counts = {"ran": 0, "reused": 0}

    def holds(factor: float) -> bool:
        scaled = scale_capacities(scenario, factor, levers)
        results = run_experiment({scenario.name: scaled}, replications, seed, store, runner)
        counts["ran"] += results.ran
        counts["reused"] += results.reused
        interval = t_interval(results.values[scenario.name]["occupancy_mean"])
        met = bool(interval["upper"] <= target)
        capacities = {LEVERS[lever]: _capacity(scaled, LEVERS[lever]) for lever in levers}
        rows.append({"uplift": factor, **capacities, **{k: interval[k] for k in ("mean", "lower", "upper")}, "holds_target": met})
        return met

    def plan(uplift: float | None) -> CapacityPlan:
        trials = pd.DataFrame(rows).sort_values("uplift").reset_index(drop=True)
        return CapacityPlan(target, levers, uplift, trials, counts["ran"], counts["reused"])

    low, high = 1.0, limit
    if holds(low):
        return plan(1.0)
    if not holds(high):
        return plan(None)
    for _ in range(steps):
        middle = (low + high) / 2
        if holds(middle):
            high = middle
        else:
            low = middle
    return plan(high)


def check_plan(scenario: Scenario, levers: tuple[str, ...], replications: int) -> None:
    """Refuse, before anything runs, a lever that is not one or that the scenario lacks, and fewer than
    2 replications (no interval to hold the target with)."""
    if replications < 2:
        raise ScenarioError("--replications: the planner needs 2 or more for an interval")
    unknown = [lever for lever in levers if lever not in LEVERS]
    absent = [lever for lever in levers if lever in LEVERS and _capacity(scenario, LEVERS[lever]) is None]
    if unknown or absent or not levers:
        raise ScenarioError(
            f"--levers {','.join(levers)}: "
            + (f"{', '.join(unknown)} not a lever; " if unknown else "")
            + (f"{scenario.name} has no {', '.join(absent)} to raise; " if absent else "")
            + f"choose from {', '.join(LEVERS)}"
        )


def post_hospital_levers(scenario: Scenario) -> tuple[str, ...]:
    """The post-hospital levers the scenario has (the default of `capacity_for_target`)."""
    return tuple(lever for lever in POST_HOSPITAL if _capacity(scenario, LEVERS[lever]) is not None)


def scale_capacities(scenario: Scenario, factor: float, levers: tuple[str, ...] = POST_HOSPITAL) -> Scenario:
    """The scenario with the `levers`' capacities (and their dated changes) times `factor`; beds and
    discharges rounded to whole ones."""
    data = scenario.model_dump(by_alias=True)
    chosen = {LEVERS[lever] for lever in levers}
    for capacity in chosen:
        *sections, field = CAPACITY_FIELDS[capacity].split(".")
        holder = data
        for section in sections:
            holder = holder.get(section) or {}
        if holder.get(field) is not None:  # a service the scenario does not have is left out
            holder[field] = _scaled(holder[field], factor, capacity)
    for change in data["capacity_changes"]:
        if change["capacity"] in chosen:
            change["value"] = _scaled(change["value"], factor, change["capacity"])
    return Scenario.model_validate(data)


def _scaled(value: float, factor: float, capacity: str) -> float:
    return round(value * factor) if capacity in WHOLE_UNITS else value * factor


def _capacity(scenario: Scenario, capacity: str) -> float | None:
    """A capacity's opening value in its own unit, or None when the scenario does not have it."""
    holder: Any = scenario
    for part in CAPACITY_FIELDS[capacity].split("."):
        holder = getattr(holder, part, None)
        if holder is None:
            return None
    return float(holder)
