"""Figures for planners: the year as the system lived it, options against the base, sweeps and warm-up.

Every figure is drawn from the tidy tables an experiment leaves behind, not
from a live simulation, so the same figure can be redrawn from the CSV files
of a finished run (`flowsim report`):

- the daily bands (`bands.csv`: scenario, date, measure, mean, lower, upper,
  n): each day's mean across replications and its 95% interval, drawn as a
  line and a shaded band;
- the comparison table (`comparison.csv`): each option's paired difference
  from the base, drawn as small multiples: a panel per measure in its own unit;
- a sweep's KPI over a grid, drawn as a heat-map with the target contour.

The figures are meant to be pasted into a board paper and printed in black
and white: each scenario has its own line style and marker as well as its
own colour, stacked areas have hatching, every axis says its unit, and the
title says what the shading is. Functions return a matplotlib `Figure`;
`save_figure` writes one to a file atomically and `png_bytes` gives it for
embedding in the HTML report. Figures are made with matplotlib's object
interface (`Figure`, drawn by the Agg canvas when saved), not pyplot: they
need no display, work on servers and in CI, and importing this module
changes no global matplotlib setting.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from flowsim.engine.vocabulary import DELAY_REASONS, reason_column
from flowsim.files import write_atomically
from flowsim.output.formatting import change
from flowsim.results.catalogue import PERCENT_UNITS, measure

OCCUPANCY_LINES = (0.92, 0.95)
"""Acute occupancy guidance (92%) and the level above which flow fails in practice (95%)."""

FOUR_HOUR_STANDARD = 0.95

STYLES = (
    {"color": "black", "linestyle": "-", "marker": "o"},
    {"color": "#0072B2", "linestyle": "--", "marker": "s"},
    {"color": "#D55E00", "linestyle": ":", "marker": "^"},
    {"color": "#009E73", "linestyle": "-.", "marker": "D"},
    {"color": "#CC79A7", "linestyle": (0, (5, 1, 1, 1)), "marker": "v"},
    {"color": "#56B4E9", "linestyle": (0, (1, 3)), "marker": "P"},
    {"color": "#E69F00", "linestyle": (0, (8, 2)), "marker": "X"},
    {"color": "0.45", "linestyle": (0, (3, 1, 1, 1, 1, 1)), "marker": "*"},
)
"""One style per scenario, told apart in greyscale print by line style and marker as well as colour."""

LAYERS = (("0.92", ""), ("0.75", "///"), ("0.55", ".."), ("0.85", "\\\\\\"), ("0.35", "xx"), ("0.65", "--"), ("0.98", "++"))
"""Fill and hatching of each delay reason in the stacked plot, legible without colour."""

SERVICES = (
    ("reablement", "Reablement (HART)", "care hours a month", "reablement_hours_in_use", "reablement_hours_capacity", "reablement_waiting"),
    ("home_care", "Home care", "care hours a month", "home_care_hours_in_use", "home_care_hours_capacity", "home_care_waiting"),
    ("step_down", "Step-down beds", "beds", "step_down_occupied", "step_down_beds", "step_down_waiting"),
)
"""Community services: name, title, unit of capacity, and the daily measures in use, open and waiting."""


# Saving --------------------------------------------------------------------------

def save_figure(figure: Figure, path: Path) -> Path:
    """Write `figure` to `path` (format from the suffix) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: figure.savefig(tmp, format=path.suffix.lstrip("."), dpi=110))
    return path


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes (for embedding in a report)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96)
    return buffer.getvalue()


def _subplots(*grid: int, figsize: tuple[float, float], **options: Any) -> tuple[Figure, Any]:
    """A figure and its axes (as `Figure.subplots` gives them), laid out by matplotlib's constrained layout."""
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.subplots(*grid, **options)


# Through the year ----------------------------------------------------------------

def _style(index: int) -> dict[str, object]:
    return STYLES[index % len(STYLES)]


def _scenarios(bands: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(bands["scenario"]))


