"""Validation: how close a scenario comes to the figures published for the system it represents.

A baseline is only useful to a board if it looks like the system they run.
A scenario file lists the published figures it should reproduce
(`validation:`), each with its source, the model measure it is compared
with and a tolerance with the reason for it. `flowsim validate` runs
replications and, for every figure, gives the model's mean with its 95%
interval and whether the mean is within the tolerance. A figure the model
cannot match says why in its note, rather than being hidden by tuning.

A measure is either a KPI of the results period or daily measures of the
census and flows (added with `+`), taken over chosen calendar months from
each replication's monthly totals (so "occupancy in April-June" or "the share
of November-December days at OPEL 3 or 4" are exact), optionally per another
daily measure and per 100,000 of a population.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import pandas as pd

from flowsim.results.catalogue import DAILY, KPIS, current_name, produced_by
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Scenario, ScenarioError, Target
from flowsim.statistics import t_interval

TABLE_COLUMNS = [
    "figure", "source", "published", "unit", "mean", "lower", "upper",
    "tolerance", "within", "role", "tolerance_reason", "note",
]  # fmt: skip


def check_measures(scenario: Scenario, file: str) -> None:
    """Stop with a clear error if a target names a measure the scenario's runs do not produce.

    The names come from the catalogue of measures (those of the services the
    scenario has), so nothing needs to run first. An old name that still works
    (`hart_hours_per_month`) is read as its new one, with a message naming both.
    """
    kpis, daily = produced_by(scenario, KPIS), produced_by(scenario, DAILY)
    problems = []
    for index, target in enumerate(scenario.validation):
        where = f"{file}: validation.{index}"
        for field, written in (("measure", target.measure), ("per", target.per)):
            for old in _terms(written, renamed=False):
                if current_name(old) != old:
                    warnings.warn(
                        f"{where}.{field}: {old} is now {current_name(old)}; the old name still works", FutureWarning, stacklevel=2
                    )
        names = _terms(target.measure)
        if _is_kpi(target):
            if names[0] not in kpis:
                problems.append(
                    f"{where}.measure: {names[0]} is not a KPI of this scenario (a single name with no months or per "
                    f"is read as a KPI of the whole results period); KPIs: {', '.join(sorted(kpis))} (`flowsim kpis` says what each means)"
                )
            continue
        for field, terms in (("measure", names), ("per", _terms(target.per))):
            unknown = [name for name in terms if name not in daily]
            if unknown:
                problems.append(
                    f"{where}.{field}: {', '.join(unknown)} is not a daily measure of this scenario (with months, per or +, "
                    f"measures are daily ones); daily measures: {', '.join(sorted(daily))} (`flowsim kpis --daily`)"
                )
    if problems:
        raise ScenarioError("\n".join(problems))


def target_values(scenario: Scenario, results: ExperimentResults, label: str) -> pd.DataFrame:
    """Each target's model value in each replication: a row per replication, a column per target."""
    kpis, monthly = results.values[label], results.monthly[label]
    columns = {}
    for index, target in enumerate(scenario.validation):
        names = _terms(target.measure)
        if _is_kpi(target):
            values = kpis[names[0]]
        else:
            chosen = monthly
            if target.months:
                months = monthly.index.get_level_values("month").month
                chosen = monthly[months.isin(target.months)]
            totals = chosen.groupby(level="replication").sum(min_count=1)
            values = totals[names].sum(axis=1) / totals[_terms(target.per)[0] if target.per else "days"]
        if target.per_100k:
            values = values / getattr(scenario.population, target.per_100k) * 100_000
        columns[index] = values
    return pd.DataFrame(columns)


def validation_table(scenario: Scenario, results: ExperimentResults, label: str) -> pd.DataFrame:
    """Published figure, model mean and 95% interval, tolerance and verdict: one row per target."""
    values = target_values(scenario, results, label)
    rows = []
    for index, target in enumerate(scenario.validation):
        interval = t_interval(values[index])
        mean = interval["mean"]
        rows.append(
            {
                "figure": target.figure,
                "source": target.source,
                "published": target.published,
                "unit": target.unit,
                "mean": mean,
                "lower": interval["lower"],
                "upper": interval["upper"],
                "tolerance": target.tolerance,
                "within": bool(not math.isnan(mean) and abs(mean - target.published) <= target.tolerance),
                "role": target.role,
                "tolerance_reason": target.tolerance_reason,
                "note": target.note,
            }
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _is_kpi(target: Target) -> bool:
    """A single name with no months and no `per` is a KPI of the whole results period; anything
    else is read from the daily measures (some names, such as handovers_over_15_min, are both)."""
    return "+" not in target.measure and not target.months and target.per is None


def _terms(measure: str | None, renamed: bool = True) -> list[str]:
    """'a + b' -> ['a', 'b']; 'a' -> ['a']; None -> []. Old names are read as today's unless `renamed` is False."""
    parts = [part.strip() for part in measure.split("+")] if measure else []
    return [current_name(part) for part in parts] if renamed else parts


def with_validation(results: ExperimentResults, scenario: Scenario) -> ExperimentResults:
    """The results with the base against its published figures, when the scenario lists any."""
    return replace(results, validation=validation_table(scenario, results, results.base)) if scenario.validation else results
