"""A scenario as a planner reads it: demand by door and month, capacity, escalation, discharge days, costs.

A scenario file is written for the model; a planner asks other questions of
it: how many patients come through each door in January, how many beds and
care hours there are, what the escalation plan does, which days discharges
happen and what everything costs. `planner_tables` answers them in a few small
tables, read straight from the validated `Scenario`, for the app's baseline
page (and anything else that shows a scenario to a person).
"""

from __future__ import annotations

import calendar

import pandas as pd

from flowsim.results.experiment_results import flat_fields
from flowsim.scenario import CAPACITY_FIELDS, Scenario

DAYS = tuple(calendar.day_abbr)
MONTHS = tuple(calendar.month_abbr)[1:]


def demand_by_month(scenario: Scenario) -> pd.DataFrame:
    """Mean arrivals a day through each door in each month, the demand multiplier applied."""
    rows = {
        door.replace("_", " "): [stream.daily * weight * scenario.demand_multiplier for weight in stream.month_of_year]
        for door, stream in scenario.arrivals.streams().items()
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(MONTHS)).round(1)
    table.loc["all doors"] = table.sum()
    return table.rename_axis("arrivals a day")


def capacity(scenario: Scenario) -> pd.DataFrame:
    """Each capacity a plan can change (beds, places, care hours a month, discharges), as the scenario sets it."""
    settings = dict(flat_fields(scenario.model_dump(mode="json")))
    rows = [(name.replace("_", " "), field, settings.get(field)) for name, field in CAPACITY_FIELDS.items()]
    return pd.DataFrame(rows, columns=["capacity", "scenario field", "value"]).set_index("capacity")


def capacity_changes(scenario: Scenario) -> pd.DataFrame:
    """The dated changes of capacity (winter funding, closures), in date order."""
    rows = [(change.date, change.capacity.replace("_", " "), change.value) for change in scenario.capacity_changes]
    return pd.DataFrame(sorted(rows), columns=["from", "capacity", "new value"])


def escalation(scenario: Scenario) -> pd.DataFrame:
    """The escalation plan: each rule's trigger and the actions it takes (only those it sets), or, for a plan
    followed as it ran in another scenario, when the rules start and stand down."""
    followed = scenario.escalation_as_in
    held = (f"when it did in {followed.name}", "when it did there") if followed is not None else None
    rows = []
    for rule in scenario.escalation_rules:
        when = rule.when
        trigger = f"{when.measure} at least {when.at_least:g}" + (f" for {when.for_hours:g} h" if when.for_hours else "")
        actions = rule.then.model_dump(exclude_defaults=True)
        rows.append(
            {
                "rule": rule.name,
                "starts when": held[0] if held else trigger,
                "stands down below": held[1] if held else f"{when.stand_down:g}",
                "does": "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in actions.items()),
            }
        )
    return pd.DataFrame(rows, columns=["rule", "starts when", "stands down below", "does"])


def discharge_days(scenario: Scenario) -> pd.DataFrame:
    """Discharge capacity on each day of the week as a share of a weekday's (the weekend pattern)."""
    discharge = scenario.discharge
    table = pd.DataFrame({"share of a weekday's discharges": discharge.day_of_week_capacity}, index=list(DAYS))
    if discharge.discharges_per_weekday is not None:
        table["discharges"] = [round(share * discharge.discharges_per_weekday, 1) for share in discharge.day_of_week_capacity]
    return table.rename_axis(f"discharges {discharge.hours[0]:02d}:00-{discharge.hours[1]:02d}:00")


def costs(scenario: Scenario) -> pd.DataFrame:
    """The unit costs the scenario gives (GBP), those it leaves out not listed."""
    given = scenario.costs.model_dump(exclude_none=True)
    return pd.DataFrame({"GBP": given}).rename_axis("unit cost")


def planner_tables(scenario: Scenario) -> dict[str, pd.DataFrame]:
    """Every table of the scenario a planner reads, by title, in the order they read them."""
    return {
        "Demand by door and month": demand_by_month(scenario),
        "Beds, places, care hours and discharges": capacity(scenario),
        "Capacity changes from a date": capacity_changes(scenario),
        "Escalation rules": escalation(scenario),
        "Discharge days": discharge_days(scenario),
        "Unit costs": costs(scenario),
    }
