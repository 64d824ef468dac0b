"""The capacity search's answer as a board reads it: words, tables, the frontier plot and a report section.

`flowsim optimise` returns the cheapest plan that meets the targets, the
plans as good as it within the indifference zone, the efficient frontier of
cost against delayed bed days, and how the answer moves with prices. This
module writes them as files (`recommended.csv`, `near_equal.csv`,
`frontier.csv`, `frontier.png`, `sensitivity.csv`, `explored.csv`), says
the answer in a few sentences, and, with `--report`, as a section of an
HTML page of its own (`optimisation_section`).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from flowsim.analysis.optimise import Constraint, Lever, Result, Settings, yearly_cost
from flowsim.files import write_atomically
from flowsim.output.formatting import interval, number
from flowsim.output.plots import png_bytes, save_figure
from flowsim.output.report import STYLE
from flowsim.results.catalogue import measure
from flowsim.statistics import clipped


def answer_in_words(result: Result, levers: Sequence[Lever], constraints: Sequence[Constraint], settings: Settings) -> str:
    """The recommended plan, its cost and targets on fresh replications, its near-equals and the search's spend."""
    targets = " and ".join(f"{c.kpi} {'at most' if c.kind == 'at_most' else 'at least'} {number(c.bound, measure(c.kpi).unit)}" for c in constraints)
    spent = f"{result.replications:,} replications were run."
    if result.recommended is None:
        return " ".join([f"No plan on the grid was shown to meet {targets} at {settings.confidence:.0%} confidence.", *result.notes, spent])
    plan = ", ".join(f"{lever.name} {result.recommended[lever.name]:,g}" for lever in levers)
    cost = yearly_cost(levers, result.recommended)
    winner = result.near_equal.iloc[0]
    kept = "; ".join(f"{c.kpi} {_within_bounds(winner, c.kpi)}" for c in constraints)
    others = len(result.near_equal) - 1
    near = (
        f" {others} other plan{'s' if others > 1 else ''} cost{'' if others > 1 else 's'} within {number(settings.delta, 'GBP')} a year of it "
        "and are as good to the board (near_equal.csv)."
        if others
        else f" No other plan shown feasible is within {number(settings.delta, 'GBP')} a year of it."
    )
    return (
        f"The cheapest plan that meets {targets} is {plan}, at {number(cost, 'GBP')} a year of capacity. "
        f"With {settings.confidence:.0%} confidence it is the cheapest feasible plan of those shortlisted, or within "
        f"{number(settings.delta, 'GBP')} a year of it. On {settings.confirm} fresh replications it gave {kept}.{near} "
        + " ".join([*result.notes, spent])
    )


def _within_bounds(row: pd.Series, kpi: str) -> str:
    """A KPI's mean and its 95% t interval, clipped to what the KPI can be (a share to 0-100%), and said so."""
    this = measure(kpi)
    low, high = (row[f"{kpi}_{end}"] for end in ("lower", "upper"))
    bounded = clipped(low, high, this.lower, this.upper)
    note = "; the t interval clipped to the KPI's bounds" if bounded != (low, high) else ""
    return f"{number(row[kpi], this.unit)} ({interval(*bounded, this.unit)}{note})"


def frontier_figure(frontier: pd.DataFrame) -> Figure:
    """Cost a year against delayed bed days of the plans no cheaper plan beats, with 95% intervals."""
    figure = Figure(figsize=(7.0, 4.2), layout="constrained")
    axis = figure.subplots()
    if not frontier.empty:
        error = [frontier.delayed_bed_days - frontier.lower, frontier.upper - frontier.delayed_bed_days]
        axis.errorbar(frontier.cost_per_year / 1e6, frontier.delayed_bed_days, yerr=error, fmt="o-", color="0.2", capsize=3)
    axis.set_xlabel("capacity cost (GBP million a year)")
    axis.set_ylabel("delayed bed days a year")
    axis.set_title("The efficient frontier: cheapest plans for each level of delay (95% intervals)")
    return figure


def write_answer(result: Result, out: Path) -> list[Path]:
    """The search's tables and the frontier plot in `out`; return the paths written."""
    tables = {
        "recommended.csv": pd.DataFrame([result.recommended or {}]),
        "near_equal.csv": result.near_equal,
        "frontier.csv": result.frontier,
        "sensitivity.csv": result.sensitivity,
        "explored.csv": result.explored,
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        write_atomically(out / name, lambda tmp, table=table: table.to_csv(tmp, index=False))
        written.append(out / name)
    return [*written, save_figure(frontier_figure(result.frontier), out / "frontier.png")]


def _html_table(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}", border=0)


def optimisation_section(result: Result, words: str) -> str:
    """The report section: the answer, the near-equal set, the frontier (table and plot) and the price sensitivity."""
    image = base64.b64encode(png_bytes(frontier_figure(result.frontier))).decode()
    parts = [
        f"<p class='answer'>{html.escape(words)}</p>",
        "<h3>Plans as good as the recommended one (fresh replications, 95% intervals)</h3>", _html_table(result.near_equal),
        "<h3>The efficient frontier: cost against delayed bed days</h3>",
        f"<figure><img alt='frontier' src='data:image/png;base64,{image}'></figure>", _html_table(result.frontier),
        "<h3>How the answer moves with unit costs</h3>", _html_table(result.sensitivity),
    ]  # fmt: skip
    return '<section id="optimisation">\n<h2>The cheapest capacity plan that meets the targets</h2>\n' + "\n".join(parts) + "\n</section>"


def write_optimisation_report(result: Result, words: str, title: str, path: Path) -> Path:
    """An HTML page with the optimisation section, in the report's style."""
    page = (
        f"<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{optimisation_section(result, words)}\n</body>\n</html>\n"
    )
    write_atomically(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path
