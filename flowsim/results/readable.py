"""The tables as a planner opens them: dates, the warm-up marked, care hours a month, shares as percentages.

The model keeps time in hours from the results period's start (negative in
the warm-up) and care hours a week, because that is how the engine counts.
A planner reads dates and times, care hours a month (the unit commissioners
buy in) and percentages. The conversion happens here, once, when a table is
written or shown, so the tables in memory (and every figure computed from
them) stay exactly as the model made them:

- `dated_patients`, `dated_delays`: every time a date and time from the
  scenario's `start_date`, with a `warmup` column (True before the results
  period starts) instead of negative hours;
- `monthly_care_hours`: the census's care-hours columns a month, the unit
  the catalogue gives them;
- `for_reading`: a table of measures with shares as percentages and each
  unit as printed;
- `column_meanings`: what each column of a written table means and its unit,
  from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from flowsim.results.catalogue import CARE_SERVICES, DAILY, PERCENT_UNITS, Measure, current_name, is_kpi, measure
from flowsim.scenario import WEEKS_PER_MONTH

PERCENT = "%"
"""The unit of a share or ratio as written for a person: 0 to 100."""

WEEKLY_CARE_HOURS = tuple(
    f"{service}_{column}" for service in CARE_SERVICES for column in ("hours_in_use", "hours_capacity", "hours_queued")
)
"""The census's care-hours columns, kept a week by the model and shown a month."""

DELAY_TIMES = ("start", "end")
"""The delays table's times."""

COLUMNS = {
    "patient_id": ("", "the patient's number in this run"),
    "episode": ("", "the patient's episode: 1 the first, then one more for each readmission"),
    "group": ("", "the demand group the patient arrived in"),
    "route": ("", "how the patient arrived: ED walk-in, ED by ambulance, GP referral to the EAU, or already in a bed at the start"),
    "readmission": ("", "True for an emergency readmission"),
    "ward": ("", "the acute ward: short-stay or general"),
    "pathway": ("", "the discharge pathway, 0 to 3"),
    "destination": ("", "where the patient went at the end of the episode"),
    "handover": ("hours", "time from the ambulance's arrival to handover in the ED"),
    "warmup": ("", "True when the row's first time falls in the warm-up, before the results period"),
    "date": ("date", "the day of the census"),
    "place": ("", "where the patient waited: an acute bed, a step-down bed or a service"),
    "reason": ("", "why the patient waited (the delay reason as NHS England records it)"),
    "start": ("date and time", "when the wait began"),
    "end": ("date and time", "when the wait ended (empty: still waiting when the run ended)"),
    "kpi": ("", "the measure's name, as `flowsim kpis` lists it"),
    "value": ("the measure's unit", "the value over the results period"),
    "mean": ("the measure's unit", "the mean across replications"),
    "lower": ("the measure's unit", "the lower end of the 95% confidence interval"),
    "upper": ("the measure's unit", "the upper end of the 95% confidence interval"),
    "relative_half_width": (PERCENT, "the 95% interval's half-width as a percentage of the mean"),
    "difference": ("the measure's unit", "the option's mean minus the base's, paired by replication"),
    "base_mean": ("the measure's unit", "the base scenario's mean"),
    "option_mean": ("the measure's unit", "the option's mean"),
    "distinguishable": ("", "True when the 95% interval of the difference excludes zero"),
    "unit": ("", "the unit of the row's values"),
    "description": ("", "what the measure counts"),
    "scenario": ("", "the scenario's label"),
    "option": ("", "the option's label"),
    "replication": ("", "the replication's number"),
    "n": ("", "replications averaged"),
}
"""What the columns that are not measures mean: name -> (unit, meaning)."""


def _timestamps(hours: pd.Series, start: dt.date) -> pd.Series:
    """Hours from the results period's start as dates and times to the second (empty stays empty)."""
    return pd.Timestamp(start) + pd.to_timedelta(hours.to_numpy(), unit="h").round("s")


def dated_patients(patients: pd.DataFrame, start: dt.date, times: Iterable[str]) -> pd.DataFrame:
    """The patients table with its `times` columns as dates and times, and the warm-up marked."""
    table = patients.copy()
    for column in times:
        table[column] = _timestamps(table[column], start)
    table.insert(table.columns.get_loc("arrival") + 1, "warmup", patients["arrival"].to_numpy() < 0)
    return table


def dated_delays(delays: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """The delays table with its start and end as dates and times, and waits begun in the warm-up marked."""
    table = delays.copy()
    for column in DELAY_TIMES:
        table[column] = _timestamps(table[column], start)
    table["warmup"] = delays["start"].to_numpy() < 0
    return table


def monthly_care_hours(census: pd.DataFrame) -> pd.DataFrame:
    """The census with its care-hours columns a month (a month is 52/12 weeks), as the catalogue states them."""
    weekly = [column for column in WEEKLY_CARE_HOURS if column in census.columns]
    return census.assign(**{column: census[column] * WEEKS_PER_MONTH for column in weekly})


def unit_as_written(unit: str) -> str:
    """A catalogue unit as it appears in a written table: shares and ratios as percentages."""
    return PERCENT if unit in PERCENT_UNITS else unit


def for_reading(table: pd.DataFrame, units: pd.Series, columns: Iterable[str]) -> pd.DataFrame:
    """A table of measures (one a row, its unit in `units`) with the values in `columns` as percentages where
    the unit is a share or ratio, and `unit` as written."""
    table = table.copy()
    shares = units.isin(PERCENT_UNITS).to_numpy()
    for column in columns:
        table[column] = table[column].astype(float).where(~shares, table[column] * 100)
    table["unit"] = units.map(unit_as_written).to_numpy()
    return table


def percent_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A table of daily measures (one a column) with share and ratio columns as percentages."""
    shares = [c for c in table.columns if (m := catalogued(c)) is not None and m.unit in PERCENT_UNITS]
    return table.assign(**{column: table[column] * 100 for column in shares})


def catalogued(name: object) -> Measure | None:
    """The daily measure or KPI called `name`, or None for a column that is not a measure."""
    name = current_name(str(name))
    if name in DAILY:
        return DAILY[name]
    return measure(name) if is_kpi(name) else None


def column_meanings(tables: dict[str, pd.DataFrame], times: Iterable[str] = ()) -> pd.DataFrame:
    """One row per column of each table: the sheet, the column, its unit as written and what it means
    (measures from the catalogue, times as dates and times)."""
    times = set(times)
    rows = []
    for sheet, table in tables.items():
        for column in [*(table.index.names if table.index.name or len(table.index.names) > 1 else []), *table.columns]:
            name = str(column)
            if name in COLUMNS:
                unit, meaning = COLUMNS[name]
            elif name in times:
                unit, meaning = "date and time", f"when the patient reached this point ({name.replace('_', ' ')})"
            elif (known := catalogued(name)) is not None:
                unit, meaning = unit_as_written(known.unit), known.description
            else:
                unit, meaning = "", name.replace("_", " ")
            rows.append((sheet, name, unit, meaning))
    return pd.DataFrame(rows, columns=["sheet", "column", "unit", "meaning"])
