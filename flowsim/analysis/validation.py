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
from collections.abc import Container
from dataclasses import replace
from pathlib import Path

import pandas as pd
from scipy import stats

from flowsim.results.catalogue import (
    DAILY,
    KPIS,
    ORGANISATIONS,
    attributed_columns,
    current_name,
    produced_by,
)
from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Measured, Scenario, ScenarioError
from flowsim.statistics import CONFIDENCE, bounded_t_interval, paired_differences

TABLE_COLUMNS = [
    "figure", "source", "published", "unit", "mean", "lower", "upper",
    "tolerance", "within", "role", "tolerance_reason", "note",
]  # fmt: skip
ROLES = ("fitted", "check", "context")
ORGANISATION_TERMS = {f"dtoc_{organisation}": organisation for organisation in ORGANISATIONS}
"""Daily delayed transfers by responsible organisation, as NHS England publishes them: each term is the sum of
the daily delay reasons the scenario's `delay_attribution` gives that organisation."""
BACKCAST_COLUMNS = [
    "change", "measure", "unit", "published_before", "published_after", "published_change",
    "model_before", "model_after", "model_change", "lower", "upper", "in_interval",
    "range_lower", "range_upper", "in_range", "replications", "source", "note",
]  # fmt: skip


def check_measures(scenario: Scenario, file: str) -> None:
    """Stop with a clear error if a target or back-cast change names a measure the scenario's runs do not produce.

    The names come from the catalogue of measures (those of the services the
    scenario has), so nothing needs to run first. An old name that still works
    (`hart_hours_per_month`) is read as its new one, with a message naming both.
    """
    kpis, daily = produced_by(scenario, KPIS), produced_by(scenario, DAILY)
    problems = []
    for block, measured in (("validation", scenario.validation), ("backcast", scenario.backcast)):
        for index, target in enumerate(measured):
            problems += _measure_problems(target, f"{file}: {block}.{index}", kpis, daily)
    if problems:
        raise ScenarioError("\n".join(problems))


def _measure_problems(target: Measured, where: str, kpis: Container[str], daily: Container[str]) -> list[str]:
    """What is wrong with one measure's names, each naming its field (`where` is the file and entry)."""
    for field, written in (("measure", target.measure), ("per", target.per)):
        for old in _terms(written, renamed=False):
            if current_name(old) != old:
                warnings.warn(
                    f"{where}.{field}: {old} is now {current_name(old)}; the old name still works", FutureWarning, stacklevel=3
                )
    names = _terms(target.measure)
    if _is_kpi(target):
        if names[0] in kpis:
            return []
        return [
            f"{where}.measure: {names[0]} is not a KPI of this scenario (a single name with no months or per "
            f"is read as a KPI of the whole results period); KPIs: {', '.join(sorted(kpis))} (`flowsim kpis` says what each means)"
        ]
    problems = []
    for field, terms in (("measure", names), ("per", _terms(target.per))):
        unknown = [name for name in terms if name not in daily and not (field == "measure" and name in ORGANISATION_TERMS)]
        if unknown:
            problems.append(
                f"{where}.{field}: {', '.join(unknown)} is not a daily measure of this scenario (with months, per or +, "
                f"measures are daily ones); daily measures: {', '.join(sorted(daily))} (`flowsim kpis --daily`), "
                f"and delays by responsible organisation: {', '.join(ORGANISATION_TERMS)}"
            )
    return problems


def measure_values(target: Measured, scenario: Scenario, results: ExperimentResults, label: str) -> pd.Series:
    """One measure's model value in each replication of `label` (run from `scenario`), counted as published."""
    names = _terms(target.measure)
    if _is_kpi(target):
        values = results.values[label][names[0]]
    else:
        chosen = results.monthly[label]
        if target.months:
            months = chosen.index.get_level_values("month").month
            chosen = chosen[months.isin(target.months)]
        totals = chosen.groupby(level="replication").sum(min_count=1)
        columns = [
            column
            for name in names
            for column in (attributed_columns(scenario, ORGANISATION_TERMS[name]) if name in ORGANISATION_TERMS else [name])
        ]
        values = totals[columns].sum(axis=1) / totals[_terms(target.per)[0] if target.per else "days"]
    if target.per_100k:
        values = values / getattr(scenario.population, target.per_100k) * 100_000
    return values


def target_values(scenario: Scenario, results: ExperimentResults, label: str) -> pd.DataFrame:
    """Each target's model value in each replication: a row per replication, a column per target."""
    return pd.DataFrame({index: measure_values(target, scenario, results, label) for index, target in enumerate(scenario.validation)})


