"""Options appraisal: which option saves the most delayed bed days, by how much, how surely, at what cost.

An experiment runs a base scenario and its options with the same seeds
(common random numbers), so each option can be compared with the base
replication by replication (`flowsim.results.experiment_results` holds what
came of it).

It ranks the options by delayed bed days saved a year: delayed transfers of
care (DTOC) as NHS England counts them, one bed day per patient per
midnight, in acute and step-down beds. The cost of an option is the change
in the cost of the capacity it provides (the KPI `capacity_cost_per_year`,
from the unit costs in the scenario files), and its cost per bed day saved
is the ratio of the two mean differences, with Fieller's 95% interval. An
option that changes a capacity with no unit cost has no cost shown: a
missing price is not a zero price.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from flowsim.results.experiment_results import ExperimentResults
from flowsim.scenario import Scenario
from flowsim.results.kpis import HEADLINE_KPIS
from flowsim.statistics import paired_differences, ratio_interval

SAVED_KPI = "dtoc_bed_days_per_year"
OCCUPANCY_KPI = "occupancy_mean"
COST_KPI = "capacity_cost_per_year"

OTHER_DELAYED_BED_DAYS = ("delayed_bed_days_per_day",)
"""Delayed bed days on another definition (medically fit in acute beds only), left out of the report's key
figures so that one definition, delayed transfers of care, runs through the answer, ranking and figures."""

REPORT_KPIS = (SAVED_KPI, *(k for k in HEADLINE_KPIS if k not in OTHER_DELAYED_BED_DAYS), COST_KPI)
"""The KPIs of the report's table: delayed transfer bed days first, the board's headline figures, the cost."""

PRICED_CAPACITY = {
    "acute_bed_day": ("acute_beds_open_mean", "acute beds", 365.0),
    "step_down_bed_day": ("step_down_beds_mean", "step-down beds", 365.0),
    "reablement_hour": ("reablement_hours_capacity_per_month", "reablement hours", 12.0),
    "home_care_hour": ("home_care_hours_capacity_per_month", "home care hours", 12.0),
    "avoidance_place_day": ("avoidance_places_mean", "admission avoidance places", 365.0),
}
"""Each unit cost of a scenario's `costs`: the KPI of the capacity it prices, its name, and the units
of it a year per unit of the KPI (a bed open all year is 365 bed days; hours a month x 12)."""

HELD = ", escalation held"
"""Added to the label of an option run with the base's escalation plan as it ran in the base."""


def with_escalation_held(scenarios: dict[str, Scenario]) -> dict[str, Scenario]:
    """The base (first) and each option run with the base's escalation plan as it ran in the base.

    Left to react, the plan reads the bed pressure and boarders an option
    lowers, so the beds an option frees close escalation beds and defer fewer
    operations; held, they reach the front door. Raises ValueError, by option
    label, for an option whose rules differ from the base's.
    """
    (base_label, base), *options = scenarios.items()
    held = {base_label: base}
    for label, option in options:
        try:
            held[label + HELD] = option.following(base)
        except ValueError as error:
            raise ValueError(f"{label}: {error}") from None
    return held


# The ranking ------------------------------------------------------------------------


APPRAISAL_COLUMNS = [
    "option", "description", "saved", "saved_lower", "saved_upper", "saving_distinguishable", "occupancy_change",
    "occupancy_change_lower", "occupancy_change_upper", "extra_cost", "cost_per_bed_day_saved", "cost_lower",
    "cost_upper", "cost_changes", "cost_note",
]  # fmt: skip
"""The ranking's columns, in order."""


