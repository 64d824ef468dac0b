"""The tables of one run, built from its records: patients, delays, the census and the KPIs.

- `patients`: one row per episode, every timestamp in hours from the
  scenario's `start_date` (negative in the warm-up), where they went
  (written with dates and times and a `warmup` column, see `readable`).
- `delays`: one row per wait: the place (acute bed, step-down bed,
  reablement), the reason, its start and end.
- `census`: one row per day (see `flowsim.model.census`), with each day's
  flows (attendances, admissions, discharges) beside it; care hours a week
  in memory, as the engine counts them, a month as written and averaged.
- `kpis`: the headline figures of the results period (warm-up excluded),
  each with its unit.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from itertools import islice, starmap
from operator import attrgetter
from pathlib import Path
from typing import Any, get_type_hints

import numpy as np
import pandas as pd

from flowsim.engine.patient import Patient
from flowsim.engine.register import Delay
from flowsim.files import write_atomically
from flowsim.results.kpis import compute_kpis, kpi_table, spell_start, switching_kpis
from flowsim.results.readable import dated_delays, dated_patients, for_reading, monthly_care_hours, percent_columns
from flowsim.results.pressure import EscalationUse, Runaway, escalation_kpis, pressure_kpis, runaway_kpis
from flowsim.scenario import HOURS_PER_DAY, Scenario

PATIENT_COLUMNS = tuple(f.name for f in fields(Patient) if f.name not in ("place", "waiting_for", "waiting_since"))


TIME_COLUMNS = tuple(
    name
    for name in PATIENT_COLUMNS
    if name not in ("patient_id", "episode", "group", "route", "readmission", "ward", "pathway", "destination", "handover")
)


@dataclass(frozen=True)
class RunRecords:
    """What a finished run hands to the results: plain records, no live objects.

    `patients` and `delays` are in simulation hours from the start of the
    warm-up; `census` is the daily census table; `pool_means` are each pool's
    time-weighted means over the results period (`<pool>_in_use`, `_waiting`
    and `_capacity`).
    """

    scenario: Scenario
    seed: int
    replication: int
    patients: list[Patient]
    delays: list[Delay]
    census: pd.DataFrame
    pool_means: dict[str, float]
    runaway: Runaway | None
    watched: tuple[str, ...]
    """The queues the runaway watch read."""
    escalation: EscalationUse
    switches: tuple[tuple[str, float], ...] = ()
    """Each switch to a service with room to spare: its name and when (`flowsim.scenario.switching`)."""


@dataclass(frozen=True)
class RunResult:
    """The tables of one replication of one scenario."""

    scenario: Scenario
    seed: int
    replication: int
    patients: pd.DataFrame
    delays: pd.DataFrame
    census: pd.DataFrame
    kpis: pd.DataFrame
    pool_means: dict[str, float]
    runaway: Runaway | None = None
    """The queue that grew without bound, if one did: the run's figures are not a steady state."""

    @classmethod
    def from_records(cls, records: RunRecords) -> RunResult:
        """The tables of a run, with times shifted to hours from the results period's start."""
        scenario = records.scenario
        shift = scenario.warmup_hours
        patients = patient_table(records.patients)
        census = records.census.assign(**daily_flows(patients, len(records.census), scenario.horizon_hours))
        for column in TIME_COLUMNS:  # column by column: a block of columns at once costs pandas far more
            patients[column] = patients[column].to_numpy() - shift
        patient_ids, episodes, places, reasons, starts, ends = zip(*records.delays) if records.delays else ([],) * 6
        delays = pd.DataFrame(
            {
                "patient_id": np.array(patient_ids, dtype=np.int64),
                "episode": np.array(episodes, dtype=np.int64),
                "place": list(places),
                "reason": list(reasons),
                "start": np.array(starts, dtype=float) - shift,
                "end": np.array(ends, dtype=float) - shift,
            }
        )
        kpis = kpi_table(
            {
                **compute_kpis(scenario, patients, delays, census, records.pool_means),
                **pressure_kpis(scenario, patients),
                **escalation_kpis(records.escalation, scenario),
                **runaway_kpis(records.runaway, records.watched, scenario),
                **switching_kpis(scenario, records.switches),
            }
        )
        return cls(
            scenario, records.seed, records.replication, patients, delays, census, kpis, records.pool_means, records.runaway
        )

    def kpi(self, name: str) -> float:
        return float(self.kpis.loc[name, "value"])

    def daily(self) -> pd.DataFrame:
        """The results period's census and flows, one row of numbers per date, care hours a month: what
        experiments average across replications (`_7d` columns are over the 7 days to that date). A run stopped
        early (its queues ran away) has no numbers for the days it did not reach."""
        start = self.scenario.start_date
        dates = pd.Index([start + dt.timedelta(days=day) for day in range(self.scenario.days)], name="date")
        census = monthly_care_hours(self.census[~self.census.warmup])
        table = census.drop(columns="warmup").set_index("date").astype(float).reindex(dates)
        week = table[["ed_attendances", "ed_within_4h", "trolley_waits_over_12h"]].rolling(7, min_periods=1).sum()
        return table.assign(
            four_hour_performance_7d=week.ed_within_4h / week.ed_attendances.replace(0, np.nan),
            trolley_waits_over_12h_7d=week.trolley_waits_over_12h,
            opel_3_or_4=(table.opel >= 3).astype(float),
            opel_4=(table.opel >= 4).astype(float),
        )

    def write(self, folder: Path, patients: bool = True) -> list[Path]:
        """Write the tables under `folder` as a planner opens them (`flowsim.results.readable`), each
        atomically: the KPIs and census as CSV, patients (unless not wanted) and delays compactly
        (`compact_file`); return the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        written = [write_table(table, folder / f"{name}.csv") for name, table in self.readable_tables(small=True).items()]
        for name, table in self.readable_tables(small=False, patients=patients).items():
            written.append(write_table(table, compact_file(folder / name)))
        return written

    def readable_tables(self, small: bool, patients: bool = True) -> dict[str, pd.DataFrame]:
        """The KPIs and census (`small`) or the patients and delays tables, as written: dates and times,
        the warm-up marked, care hours a month, shares as percentages."""
        start = self.scenario.start_date
        if small:
            kpis = self.kpis.reset_index()
            return {"kpis": for_reading(kpis, kpis["unit"], ["value"]), "census": percent_columns(monthly_care_hours(self.census))}
        tables = {"patients": dated_patients(self.patients, start, TIME_COLUMNS)} if patients else {}
        return tables | {"delays": dated_delays(self.delays, start)}


def compact_file(stem: Path) -> Path:
    """Where a large table goes: Parquet when pyarrow is installed, else gzipped CSV."""
    return stem.with_suffix(".parquet" if PARQUET else ".csv.gz")


def write_table(table: pd.DataFrame, path: Path) -> Path:
    """Write `table` atomically as Parquet, gzipped CSV or CSV, by `path`'s suffix; return `path`."""
    if path.suffix == ".parquet":
        write_atomically(path, lambda tmp: table.to_parquet(tmp, index=False))
    else:
        compression = {"method": "gzip", "mtime": 0} if path.suffix == ".gz" else None
        write_atomically(path, lambda tmp: table.to_csv(tmp, index=False, compression=compression))
    return path


