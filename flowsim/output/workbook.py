"""The Excel workbook beside every run, comparison and sweep: `results.xlsx`.

Excel is where most planners take numbers next, so every command that writes
results also writes one workbook: the KPI summary on the first sheet, then a
sheet per table, then `columns` (what each column of each sheet means and its
unit, from the measure catalogue) and `scenario` (every setting of the
scenarios that produced it, one column each). Values are as in the written
tables (`flowsim.results.readable`): dates and times, care hours a month,
shares as percentages. A table longer than `WORKBOOK_ROWS` stays in its own
file (a county year has over 200,000 patients and 60,000 delays, slow to
write as cells), and the `columns` sheet says where.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from flowsim.files import write_atomically
from flowsim.results.experiment_results import ExperimentResults, flat_fields
from flowsim.results.readable import PERCENT, column_meanings, for_reading, percent_columns
from flowsim.results.tables import TIME_COLUMNS, RunResult

WORKBOOK_ROWS = 20_000
"""Tables longer than this are left out of the workbook (they are in their own Parquet or CSV file): openpyxl
writes about 40,000 cells a second, so a county year's 60,000 delays alone took 12 s on a free core."""

SHEET_NAME_LENGTH = 31
"""Excel's longest sheet name."""


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame], settings: dict[str, dict[str, Any]]) -> Path:
    """Write `sheets` (the KPI summary first), the `columns` sheet and the `scenario` sheet (`settings`:
    each scenario's settings by label) to the workbook `path`, atomically; return `path`."""
    kept = {name[:SHEET_NAME_LENGTH]: table for name, table in sheets.items() if len(table) <= WORKBOOK_ROWS}
    meanings = column_meanings(kept, TIME_COLUMNS)
    left_out = [name for name, table in sheets.items() if len(table) > WORKBOOK_ROWS]
    if left_out:
        note = pd.DataFrame(
            [(name, "", "", f"{len(sheets[name]):,} rows: too long for a sheet, see {name}.parquet or {name}.csv.gz") for name in left_out],
            columns=meanings.columns,
        )
        meanings = pd.concat([meanings, note], ignore_index=True)
    scenario = pd.DataFrame(settings).map(lambda v: str(v) if isinstance(v, (list, dict)) else v)
    scenario = scenario.rename_axis("setting").reset_index()

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in [*kept.items(), ("columns", meanings), ("scenario", scenario)]:
                table.to_excel(writer, sheet_name=name, index=False)
                _legible(writer.sheets[name], table.columns)

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, write)
    return path


def _legible(sheet: Any, columns: Iterable[object]) -> None:
    """Freeze the header row and widen each column to its name (dates and times to fit)."""
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = min(max(len(str(column)) + 2, 12), 60)


def run_workbook(result: RunResult, folder: Path) -> Path:
    """`results.xlsx` of one run: KPIs, census, delays and patients (when short enough), columns, scenario."""
    sheets = result.readable_tables(small=True) | result.readable_tables(small=False)
    settings = {result.scenario.name: dict(flat_fields(result.scenario.model_dump(mode="json", by_alias=True)))}
    return write_workbook(folder / "results.xlsx", sheets, settings)


def experiment_workbook(results: ExperimentResults, folder: Path, extra: dict[str, pd.DataFrame] | None = None) -> Path:
    """`results.xlsx` of an experiment: the KPI summary (every scenario), the comparison when there are options,
    validation and the back-cast, each day's mean of every daily measure, `extra` sheets (a sweep's table), columns, scenario."""
    summaries = results.summaries().reset_index()
    summaries["relative_half_width"] *= 100
    sheets = {"summary": for_reading(summaries, summaries["unit"], ["mean", "sd", "lower", "upper", "half_width"])}
    if results.options:
        comparison = results.comparison()
        shown = ["base_mean", "option_mean", "difference", "lower", "upper"]
        readable = for_reading(comparison, comparison["unit"], shown)
        sheets["comparison"] = readable.assign(unit=readable["unit"].replace({PERCENT: "% (differences in percentage points)"}))
    if results.validation is not None:
        validation = results.validation
        sheets["validation"] = for_reading(validation, validation["unit"], ["published", "mean", "lower", "upper", "tolerance"])
    if results.backcast is not None:
        shown = [c for c in results.backcast.columns if c.startswith(("published", "model", "range")) or c in ("lower", "upper")]
        sheets["backcast"] = for_reading(results.backcast, results.backcast["unit"], shown)
    means = results.bands.pivot_table(index=["scenario", "date"], columns="measure", values="mean", sort=False)
    sheets["daily_means"] = percent_columns(means).reset_index()
    sheets |= extra or {}
    settings = {s["label"]: s.get("settings", {"changes": str(s["changes"])}) for s in results.about["scenarios"]}
    return write_workbook(folder / "results.xlsx", sheets, settings)