def _measure(bands: pd.DataFrame, scenario: str, measure: str, every: int = 1) -> pd.DataFrame:
    """One scenario's daily mean and interval of one measure, by date (every `every`th day from the last)."""
    rows = bands[(bands["scenario"] == scenario) & (bands["measure"] == measure)]
    rows = rows.assign(date=pd.to_datetime(rows["date"])).sort_values("date")
    return rows.iloc[::-1].iloc[::every].iloc[::-1] if every > 1 else rows


def _replications(bands: pd.DataFrame) -> int:
    return int(bands["n"].max()) if len(bands) else 0


def _band_note(bands: pd.DataFrame) -> str:
    return f"lines: mean of {_replications(bands)} replications; shaded: 95% interval"


def _draw(axis: Axes, bands: pd.DataFrame, measure: str, every: int = 1, scale: float = 1.0) -> None:
    """Each scenario's daily mean of `measure` as a line in its style, with its 95% band shaded."""
    for i, scenario in enumerate(_scenarios(bands)):
        rows = _measure(bands, scenario, measure, every)
        if rows.empty:
            continue
        style = _style(i)
        axis.plot(
            rows["date"],
            rows["mean"] * scale,
            color=style["color"],
            linestyle=style["linestyle"],
            marker=style["marker"],
            markevery=max(1, len(rows) // 10),
            markersize=4,
            linewidth=1.4,
            label=scenario,
        )
        lower = rows["lower"].clip(lower=0)  # every measure is a count or a share: the mean cannot be negative
        axis.fill_between(rows["date"], lower * scale, rows["upper"] * scale, color=style["color"], alpha=0.15, linewidth=0)


def _dates(axis: Axes, from_zero: bool = True) -> None:
    """Dates on the x axis, a light grid, and (for counts) the y axis from zero."""
    if from_zero:
        axis.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=13)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.grid(True, color="0.9", linewidth=0.6)


def _scenario_legend(figure: Figure, bands: pd.DataFrame) -> None:
    """One legend of scenario line styles for the whole figure, below the panels."""
    handles = [
        Line2D([], [], color=s["color"], linestyle=s["linestyle"], marker=s["marker"], markersize=4, label=scenario)
        for scenario, s in ((name, _style(i)) for i, name in enumerate(_scenarios(bands)))
    ]
    figure.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3), fontsize=8, frameon=False)