def validation_table(scenario: Scenario, results: ExperimentResults, label: str) -> pd.DataFrame:
    """Published figure, model mean and 95% interval, tolerance and verdict: one row per target."""
    values = target_values(scenario, results, label)
    rows = []
    for index, target in enumerate(scenario.validation):
        # every published figure is a count, a rate or a share (never negative): the interval stays within that
        interval = bounded_t_interval(values[index], 0.0, 1.0 if target.unit == "share" else None)
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


def backcast_files(scenario: Scenario) -> list[Path]:
    """Every scenario file the back-cast runs, each once, in the order they are first named."""
    return list(dict.fromkeys(side.file for change in scenario.backcast for side in (change.before, change.after)))


def check_backcast(scenario: Scenario, sides: dict[Path, Scenario], file: str) -> None:
    """Stop with a clear error if a back-cast change's measure is not produced by both of its scenarios.

    `sides` are the loaded scenarios of `backcast_files(scenario)`, by file; nothing needs to run first."""
    problems = []
    for index, change in enumerate(scenario.backcast):
        for side in ("before", "after"):
            path = getattr(change, side).file
            other = sides[path]
            where = f"{file}: backcast.{index}"
            problems += [
                f"{problem} (in {path}, its {side} side)"
                for problem in _measure_problems(change, where, produced_by(other, KPIS), produced_by(other, DAILY))
            ]
            if change.per_100k and getattr(other.population, change.per_100k) is None:
                problems.append(f"{where}.per_100k: {change.per_100k} needs population.{change.per_100k} in {path}")
    if problems:
        raise ScenarioError("\n".join(dict.fromkeys(problems)))


def backcast_table(
    scenario: Scenario, sides: dict[Path, tuple[str, Scenario]], results: ExperimentResults
) -> pd.DataFrame:
    """Each published change against the model's: one row per change of `scenario.backcast`.

    `sides` gives, for each file of `backcast_files`, its label in `results` and its scenario.
    The model's change is after less before, paired by replication (common random numbers),
    with its 95% interval: `in_interval` says whether the published change lies in it. A
    published change is one year (or month) against another, each with its own chance, so the
    interval of the model's mean change is narrower than the spread of one such change:
    `range_lower` to `range_upper` is the 95% range of one year's change, from the spread of
    each side's replications (as unpaired years) and the uncertainty of the mean, and
    `in_range` says whether the published change lies in that."""
    rows = []
    for change in scenario.backcast:
        (before_label, before), (after_label, after) = sides[change.before.file], sides[change.after.file]
        values = {
            "before": measure_values(change, before, results, before_label),
            "after": measure_values(change, after, results, after_label),
        }
        paired = paired_differences(values["before"].to_frame("change"), values["after"].to_frame("change")).loc["change"]
        spread = _one_year_range(values["before"], values["after"], float(paired["difference"]))
        published = change.published_change
        rows.append(
            {
                "change": change.change,
                "measure": change.measure,
                "unit": change.unit,
                "published_before": change.before.published,
                "published_after": change.after.published,
                "published_change": published,
                "model_before": paired["base_mean"],
                "model_after": paired["option_mean"],
                "model_change": paired["difference"],
                "lower": paired["lower"],
                "upper": paired["upper"],
                "in_interval": bool(paired["lower"] <= published <= paired["upper"]),
                "range_lower": spread[0],
                "range_upper": spread[1],
                "in_range": bool(spread[0] <= published <= spread[1]),
                "replications": int(paired["n"]),
                "source": change.source,
                "note": change.note,
            }
        )
    return pd.DataFrame(rows, columns=BACKCAST_COLUMNS)


def _one_year_range(before: pd.Series, after: pd.Series, change: float) -> tuple[float, float]:
    """The 95% range of one year's change against another's, each year a single draw with its own chance:
    the variance of an unpaired difference of single replications plus that of the mean change (Student t)."""
    paired = pd.DataFrame({"before": before, "after": after}).dropna()
    n = len(paired)
    if n < 2:
        return math.nan, math.nan
    variance = paired["before"].var() + paired["after"].var() + (paired["after"] - paired["before"]).var() / n
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * math.sqrt(variance))
    return change - half, change + half


def role_summary(table: pd.DataFrame) -> str:
    """How many figures of each role are within tolerance, in one line: fitted and check figures counted apart,
    because only agreement with figures nothing was tuned to is evidence that the model predicts."""
    within = table["within"].astype(str).str.strip().str.lower().isin(("true", "1", "yes"))
    roles = table.get("role", pd.Series("", index=table.index))  # a results folder from before roles has none
    words = {"fitted": "fitted (tuned to)", "check": "check (nothing tuned to them)", "context": "context (another basis)"}
    parts = [f"{words[role]} {int(within[roles == role].sum())} of {int((roles == role).sum())}" for role in ROLES if (roles == role).any()]
    return f"Within tolerance: {int(within.sum())} of {len(table)} figures; " + "; ".join(parts) + "."


def _is_kpi(target: Measured) -> bool:
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