PARQUET = importlib.util.find_spec("pyarrow") is not None
"""Whether large tables can be written as Parquet (pyarrow is installed)."""


def daily_flows(patients: pd.DataFrame, days: int, end: float) -> dict[str, np.ndarray]:
    """What happened on each day of the run (00:00-24:00 of simulation days 0..days-1), counted
    on the day it happened. `patients` has simulation-time hours; `end` is the run's end."""

    def per_day(times: pd.Series, where: pd.Series) -> np.ndarray:
        hours = times[where].dropna().to_numpy()
        index = (hours // HOURS_PER_DAY).astype(int)
        return np.bincount(index[(index >= 0) & (index < days)], minlength=days)

    new = patients.route != "initial"
    ed = patients.route.isin(("ed_walk_in", "ed_ambulance"))
    ambulance = patients.route == "ed_ambulance"
    handover = patients.handover.fillna(end - patients.arrival)
    bed_wait = patients.bed_start.fillna(end) - patients.decision_to_admit
    return {
        "ed_attendances": per_day(patients.arrival, ed),
        "ed_within_4h": per_day(patients.arrival, ed & (patients.ed_end - patients.arrival <= 4.0)),
        "ambulance_arrivals": per_day(patients.arrival, ambulance),
        "handovers_over_15_min": per_day(patients.arrival, ambulance & (handover > 0.25)),
        "emergency_admissions": per_day(spell_start(patients), new),
        "admissions": per_day(patients.bed_start, new),
        "trolley_waits_over_12h": per_day(patients.decision_to_admit, (bed_wait > 12.0) & patients.avoidance_start.isna()),
        "acute_discharges": per_day(patients.acute_discharge, patients.acute_discharge.notna()),
        "care_home_admissions": per_day(patients.care_home_start, patients.care_home_start.notna()),
    }


def number_columns(
    rows: Iterable[tuple[Any, ...]], count: int, names: Sequence[str], kinds: Sequence[type]
) -> dict[str, np.ndarray]:
    """`count` rows of numbers as one numpy array a column; `kinds` are the Python types of the columns `names`.

    The rows are packed with `struct`, a few thousand at a time, into buffers
    that numpy reads as a record array: about 60% of the time numpy takes to
    convert the rows' tuples one value at a time (an M/M/c run's 121,000
    patients; its census of 25,000 days), and no more than a few thousand
    packed rows in memory besides the table. struct's "=" and numpy's
    unaligned fields lay a row out alike. A value of another kind than its
    column's stops with struct.error.
    """
    formats = [_number_format(kind) for kind in kinds]
    row = struct.Struct("=" + "".join(code for code, _ in formats))
    dtype = np.dtype([(name, numpy_type) for name, (_, numpy_type) in zip(names, formats, strict=True)])
    numbers = np.empty(count, dtype=dtype)
    rows, filled = iter(rows), 0
    while filled < count:
        packed = np.frombuffer(b"".join(starmap(row.pack, islice(rows, ROWS_AT_ONCE))), dtype=dtype)
        if not len(packed):
            raise ValueError(f"{filled} rows where {count} were expected")
        numbers[filled : filled + len(packed)] = packed
        filled += len(packed)
    return {name: numbers[name] for name in names}


ROWS_AT_ONCE = 4096
"""Rows packed at a time by `number_columns`: enough to spread the cost of a call, few enough to keep in cache."""


def _number_format(kind: type) -> tuple[str, type]:
    """How a number of Python type `kind` is packed (struct's code) and read back (numpy's type)."""
    if kind is bool:
        return "?", np.bool_
    if issubclass(kind, (int, np.integer)):
        return "q", np.int64
    return "d", np.float64


_KINDS = get_type_hints(Patient)


_NUMBER_COLUMNS = tuple(name for name in PATIENT_COLUMNS if _KINDS[name] is not str)


_TEXT_COLUMNS = tuple(name for name in PATIENT_COLUMNS if _KINDS[name] is str)


_NUMBER_KINDS = tuple(_KINDS[name] for name in _NUMBER_COLUMNS)


def patient_table(patients: list[Patient]) -> pd.DataFrame:
    """The per-patient table: the records' numbers packed in one pass (`number_columns`), the few text
    columns read a column at a time."""
    numbers = map(attrgetter(*_NUMBER_COLUMNS), patients)
    columns: dict[str, Any] = number_columns(numbers, len(patients), _NUMBER_COLUMNS, _NUMBER_KINDS)
    columns.update({name: list(map(attrgetter(name), patients)) for name in _TEXT_COLUMNS})
    return pd.DataFrame({name: columns[name] for name in PATIENT_COLUMNS})