def appraisal(results: ExperimentResults) -> pd.DataFrame:
    """The options ranked by delayed bed days saved a year (most first), one row each; an option any of
    whose replications ran away (`ExperimentResults.runaways`) is left out.

    Columns: option, description, saved (mean, lower, upper: base minus
    option, DTOC bed days a year), saving_distinguishable, occupancy_change
    (and its lower, upper; option minus base, a share), extra_cost (GBP a
    year, option minus base), cost_per_bed_day_saved (and its lower, upper,
    Fieller's interval) and cost_note (why a cost is missing)."""
    base = results.values[results.base]
    rows = []
    for option in results.options:
        if results.runaways(option):  # not a steady state: never ranked as one (the report says why)
            continue
        mine = results.values[option]
        saved = paired_differences(mine[[SAVED_KPI]], base[[SAVED_KPI]]).loc[SAVED_KPI]
        occupancy = paired_differences(base[[OCCUPANCY_KPI]], mine[[OCCUPANCY_KPI]]).loc[OCCUPANCY_KPI]
        row = {
            "option": option,
            "description": results.scenario(option)["description"],
            "saved": saved["difference"],
            "saved_lower": saved["lower"],
            "saved_upper": saved["upper"],
            "saving_distinguishable": bool(saved["distinguishable"]),
            "occupancy_change": occupancy["difference"],
            "occupancy_change_lower": occupancy["lower"],
            "occupancy_change_upper": occupancy["upper"],
        }
        rows.append(row | _cost(results, option, base, mine, bool(saved["distinguishable"])))
    if not rows:
        return pd.DataFrame(columns=APPRAISAL_COLUMNS).rename_axis("rank")
    table = pd.DataFrame(rows).sort_values("saved", ascending=False, ignore_index=True)
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table


def _cost(results: ExperimentResults, option: str, base: pd.DataFrame, mine: pd.DataFrame, distinguishable: bool) -> dict[str, Any]:
    """The extra capacity cost a year and the cost per delayed bed day saved, or why they are missing."""
    missing = {
        "extra_cost": math.nan, "cost_per_bed_day_saved": math.nan, "cost_lower": math.nan, "cost_upper": math.nan,
        "cost_changes": {},
    }  # fmt: skip
    if COST_KPI not in base or COST_KPI not in mine:
        return missing | {"cost_note": "no unit costs in the scenario files"}
    unpriced = unpriced_changes(results, option)
    if unpriced:
        return missing | {"cost_note": f"{', '.join(unpriced)} changed but not priced"}
    extra = mine[COST_KPI] - base[COST_KPI]
    ratio = ratio_interval(extra, base[SAVED_KPI] - mine[SAVED_KPI])
    saving = float((base[SAVED_KPI] - mine[SAVED_KPI]).mean())
    note = (
        "saving not distinguishable from zero: cost per bed day not bounded"
        if not distinguishable
        else "more delayed bed days, not fewer"
        if saving < 0
        else ""
    )
    return {
        "extra_cost": float(extra.mean()),
        "cost_per_bed_day_saved": ratio["ratio"],
        "cost_lower": ratio["lower"],
        "cost_upper": ratio["upper"],
        "cost_note": note,
        "cost_changes": _cost_changes(results, option, base, mine),
    }


def _cost_changes(results: ExperimentResults, option: str, base: pd.DataFrame, mine: pd.DataFrame) -> dict[str, float]:
    """The mean change of each priced capacity's cost a year (GBP), the largest first, those that change."""
    costs = results.scenario(option)["costs"]
    changes = {}
    for field, (kpi, name, per_year) in PRICED_CAPACITY.items():
        if costs.get(field) is not None and kpi in base and kpi in mine:
            changes[name] = float((mine[kpi] - base[kpi]).mean()) * per_year * costs[field]
    return dict(sorted(((k, v) for k, v in changes.items() if abs(v) >= 1.0), key=lambda kv: -abs(kv[1])))


def unpriced_changes(results: ExperimentResults, option: str) -> list[str]:
    """Capacities whose mean open capacity differs between option and base but that have no unit cost."""
    costs = results.scenario(option)["costs"]
    base, mine = results.values[results.base], results.values[option]
    unpriced = []
    for field, (kpi, name, _) in PRICED_CAPACITY.items():
        if costs.get(field) is not None or kpi not in base or kpi not in mine:
            continue
        before, after = base[kpi].mean(), mine[kpi].mean()
        if not math.isclose(before, after, rel_tol=1e-6, abs_tol=1e-9):
            unpriced.append(name)
    return unpriced
