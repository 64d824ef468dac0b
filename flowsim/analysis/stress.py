"""Stress: how a county's performance degrades as demand rises, and the demand at which it breaks.

A winter planner asks two things. How do 4-hour performance, handover
delays, trolley waits, waits for a bed, occupancy, delayed bed days, OPEL
days and the escalation actions used (and what they cost) move as demand
grows by 5%, 10%, 15%? And at what demand does a target stop holding, or
do the queues run away? `stress` runs the scenario at each demand
multiplier (the scenario's `demand_multiplier`, which scales every arrival
stream) with the same seeds, so the levels differ by their demand and not
by their luck (common random numbers), and tabulates each measure's mean
and 95% interval over the replications that stayed stable, with the share
that ran away (Wilson's interval, within [0, 1]). A run that ran away is
not a steady state, so its figures are left out of the means and counted
in that share instead. Intervals of shares (4-hour performance, handovers
over 15 minutes) are t intervals clipped to [0, 1], and the table says when
one was clipped.

`breaking_point` finds, by bisection on the multiplier with the same seeds
at every level tried, the demand at which a KPI's mean crosses a threshold
(occupancy above 92%, 4-hour performance below 76%) or at which the
queues run away (`runaway`, a share of replications). Three bisections on
the same runs give the answer and its interval: where the mean crosses,
where the pessimistic end of its 95% interval crosses (the lower end), and
where the optimistic end does (the upper end). A level where any
replication ran away counts as crossed for the lower end, where half did
for the answer, and where all did for the upper end: a runaway queue
breaks every target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.experiment import ReplicationStore, Runner, run_experiment
from flowsim.results.catalogue import measure, produced_by
from flowsim.scenario import Scenario, ScenarioError
from flowsim.statistics import bounded_t_interval, wilson_interval

STRESS_KPIS = (
    "four_hour_performance",
    "handovers_over_15_min",
    "trolley_waits_over_12h",
    "bed_wait_mean_hours",
    "bed_wait_p95_hours",
    "occupancy_mean",
    "dtoc_bed_days_per_year",
    "opel_3_days",
    "opel_4_days",
    "escalation_bed_days",
    "spot_purchase_cost",
    "ambulances_diverted",
)
"""The measures of the stress table, with every escalation rule's days active (those the scenario produces)."""

RUNAWAY = "runaway"


@dataclass(frozen=True)
class Stress:
    """A row per demand multiplier and measure: mean, lower, upper, n (stable replications), clipped;
    the measure `runaway` is the share of replications that ran away, with Wilson's interval."""

    table: pd.DataFrame


@dataclass(frozen=True)
class BreakingPoint:
    """The demand multiplier at which `kpi` crosses `threshold`, with its interval, and every level tried.

    `multiplier` is None if the threshold is not crossed by the top of the
    range, and `below` True if it is crossed already at the bottom.
    """

    kpi: str
    threshold: float
    multiplier: float | None
    lower: float | None
    upper: float | None
    below: bool
    tried: pd.DataFrame


def stress_kpis(scenario: Scenario) -> list[str]:
    """The stress table's measures that `scenario` produces, with its escalation rules' days active."""
    produced = produced_by(scenario)
    rules = [name for name in produced if name.startswith("rule_") and name.endswith("_days_active")]
    return [name for name in (*STRESS_KPIS, *rules) if name in produced]


def at_demand(scenario: Scenario, multiplier: float) -> Scenario:
    """The scenario with every arrival stream times `multiplier` more (its own multiplier included)."""
    return Scenario.model_validate({**scenario.model_dump(by_alias=True), "demand_multiplier": scenario.demand_multiplier * multiplier})


