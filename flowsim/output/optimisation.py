"""The capacity search's answer as a board reads it: words, tables, the frontier plot and a report section.

`flowsim optimise` returns the cheapest plan that meets the targets (or the
one with the fewest delayed bed days within a budget), the plans as good as
it within the indifference zone, the efficient frontier of cost against
delayed bed days, how the answer moves with prices, and each lever's cost
curve. This module writes them as files (`recommended.csv`,
`near_equal.csv`, `frontier.csv`, `frontier.png`, `sensitivity.csv`,
`curves.csv`, `curves.png`, `explored.csv`), says the answer in a few
sentences, and, with `--report`, as a section of an HTML page of its own
(`optimisation_section`), the section `flowsim report` adds for an
optimise folder (`read_answer` reads the files back).
"""

from __future__ import annotations

import base64
import html
import json
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
    budget = settings.budget is not None
    within = f"within a budget of {number(settings.budget, 'GBP')} a year " if budget else ""
    delta = f"{number(settings.delta)} delayed bed days a year" if budget else f"{number(settings.delta, 'GBP')} a year"
    spent = f"{result.replications:,} replications were run" + (
        f", and {result.curve_replications:,} more for the cost curves." if result.curve_replications else "."
    )
    if result.recommended is None:
        return " ".join([f"No plan on the grid {within}was shown to meet {targets} at {settings.confidence:.0%} confidence.", *result.notes, spent])
    plan = ", ".join(f"{lever.name} {result.recommended[lever.name]:,g}" for lever in levers)
    cost = yearly_cost(levers, result.recommended)
    winner = result.near_equal.iloc[0]
    kept = "; ".join(f"{c.kpi} {_within_bounds(winner, c.kpi)}" for c in constraints)
    if budget:
        kept += f"; {settings.delay_kpi} {number(winner.objective)} ({interval(winner.objective_lower, winner.objective_upper)})"
    others = len(result.near_equal) - 1
    near = (
        f" {others} other plan{'s' if others > 1 else ''} {'are' if others > 1 else 'is'} within {delta} of it "
        "and as good to the board (near_equal.csv)."
        if others
        else f" No other plan shown feasible is within {delta} of it."
    )
    head = "plan with the fewest delayed bed days" if budget else "cheapest plan"
    best = "feasible plan with the fewest delayed bed days" if budget else "cheapest feasible plan"
    return (
        f"The {head} {within}that meets {targets} is {plan}, at {number(cost, 'GBP')} a year of capacity. "
        f"With {settings.confidence:.0%} confidence it is the {best} of those shortlisted, or within "
        f"{delta} of it. On {settings.confirm} fresh replications it gave {kept}.{near} " + " ".join([*result.notes, spent])
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


def curves_figure(curves: pd.DataFrame, constraints: Sequence[Constraint] = ()) -> Figure:
    """Each lever's cost curve: a column per lever, its yearly cost on top and each KPI below with 95% intervals."""
    levers = list(dict.fromkeys(curves.lever)) if not curves.empty else []
    kpis = [c[: -len("_lower")] for c in curves.columns if c.endswith("_lower")]
    rows = 1 + len(kpis)
    figure = Figure(figsize=(3.2 * max(1, len(levers)), 2.2 * rows), layout="constrained")
    axes = figure.subplots(rows, max(1, len(levers)), squeeze=False, sharex="col")
    bounds = {c.kpi: c.bound for c in constraints}
    for column, lever in enumerate(levers):
        curve = curves[curves.lever == lever]
        answer = curve[curve.at_answer]
        axes[0, column].plot(curve.value, curve.lever_cost_per_year / 1e6, "o-", color="0.2")
        axes[0, column].set_title(lever, fontsize=9)
        for row, kpi in enumerate(kpis, start=1):
            axis, run = axes[row, column], curve[curve.n > 1]
            error = [run[kpi] - run[f"{kpi}_lower"], run[f"{kpi}_upper"] - run[kpi]]
            axis.errorbar(run.value, run[kpi], yerr=error, fmt="o-", color="0.2", capsize=2)
            if kpi in bounds:
                axis.axhline(bounds[kpi], color="0.5", linestyle="--", linewidth=1)
            axis.axvline(answer.value.iloc[0], color="0.7", linestyle=":", linewidth=1)
            if column == 0:
                axis.set_ylabel(kpi, fontsize=8)
        axes[-1, column].set_xlabel("level (dotted: the answer)", fontsize=8)
    axes[0, 0].set_ylabel("lever cost (GBP m a year)", fontsize=8)
    figure.suptitle("Each lever's cost curve, the others held at the answer (95% intervals; dashed: the bound)", fontsize=10)
    return figure


ANSWER_TABLES = ("recommended", "near_equal", "frontier", "sensitivity", "curves", "explored")
"""The tables `write_answer` writes, as `<name>.csv`, and `read_answer` reads back."""


def write_answer(result: Result, out: Path, constraints: Sequence[Constraint] = (), words: str = "") -> list[Path]:
    """The search's tables, the frontier and cost curves plots, and `answer.json` (the answer in words, the
    constraints and the spend, for `read_answer`) in `out`; return the paths written."""
    tables = {
        "recommended": pd.DataFrame([result.recommended or {}]),
        "near_equal": result.near_equal,
        "frontier": result.frontier,
        "sensitivity": result.sensitivity,
        "curves": result.curves,
        "explored": result.explored,
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        write_atomically(out / f"{name}.csv", lambda tmp, table=table: table.to_csv(tmp, index=False))
        written.append(out / f"{name}.csv")
    about = {
        "words": words, "notes": result.notes, "replications": result.replications,
        "curve_replications": result.curve_replications, "constraints": [vars(c) for c in constraints],
    }  # fmt: skip
    write_atomically(out / ANSWER, lambda tmp: tmp.write_text(json.dumps(about, indent=1), encoding="utf-8"))
    return [
        *written,
        out / ANSWER,
        save_figure(frontier_figure(result.frontier), out / "frontier.png"),
        save_figure(curves_figure(result.curves, constraints), out / "curves.png"),
    ]


ANSWER = "answer.json"
"""The file that marks a folder as `flowsim optimise`'s answer."""


def read_answer(folder: Path) -> tuple[Result, str, list[Constraint]]:
    """The answer `write_answer` wrote in `folder`, its words and constraints (the near-equal set stands in for the
    confirmation table, the selection's state is not kept); FileNotFoundError if the folder holds none."""
    about = json.loads((folder / ANSWER).read_text(encoding="utf-8"))

    def table(name: str) -> pd.DataFrame:
        try:
            return pd.read_csv(folder / f"{name}.csv")
        except pd.errors.EmptyDataError:  # an empty table is written as an empty file
            return pd.DataFrame()

    recommended = table("recommended")
    plan = {str(k): float(v) for k, v in recommended.iloc[0].items()} if len(recommended) else None
    near_equal = table("near_equal")
    result = Result(plan, near_equal, near_equal, table("frontier"), table("sensitivity"), table("explored"), None,
                    about["replications"], about["notes"], table("curves"), about["curve_replications"])  # fmt: skip
    return result, about["words"], [Constraint(**c) for c in about["constraints"]]


def _html_table(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}", border=0)


def optimisation_section(result: Result, words: str, constraints: Sequence[Constraint] = ()) -> str:
    """The report section: the answer, the near-equal set, the frontier (table and plot), the price sensitivity
    and each lever's cost curve (table and plot)."""

    def image(figure: Figure, alt: str) -> str:
        return f"<figure><img alt='{alt}' src='data:image/png;base64,{base64.b64encode(png_bytes(figure)).decode()}'></figure>"

    parts = [
        f"<p class='answer'>{html.escape(words)}</p>",
        "<h3>Plans as good as the recommended one (fresh replications, 95% intervals)</h3>", _html_table(result.near_equal),
        "<h3>The efficient frontier: cost against delayed bed days</h3>",
        image(frontier_figure(result.frontier), "frontier"), _html_table(result.frontier),
        "<h3>How the answer moves with unit costs</h3>", _html_table(result.sensitivity),
        "<h3>Each lever's cost curve: its yearly cost and what it does to the targets, the other levers held at the answer</h3>",
        image(curves_figure(result.curves, constraints), "cost curves"), _html_table(result.curves),
    ]  # fmt: skip
    return '<section id="optimisation">\n<h2>The capacity plan that meets the targets</h2>\n' + "\n".join(parts) + "\n</section>"


def write_optimisation_report(result: Result, words: str, title: str, path: Path, constraints: Sequence[Constraint] = ()) -> Path:
    """An HTML page with the optimisation section, in the report's style."""
    page = (
        f"<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f"{optimisation_section(result, words, constraints)}\n</body>\n</html>\n"
    )
    write_atomically(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path