def _panels(rows: int, columns: int, title: str, bands: pd.DataFrame, height: float = 3.4) -> tuple[Figure, np.ndarray]:
    """A figure of panels sharing the date axis, titled, with the scenarios' legend below."""
    top = 0.8 + 0.25 * -(-len(_scenarios(bands)) // 3)
    figure, axes = _subplots(rows, columns, figsize=(11, height * rows + top), squeeze=False, sharex=True)
    figure.suptitle(f"{title}\n{_band_note(bands)}", fontsize=11)
    _scenario_legend(figure, bands)
    return figure, axes


def occupancy_figure(bands: pd.DataFrame) -> Figure:
    """Acute bed occupancy at the midnight census through the year, with the 92% and 95% lines."""
    figure, axes = _panels(1, 1, "Acute bed occupancy (occupied / base beds, midnight census)", bands, height=4.2)
    axis = axes[0, 0]
    _draw(axis, bands, "occupancy")
    for level, style in zip(OCCUPANCY_LINES, ("--", ":")):
        axis.axhline(level, color="0.2", linestyle=style, linewidth=1)
        axis.annotate(f"{level:.0%}", (1.0, level), xycoords=("axes fraction", "data"), xytext=(3, -3), textcoords="offset points", fontsize=8)
    axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axis.set_ylabel("occupancy (% of base beds)")
    _dates(axis, from_zero=False)
    return figure


def delays_figure(bands: pd.DataFrame) -> Figure:
    """Medically fit patients waiting in acute beds, stacked by the reason they wait, one panel per scenario.

    Each layer is the mean across replications; the dashed lines are the 95%
    interval of the total (intervals of single layers cannot be stacked)."""
    scenarios = _scenarios(bands)
    figure, axes = _subplots(
        len(scenarios), 1, figsize=(11, 3.0 * len(scenarios) + 1.6), squeeze=False, sharex=True, sharey=True
    )
    figure.suptitle(
        "Medically fit patients waiting in acute beds, by reason (census)\n"
        f"layers: mean of {_replications(bands)} replications; dashed: 95% interval of the total",
        fontsize=11,
    )
    for axis, scenario in zip(axes[:, 0], scenarios):
        base, named = None, None
        total = _measure(bands, scenario, "medically_fit")
        tallest = max(float(total["upper"].max()), 1.0) if not total.empty else 1.0
        for reason, (shade, hatch) in zip(DELAY_REASONS, LAYERS):
            rows = _measure(bands, scenario, reason_column(reason))
            if rows.empty:
                continue
            values = rows["mean"].to_numpy()
            bottom = np.zeros_like(values) if base is None else base
            axis.fill_between(rows["date"], bottom, bottom + values, facecolor=shade, hatch=hatch, edgecolor="0.2", linewidth=0.3, label=reason)
            named = _label_layer(axis, rows["date"], bottom, values, reason, tallest, named)
            base = bottom + values
        axis.plot(total["date"], total["lower"].clip(lower=0), color="black", linestyle="--", linewidth=0.8)
        axis.plot(total["date"], total["upper"], color="black", linestyle="--", linewidth=0.8, label="95% interval of the total")
        axis.set_title(scenario, fontsize=9, loc="left")
        axis.set_ylabel("patients")
        _dates(axis)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    return figure


def _label_layer(
    axis: Axes, dates: pd.Series, bottom: np.ndarray, values: np.ndarray, reason: str, tallest: float, last: float | None
) -> float | None:
    """Name a stacked layer beside its last weeks when it is thick enough to point at (4% of the panel) and
    its name clears the one below (`last`, its height; 5% of the panel); return the height named at.
    Days with no value (a run stopped as runaway) are left out; a layer with none in its last weeks is not named."""
    tail = max(len(values) // 10, 1)
    thickness, middles = values[-tail:], bottom[-tail:] + values[-tail:] / 2
    known = np.isfinite(middles)
    if not known.any():
        return last
    middle = float(middles[known].mean())
    if float(thickness[known].mean()) < 0.04 * tallest or (last is not None and middle - last < 0.05 * tallest):
        return last
    axis.annotate(reason, (dates.iloc[-1], middle), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7, annotation_clip=False)
    return middle


def stranded_figure(bands: pd.DataFrame) -> Figure:
    """Stranded (acute stay 7+ days) and super-stranded (21+ days) patients through the year."""
    figure, axes = _panels(2, 1, "Stranded and super-stranded patients in acute beds (census)", bands, height=3.0)
    for axis, name, label in (
        (axes[0, 0], "stranded", "stranded: in an acute bed 7+ days (patients)"),
        (axes[1, 0], "super_stranded", "super-stranded: 21+ days (patients)"),
    ):
        _draw(axis, bands, name)
        axis.set_ylabel(label.split(":")[0] + " (patients)")
        axis.set_title(label, fontsize=9, loc="left")
        _dates(axis)
    return figure


def front_door_figure(bands: pd.DataFrame) -> Figure:
    """Weekly 4-hour performance (with the 95% standard) and 12-hour trolley waits a week."""
    figure, axes = _panels(2, 1, "The front door, week by week (each point: the 7 days to that date)", bands, height=3.0)
    top, bottom = axes[0, 0], axes[1, 0]
    _draw(top, bands, "four_hour_performance_7d", every=7)
    top.axhline(FOUR_HOUR_STANDARD, color="0.2", linestyle="--", linewidth=1)
    top.annotate("95% standard", (1.0, FOUR_HOUR_STANDARD), xycoords=("axes fraction", "data"), xytext=(-70, 3), textcoords="offset points", fontsize=8)
    top.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top.set_ylabel("ED within 4 hours (%)")
    top.set_title("4-hour performance: share of ED attendances leaving within 4 hours", fontsize=9, loc="left")
    _draw(bottom, bands, "trolley_waits_over_12h_7d", every=7)
    bottom.set_ylabel("trolley waits a week")
    bottom.set_title("12-hour trolley waits: over 12 hours from decision to admit to a bed (patients a week)", fontsize=9, loc="left")
    _dates(top, from_zero=False)
    _dates(bottom)
    return figure


def community_figure(bands: pd.DataFrame) -> Figure:
    """HART, home care and step-down beds: capacity in use against capacity open, and their waiting lists."""
    present = [s for s in SERVICES if s[3] in set(bands["measure"])]
    figure, axes = _panels(len(present), 2, "Community capacity: in use (line) against capacity (wide pale line, same colour), and waiting lists", bands, height=2.8)
    for row, (_, title, unit, in_use, capacity, waiting) in zip(axes, present):
        used, queue = row
        for i, scenario in enumerate(_scenarios(bands)):  # capacity first, wide and pale: in use at capacity shows on top of it
            rows = _measure(bands, scenario, capacity)
            style = _style(i)
            used.plot(rows["date"], rows["mean"], color=style["color"], drawstyle="steps-post", linewidth=4.0, alpha=0.3, zorder=1)
        _draw(used, bands, in_use)
        used.set_title(f"{title}: in use and capacity", fontsize=9, loc="left")
        used.set_ylabel(unit)
        _draw(queue, bands, waiting)
        queue.set_title(f"{title}: people waiting", fontsize=9, loc="left")
        queue.set_ylabel("people")
        for axis in row:
            _dates(axis)
    return figure


YEAR_FIGURES: dict[str, tuple[str, Callable[[pd.DataFrame], Figure]]] = {
    "occupancy": ("occupancy", occupancy_figure),
    "delays": ("medically_fit", delays_figure),
    "stranded": ("stranded", stranded_figure),
    "front_door": ("four_hour_performance_7d", front_door_figure),
    "community": ("reablement_hours_in_use|home_care_hours_in_use|step_down_occupied", community_figure),
}
"""The through-the-year figures by file name, each with the measures (any of) it needs."""


def year_figures(bands: pd.DataFrame) -> Iterator[tuple[str, Figure]]:
    """(name, figure) of every through-the-year figure whose measures the scenarios have, drawn one at a time."""
    measures = set(bands["measure"])
    for name, (needs, draw) in YEAR_FIGURES.items():
        if any(measure in measures for measure in needs.split("|")):
            yield name, draw(bands)


# Comparisons, sweeps and warm-up ---------------------------------------------------

def comparison_figure(comparison: pd.DataFrame, kpis: list[str], base: str = "the base") -> Figure:
    """Small multiples: one panel per measure, each option's change from the base in the measure's own
    unit (shares in percentage points) with its 95% paired interval, so no measure's scale is set by
    another's, nor by a base near zero."""
    rows = comparison[comparison["kpi"].isin(kpis)]
    kpis = [k for k in kpis if rows.loc[rows["kpi"] == k, "difference"].notna().any()]
    options = list(dict.fromkeys(rows["option"]))
    columns = min(3, max(len(kpis), 1))
    grid = -(-max(len(kpis), 1) // columns)
    figure, axes = _subplots(grid, columns, figsize=(4.4 * columns, (0.45 * len(options) + 2.2) * grid + 0.8), squeeze=False)
    figure.suptitle(
        f"Each option's change from {base}, in each measure's own unit\n"
        "bars: 95% interval paired by replication; an interval crossing 0 cannot be told from no change",
        fontsize=10,
    )
    for axis, kpi in zip(axes.flat, kpis):
        mine = rows[rows["kpi"] == kpi].set_index("option").reindex(options)
        unit = str(mine["unit"].dropna().iloc[0]) if mine["unit"].notna().any() else ""
        scale = 100.0 if unit in PERCENT_UNITS else 1.0
        for i, option in enumerate(options):
            style = _style(i + 1)
            row = mine.loc[option]
            middle, low, high = (float(row[c]) * scale for c in ("difference", "lower", "upper"))
            axis.errorbar(middle, i, xerr=[[middle - low], [high - middle]], fmt=str(style["marker"]), color=style["color"], capsize=3)
            axis.annotate(change(float(row["difference"]), unit), (middle, i), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7)
        axis.axvline(0, color="0.3", linewidth=0.8)
        axis.set_yticks(range(len(options)), options if axis in axes[:, 0] else [""] * len(options), fontsize=8)
        axis.set_ylim(len(options) - 0.4, -0.6)
        axis.grid(True, axis="x", color="0.9")
        axis.tick_params(axis="x", labelsize=7)
        axis.xaxis.set_major_locator(MaxNLocator(5))
        words = textwrap.fill(_words(kpi), 50)
        axis.set_title(f"{words}\n({'percentage points' if scale == 100.0 else unit})", fontsize=8, loc="left")
    for axis in list(axes.flat)[len(kpis):]:
        axis.set_visible(False)
    return figure


def _words(kpi: str) -> str:
    """A measure's description from the catalogue, for a panel title (its name when it is not catalogued)."""
    try:
        return measure(kpi).description
    except KeyError:
        return kpi.replace("_", " ")


def heatmap_figure(table: pd.DataFrame, kpi: str, unit: str = "", target: float | None = None) -> Figure:
    """A KPI's mean over a one- or two-parameter grid (rows: first parameter, columns: second),
    with the contour where it crosses `target` (for example 0.92 occupancy) when the grid is 2x2 or more."""
    values = table.to_numpy(dtype=float)
    figure, axis = _subplots(figsize=(1.2 * table.shape[1] + 3.5, 0.7 * table.shape[0] + 2.2))
    image = axis.imshow(values, cmap="viridis_r", aspect="auto")
    percent = unit in PERCENT_UNITS
    for (i, j), value in np.ndenumerate(values):
        red, green, blue, _ = image.cmap(image.norm(value))
        ink = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
        axis.text(j, i, f"{value:.1%}" if percent else f"{value:,.3g}", ha="center", va="center", color=ink, fontsize=8)
    axis.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    axis.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
    axis.set_xlabel(str(table.columns.name))
    axis.set_ylabel(str(table.index.name))
    title = f"{kpi.replace('_', ' ')} ({unit}, mean of replications)" if unit else f"{kpi.replace('_', ' ')} (mean of replications)"
    if target is not None:
        label = f"{target:.0%}" if percent else f"{target:,g}"
        crosses = np.nanmin(values) <= target <= np.nanmax(values)
        if crosses and min(values.shape) >= 2:
            lines = axis.contour(values, levels=[target], colors="black", linestyles="--", linewidths=2)
            axis.clabel(lines, fmt={target: f"target {label}"}, fontsize=8)
            title += f"\ndashed: where it crosses the target {label}"
        else:
            title += f"\ntarget {label}: {'no contour on a one-row grid' if crosses else 'not crossed on this grid'}"
    axis.set_title(title, fontsize=10)
    colour_bar = figure.colorbar(image, ax=axis)
    colour_bar.set_label(kpi.replace("_", " ") + ("" if percent or not unit else f" ({unit})"))
    if percent:
        colour_bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))  # decimals to fit the range: no repeated labels
    return figure


def warmup_figure(series: dict[str, pd.DataFrame], averages: dict[str, pd.Series], cut: int) -> Figure:
    """Welch's plot: each measure's daily value per replication, their mean's moving average, and the cut."""
    figure, axes = _subplots(len(series), 1, figsize=(9, 2.6 * len(series) + 0.6), sharex=True, squeeze=False)
    figure.suptitle("Warm-up from an empty system (Welch's method)", fontsize=11)
    for axis, (name, table) in zip(axes[:, 0], series.items()):
        axis.plot(table.index, table.to_numpy(), color="0.85", linewidth=0.6)
        axis.plot(table.index, table.mean(axis=1), color="0.5", linewidth=0.8, label="mean of replications")
        axis.plot(averages[name].index, averages[name], color="black", linewidth=1.6, label="moving average")
        axis.axvline(cut, color="black", linestyle="--", label=f"warm-up {cut} days")
        axis.set_ylabel(name.replace("_", " "))
    axes[0, 0].legend(loc="lower right", fontsize=8)
    axes[-1, 0].set_xlabel("day from an empty system")
    return figure