def summarise_level(values: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    """One level's rows: each KPI over the stable replications (bounded), and the share that ran away."""
    ran_away = values[RUNAWAY] > 0 if RUNAWAY in values else pd.Series(False, index=values.index)
    stable = values[~ran_away]
    rows = []
    for kpi in kpis:
        this = measure(kpi)
        interval = bounded_t_interval(stable[kpi], this.lower, this.upper)
        raw = bounded_t_interval(stable[kpi], None, None)
        clipped = interval["n"] > 1 and (interval["lower"], interval["upper"]) != (raw["lower"], raw["upper"])
        rows.append({"kpi": kpi, "unit": this.unit, **{k: interval[k] for k in ("mean", "lower", "upper", "n")}, "clipped": clipped})
    share = wilson_interval(int(ran_away.sum()), len(values))
    rows.append({"kpi": RUNAWAY, "unit": "share", **share, "clipped": False})
    return pd.DataFrame(rows)


def stress(
    scenario: Scenario,
    multipliers: list[float],
    replications: int,
    seed: int = 0,
    store: ReplicationStore | None = None,
    runner: Runner | None = None,
) -> Stress:
    """Run the scenario at each demand multiplier with the same seeds and tabulate the stress measures."""
    levels = {f"{scenario.name} x{m:g}": at_demand(scenario, m) for m in multipliers}
    results = run_experiment(levels, replications, seed, store, runner)
    kpis = stress_kpis(scenario)
    tables = [summarise_level(results.values[label], kpis).assign(demand=m) for m, label in zip(multipliers, levels)]
    table = pd.concat(tables, ignore_index=True)
    return Stress(table[["demand", "kpi", "unit", "mean", "lower", "upper", "n", "clipped"]])


def _crossed(kpi: str, threshold: float) -> Callable[[pd.DataFrame, str], bool]:
    """(a level's rows, which end) -> whether the threshold is crossed there: "early" (the pessimistic
    end, or any replication ran away), "mean" (the mean, or half ran away), "late" (the optimistic end, or all did)."""
    worse_above = kpi == RUNAWAY or measure(kpi).better != "higher"

    def crossed(rows: pd.DataFrame, which: str) -> bool:
        row = rows.set_index("kpi").loc[kpi]
        share = rows.set_index("kpi").loc[RUNAWAY, "mean"]
        broken = {"early": share > 0, "mean": share >= 0.5, "late": share >= 1}[which]
        if broken and kpi != RUNAWAY:
            return True
        pessimistic, optimistic = ("upper", "lower") if worse_above else ("lower", "upper")
        value = row[{"early": pessimistic, "mean": "mean", "late": optimistic}[which]]
        if np.isnan(value):
            return bool(broken)
        return bool(value > threshold if worse_above else value < threshold)

    return crossed


def breaking_point(
    scenario: Scenario,
    kpi: str,
    threshold: float,
    low: float,
    high: float,
    replications: int,
    steps: int = 5,
    seed: int = 0,
    store: ReplicationStore | None = None,
    runner: Runner | None = None,
) -> BreakingPoint:
    """The demand multiplier in [low, high] at which `kpi` crosses `threshold` (module docstring), to (high - low) / 2**steps."""
    if kpi != RUNAWAY and kpi not in produced_by(scenario):
        raise ScenarioError(f"--find {kpi}: not a KPI of {scenario.name}; `flowsim kpis` lists them")
    kpis = [] if kpi == RUNAWAY else [kpi]
    levels: dict[float, pd.DataFrame] = {}

    def level(m: float) -> pd.DataFrame:
        if m not in levels:
            label = f"{scenario.name} x{m:g}"
            values = run_experiment({label: at_demand(scenario, m)}, replications, seed, store, runner).values[label]
            levels[m] = summarise_level(values, kpis)
        return levels[m]

    crossed = _crossed(kpi, threshold)

    def bisect(which: str) -> float | None:
        if crossed(level(low), which):
            return low
        if not crossed(level(high), which):
            return None
        a, b = low, high
        for _ in range(steps):
            middle = round((a + b) / 2, 10)
            a, b = (a, middle) if crossed(level(middle), which) else (middle, b)
        return b

    found = {which: bisect(which) for which in ("mean", "early", "late")}
    tried = pd.concat([rows.assign(demand=m) for m, rows in sorted(levels.items())], ignore_index=True)
    return BreakingPoint(kpi, threshold, found["mean"], found["early"], found["late"], found["mean"] == low, tried)


def breaking_point_in_words(point: BreakingPoint, replications: int) -> str:
    """The breaking point as a board reads it."""
    what = "its queues run away" if point.kpi == RUNAWAY else f"{point.kpi} crosses {point.threshold:g}"
    share = f" in more than {point.threshold:.0%} of replications" if point.kpi == RUNAWAY else ""  # crossing is strict
    if point.below:
        return f"Already at the bottom of the range ({point.multiplier:g} times the scenario's demand) {what}{share}."
    if point.multiplier is None:
        return f"Up to the top of the range, {what}{share} does not happen ({replications} replications a level)."

    def more(m: float | None) -> str:
        return "beyond the range" if m is None else f"{m - 1:+.1%}"

    return (
        f"This system holds until {what}{share} at {point.multiplier:g} times the scenario's demand "
        f"({more(point.multiplier)} demand; 95% interval {more(point.lower)} to {more(point.upper)}; "
        f"{replications} replications a level, common random numbers)."
    )
