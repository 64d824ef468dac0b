"""The HTML report: one self-contained file a planner can open, read and paste into a board paper.

`write_report(results, path)` turns the results of a finished experiment
(`flowsim.results.experiment_results`, in memory or read back from its
folder) into one HTML page; `write_results` writes the folder itself, its
plots and, if asked, the report. The report opens with the answer a board
asks for (which option cuts delayed bed days most, by how much, with what
certainty, at what cost), then ranks the options, says what each scenario
changes, gives the key figures with their 95% intervals, shows the plots,
the validation table when the baseline was checked against published
figures (and the back-cast of the county's published changes when it was
run), and ends with a description of the model in the STRESS-DES
reporting structure (objectives, logic, data, experimentation,
implementation).

The page needs no network: plots are embedded as PNG data, the style sheet
is inline and there is no script. The model description is taken from the
model's own documentation (the docstrings of its service modules and the
assumptions in docs/model.md) and the experiment's own record, so it cannot
drift from what was run.
"""

from __future__ import annotations

import importlib
import inspect
import base64
import html
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from tqdm.auto import tqdm

import flowsim
from flowsim.analysis.appraisal import COST_KPI, OCCUPANCY_KPI, REPORT_KPIS, SAVED_KPI, appraisal
from flowsim.analysis.validation import role_summary
from flowsim.output.formatting import change, interval, number
from flowsim.output.plots import comparison_figure, png_bytes, save_figure, year_figures
from flowsim.output.workbook import experiment_workbook
from flowsim.files import write_atomically
from flowsim.results.catalogue import KPIS, PERCENT_UNITS, current_name, measure
from flowsim.results.experiment_results import ExperimentResults
from flowsim.statistics import t_interval

SERVICE_MODULES = (
    "model.system",
    "services.arrivals",
    "services.ed",
    "services.eau",
    "services.admission_avoidance",
    "services.wards",
    "services.discharge",
    "services.reablement",
    "services.home_care",
    "services.step_down",
    "services.care_homes",
)
"""The modules whose docstrings describe the model's logic, in the order of a patient's journey."""

FIGURE_CAPTIONS = {
    "comparison": "Each option's change from the base for the headline figures, one panel per figure in its own unit, with 95% paired intervals.",
    "occupancy": "Acute bed occupancy at the midnight census, with the 92% guidance and 95% lines.",
    "delays": "Medically fit patients waiting in acute beds, by the reason they wait.",
    "stranded": "Stranded (7+ days) and super-stranded (21+ days) patients in acute beds.",
    "front_door": "Weekly 4-hour performance and 12-hour trolley waits.",
    "community": "Reablement (HART), home care and step-down beds: capacity in use against capacity, and waiting lists.",
}

CELL_STYLE = """
td .interval { display: block; color: #444; font-size: 0.88em; }
td .change { display: block; font-size: 0.88em; }
.not-distinguishable { color: #666; font-style: italic; }
.note { font-size: 0.88em; color: #444; }
"""
"""How a table cell shows an interval, a change and a note: under its figure, smaller (the app uses it too)."""

STYLE = CELL_STYLE + """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #111; max-width: 1120px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #333; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
.meta { color: #555; font-size: 0.9em; }
.answer { background: #f3f3f3; border-left: 6px solid #333; padding: 0.8em 1.2em; font-size: 1.05em; }
.warning { background: #fff3f0; border-left: 6px solid #a00; padding: 0.6em 1.2em; font-weight: bold; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.88em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.55em; vertical-align: top; overflow-wrap: break-word; }
.scroll { overflow-x: auto; }
th { background: #e6e6e6; text-align: left; }
td.number { text-align: right; overflow-wrap: normal; }
.outside { font-weight: bold; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #333; }
pre { background: #f6f6f6; padding: 0.6em; font-size: 0.85em; white-space: pre-wrap; }
details summary { cursor: pointer; font-weight: bold; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } figure { page-break-inside: avoid; } }
"""


# Text ----------------------------------------------------------------------------

def prose(text: str) -> str:
    """Plain documentation text (paragraphs, '- ' bullets, indented code, **bold**, *italic*, `code`) as HTML."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if all(line.startswith("    ") for line in lines):
            blocks.append(f"<pre>{html.escape(chr(10).join(line[4:] for line in lines))}</pre>")
        elif lines[0].lstrip().startswith(("- ", "1. ")):
            items: list[str] = []
            for line in lines:
                stripped = line.strip()
                if re.match(r"^(- |\d+\. )", stripped):
                    items.append(re.sub(r"^(- |\d+\. )", "", stripped))
                elif items:
                    items[-1] += " " + stripped
            blocks.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
        else:
            blocks.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(blocks)


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", text)


def _escape(text: object) -> str:
    return html.escape(str(text))


def _table(header: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = ()) -> str:
    """An HTML table; cells are HTML already; columns in `numeric` are right-aligned."""
    right = set(numeric)
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="number">{c}</td>' if i in right else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{_escape(title)}</h2>\n{body}\n</section>'


# The answer ----------------------------------------------------------------------

def answer(results: ExperimentResults) -> str:
    """The paragraph a planner reads first: the best option, its saving, its certainty and its cost."""
    n = results.about["replications"]
    basis = (
        f"Means of {n} replications run with the same random numbers for every scenario; 95% intervals of the "
        "differences paired by replication. Delayed bed days are delayed transfers of care as NHS England counts "
        "them (acute and step-down beds, one a patient a midnight), a year."
    )
    if not results.options:
        return _baseline_answer(results) + f" <span class='note'>{basis}</span>"
    ranking = appraisal(results)
    if ranking.empty:
        return (
            "No option can be ranked: every option's queues grew without bound in some replication (see the "
            f"warning above), so none has a steady state to compare with {_escape(results.base)}. "
            f"<span class='note'>{basis}</span>"
        )
    base = results.summary(results.base)
    best = ranking.iloc[0]
    name = f"<strong>{_escape(results.title(best['option']))}</strong>"
    base_title = _escape(results.title(results.base))
    if best["saved"] <= 0:
        text = (
            f"None of the {len(ranking)} options cuts delayed bed days compared with {base_title}; "
            f"the one that comes closest, {name}, changes them by {change(-best['saved'])} a year "
            f"(95% interval {interval(-best['saved_upper'], -best['saved_lower'], signed=True)})."
        )
        return f"{text} <span class='note'>{basis}</span>"
    before = base.loc[SAVED_KPI, "mean"]
    among = f"Of the {len(ranking)} options compared with {base_title}, " if len(ranking) > 1 else f"Compared with {base_title}, "
    text = (
        f"{among}{name} cuts delayed bed days{' the most' if len(ranking) > 1 else ''}: "
        f"by <strong>{number(best['saved'])} bed days a year</strong> (95% interval {interval(best['saved_lower'], best['saved_upper'])}), "
        f"from {number(before)} to {number(before - best['saved'])}."
    )
    if not best["saving_distinguishable"]:
        text += " But its interval includes zero: the data cannot tell this saving from none."
    occupancy = base.loc[OCCUPANCY_KPI, "mean"]
    text += (
        f" Acute occupancy goes from {number(occupancy, 'share')} to {number(occupancy + best['occupancy_change'], 'share')} "
        f"({change(best['occupancy_change'], 'share')}, 95% interval "
        f"{interval(best['occupancy_change_lower'], best['occupancy_change_upper'], 'share', signed=True)})."
    )
    text += " " + _cost_sentence(best)
    if len(ranking) > 1:
        text += " " + _runner_up_sentence(results, ranking)
    return f"{text} <span class='note'>{basis}</span>"


def _cost_sentence(row: pd.Series) -> str:
    if math.isnan(row["extra_cost"]):
        return f"Its cost is not given: {_escape(row['cost_note'])}."
    parts = "; ".join(f"{_escape(name)} {change(value, 'GBP')}" for name, value in row["cost_changes"].items())
    items = f" ({parts})" if parts else ""
    if row["extra_cost"] <= 0:
        return (
            f"The capacity it provides costs {number(-row['extra_cost'], 'GBP')} a year less in all{items}: "
            "what it adds is more than paid for by what it lets close, such as escalation beds."
        )
    text = f"The capacity it provides costs {change(row['extra_cost'], 'GBP')} a year more{items}"
    if row["saving_distinguishable"]:
        text += (
            f": <strong>{number(row['cost_per_bed_day_saved'], 'GBP')} per delayed bed day saved</strong> "
            f"(95% interval {interval(row['cost_lower'], row['cost_upper'], 'GBP')}; the ratio of the mean extra cost to the mean saving)"
        )
    return text + "."


def _runner_up_sentence(results: ExperimentResults, ranking: pd.DataFrame) -> str:
    """How surely the best option beats the second, paired by replication."""
    first, second = ranking.iloc[0]["option"], ranking.iloc[1]["option"]
    ahead = results.values[second][SAVED_KPI] - results.values[first][SAVED_KPI]
    gap = t_interval(ahead)
    verdict = (
        "so it is ahead with 95% confidence"
        if gap["lower"] > 0
        else "so the data cannot tell the two apart: run more replications before choosing between them"
    )
    return (
        f"The next best, {_escape(results.title(second))}, saves {number(gap['mean'])} fewer bed days a year "
        f"(95% interval {interval(gap['lower'], gap['upper'])}), {verdict}."
    )


def _baseline_answer(results: ExperimentResults) -> str:
    summary = results.summary(results.base)

    def figure(kpi: str, words: str) -> str:
        row = summary.loc[kpi]
        return f"{words} {number(row['mean'], row['unit'])} (95% interval {interval(row['lower'], row['upper'], row['unit'])})"

    parts = [figure(k, w) for k, w in ((OCCUPANCY_KPI, "acute occupancy of"), (SAVED_KPI, "delayed transfer bed days a year:")) if k in summary.index]
    return f"{_escape(results.title(results.base))} runs at " + ", with ".join(parts) + "."


# Sections ------------------------------------------------------------------------

def readable_appraisal(ranking: pd.DataFrame) -> pd.DataFrame:
    """The ranking of `appraisal` as a planner reads it: each figure and its interval as text."""
    rows = []
    for rank, row in ranking.iterrows():
        priced = not math.isnan(row["extra_cost"])
        if not priced or not row["saving_distinguishable"] or row["saved"] <= 0:
            cost, cost_interval = "—", ""
        elif row["extra_cost"] <= 0:
            cost, cost_interval = "nothing: capacity costs less", ""
        else:
            cost, cost_interval = number(row["cost_per_bed_day_saved"], "GBP"), interval(row["cost_lower"], row["cost_upper"], "GBP")
        rows.append(
            {
                "rank": rank,
                "option": row["option"],
                "delayed bed days saved a year": number(row["saved"]),
                "saved: 95% interval": interval(row["saved_lower"], row["saved_upper"]),
                "saving distinguishable from none": "yes" if row["saving_distinguishable"] else "no",
                "acute occupancy change": change(row["occupancy_change"], "share"),
                "occupancy: 95% interval": interval(row["occupancy_change_lower"], row["occupancy_change_upper"], "share", signed=True),
                "extra capacity cost a year": change(row["extra_cost"], "GBP"),
                "cost per delayed bed day saved": cost,
                "cost: 95% interval": cost_interval,
                "note": row["cost_note"],
            }
        )
    return pd.DataFrame(rows).set_index("rank")


def options_section(results: ExperimentResults) -> str:
    ranking = appraisal(results)
    rows = []
    for (rank, row), (_, text) in zip(ranking.iterrows(), readable_appraisal(ranking).iterrows()):
        faint = "" if row["saving_distinguishable"] else ' class="not-distinguishable"'
        rows.append(
            [
                str(rank),
                f"<strong>{_escape(results.title(row['option']))}</strong><br><span class='note'>{_escape(row['description'])}</span>",
                f"<span{faint}>{text['delayed bed days saved a year']}</span><span class='interval'>{text['saved: 95% interval']}</span>",
                f"{text['acute occupancy change']}<span class='interval'>{text['occupancy: 95% interval']}</span>",
                text["extra capacity cost a year"],
                f"{_escape(text['cost per delayed bed day saved'])}<span class='interval'>{text['cost: 95% interval']}</span>",
                _escape(text["note"]),
            ]
        )
    table = _table(
        [
            "rank",
            "option",
            "delayed bed days saved a year<br>(95% interval)",
            "acute occupancy change<br>(95% interval)",
            "extra capacity cost a year",
            "cost per delayed bed day saved<br>(95% interval)",
            "note",
        ],
        rows,
        numeric=(2, 3, 4, 5),
    )
    note = (
        "<p class='note'>Ranked by the mean saving. A saving in grey italics has an interval that includes zero. "
        "The cost is the change in the cost of the capacity each scenario provides (its unit costs times the capacity open); "
        "the cost per bed day saved is the ratio of the mean extra cost to the mean saving, with Fieller's 95% interval "
        "(paired by replication). A capacity changed without a unit cost leaves the cost blank rather than zero.</p>"
    )
    return _section("options", "Options ranked by delayed bed days saved", table + note)


def scenarios_section(results: ExperimentResults) -> str:
    parts = []
    for label in results.labels:
        scenario = results.scenario(label)
        role = "base" if label == results.base else "option"
        parts.append(f"<h3>{_escape(results.title(label))} <span class='note'>({role}, {_escape(scenario['file'] or label)})</span></h3>")
        parts.append(f"<p>{_escape(scenario['description'])}</p>")
        if scenario["changes"]:
            rows = [[f"<code>{_escape(f)}</code>", _escape(b), _escape(o)] for f, b, o in scenario["changes"]]
            parts.append(_table(["what it changes", _escape(results.title(results.base)), _escape(results.title(label))], rows))
        elif role == "option":
            parts.append("<p class='note'>It sets nothing differently from the base.</p>")
        if scenario["notes"]:
            parts.append(f"<details><summary>Notes in the scenario file</summary><pre>{_escape(scenario['notes'])}</pre></details>")
    return _section("scenarios", "The scenarios and what they change", "\n".join(parts))


def kpi_section(results: ExperimentResults) -> str:
    summaries = {label: results.summary(label) for label in results.labels}
    comparison = results.comparison().set_index(["option", "kpi"]) if results.options else None
    unpriced = appraisal(results).set_index("option") if results.options else None  # options ranked (none that ran away)

    def rows(kpis: Iterable[str]) -> list[list[str]]:
        out = []
        for kpi in kpis:
            this = measure(kpi)
            unit = this.unit
            row = [f"{_escape(this.description)}<br><span class='note'><code>{kpi}</code>, {_escape(unit)}</span>"]
            for label in results.labels:
                s = summaries[label].loc[kpi]
                cell = f"{number(s['mean'], unit)}<span class='interval'>{interval(s['lower'], s['upper'], unit)}</span>"
                priced = unpriced is None or label not in unpriced.index or not math.isnan(unpriced.loc[label, "extra_cost"])
                if kpi == COST_KPI and label != results.base and not priced:
                    cell = f"—<span class='change'>cost not given: {_escape(unpriced.loc[label, 'cost_note'])}</span>"
                elif comparison is not None and label != results.base:
                    d = comparison.loc[(label, kpi)]
                    mark = "" if d["distinguishable"] else " ≈"
                    cell += f"<span class='change'>change {change(d['difference'], unit)}{mark} ({interval(d['lower'], d['upper'], unit, signed=True)})</span>"
                row.append(cell)
            out.append(row)
        return out

    shown = [k for k in REPORT_KPIS if k in summaries[results.base].index]
    header = ["key figure", *(_escape(results.title(label)) for label in results.labels)]
    numeric = range(1, len(results.labels) + 1)
    body = _table(header, rows(shown), numeric)
    body += (
        "<p class='note'>Each cell: the mean, its 95% interval across replications and, for options, the change from the base "
        "with its 95% paired interval; ≈ marks a change the data cannot tell from zero. Delayed bed days are delayed "
        "transfers of care, as in the answer and the ranking. The capacity cost prices only the capacities with a unit cost; "
        "an option that changes a capacity without one has no cost, as in the ranking.</p>"
    )
    others = [k for k in summaries[results.base].index if k not in shown and current_name(k) in KPIS]
    body += f"<details><summary>All {len(others) + len(shown)} KPIs</summary>{_table(header, rows(others), numeric)}</details>"
    return _section("kpis", "Key figures with 95% intervals", body)


def figures(results: ExperimentResults) -> Iterator[tuple[str, Figure]]:
    """The report's figures, each scenario shown by its title."""
    titles = {label: results.title(label) for label in results.labels}
    if results.options:
        kpis = [k for k in REPORT_KPIS if k != COST_KPI and k in results.values[results.base].columns]
        comparison = results.comparison().assign(option=lambda t: t["option"].map(titles))
        yield "comparison", comparison_figure(comparison, kpis, titles[results.base])
    yield from year_figures(results.bands.assign(scenario=results.bands["scenario"].map(titles)))


def plots_section(results: ExperimentResults, progress: bool = False) -> str:
    parts = []
    for name, figure in tqdm(figures(results), desc="drawing the report's plots", unit="plot", leave=False, disable=not progress):
        data = base64.b64encode(png_bytes(figure)).decode("ascii")
        caption = FIGURE_CAPTIONS.get(name, name)
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{_escape(caption)}"><figcaption>{_escape(caption)}</figcaption></figure>')
    return _section("plots", "Plots", "\n".join(parts))


def validation_section(validation: pd.DataFrame, sources: dict[str, str] | None = None) -> str:
    """Each published figure against the model, with its role: fitted (tuned to it), check, or context;
    the source documents cited by tag named below the table."""
    rows = []
    for _, row in validation.iterrows():
        within = str(row["within"]).strip().lower() in ("true", "1", "yes")
        unit = str(row["unit"])
        shown_unit = "" if unit in PERCENT_UNITS else f" {_escape(unit)}"
        rows.append(
            [
                _escape(row["figure"]),
                _escape(row["source"]),
                f"{number(row['published'], unit)}{shown_unit}",
                f"{number(row['mean'], unit)}<span class='interval'>{interval(row['lower'], row['upper'], unit)}</span>",
                f"±{number(row['tolerance'], unit)}",
                "yes" if within else "<span class='outside'>no</span>",
                _escape(row.get("role", "")),
                _escape(row["note"]) if pd.notna(row["note"]) else "",
            ]
        )
    table = _table(
        ["figure", "source", "published", "model (95% interval)", "tolerance", "within", "role", "note"], rows, numeric=(3,)
    )
    summary = (
        f"<p>{_escape(role_summary(validation))} Role: <b>fitted</b> means a parameter was tuned towards the figure, "
        "so agreement shows the model can look like the system, not that it predicts it; <b>check</b> means nothing "
        "was tuned to it (some held back from the fit on purpose), so agreement is evidence; <b>context</b> means it "
        "was published on another basis and is not expected to match (the note says why).</p>"
    )
    if sources:
        table += "<p class='note'>Source documents: " + "; ".join(f"{_escape(t)}: {_escape(d)}" for t, d in sources.items()) + ".</p>"
    return _section("validation", "Validation: the baseline against published figures", summary + table)


def backcast_section(backcast: pd.DataFrame) -> str:
    """The county's published changes, each run as a pair of scenarios, against the model's predicted change."""
    rows = []
    for _, row in backcast.iterrows():
        unit = str(row["unit"])
        inside = [str(row[c]).strip().lower() in ("true", "1", "yes") for c in ("in_interval", "in_range")]
        rows.append(
            [
                _escape(row["change"]),
                f"{_escape(row['measure'])} ({_escape(unit)})",
                f"{number(row['published_before'], unit)} → {number(row['published_after'], unit)}: {change(row['published_change'], unit)}",
                f"{change(row['model_change'], unit)}<span class='interval'>{interval(row['lower'], row['upper'], unit, signed=True)}</span>",
                "yes" if inside[0] else "<span class='outside'>no</span>",
                interval(row["range_lower"], row["range_upper"], unit, signed=True),
                "yes" if inside[1] else "<span class='outside'>no</span>",
                _escape(row["note"]) if pd.notna(row["note"]) else "",
            ]
        )
    table = _table(
        ["change", "measure", "published", "model's change (95% interval)", "in it", "one year's change (95% range)", "in it", "note"],
        rows, numeric=(3, 5),
    )  # fmt: skip
    summary = (
        f"<p>Each change is run as two scenarios with the same random numbers; the model's change is after less before. "
        f"{sum(r[4] == 'yes' for r in rows)} of {len(rows)} published changes lie in the model's 95% interval, "
        f"{sum(r[6] == 'yes' for r in rows)} of {len(rows)} in its 95% range for one year's change (years differ by "
        "chance as well as by the change). No parameter was tuned to any of them.</p>"
    )
    return _section("backcast", "Back-cast: the county's published changes against the model's", summary + table)


def model_section(results: ExperimentResults) -> str:
    about = results.about
    base = results.scenario(results.base)
    objectives = (
        f"<p>{_escape(_first_line(flowsim.__doc__ or ''))}.</p>"
        f"<p>The base scenario: {_escape(base['description'])} "
        + (
            f"The question: how much each option ({len(results.options)}) changes delayed transfers of care, acute "
            "occupancy, stranded patients and the front door, and at what cost in capacity."
            if results.options
            else "The question: how the system performs over the period, with what certainty."
        )
        + "</p><p>Key figures: "
        + ", ".join(f"<code>{k}</code>" for k in REPORT_KPIS if k in results.values[results.base].columns)
        + ".</p>"
    )
    logic = "".join(_module_doc(name) for name in SERVICE_MODULES) + _assumptions()
    data = (
        f"<p>The scenarios are YAML files validated against the scenario schema; the base is "
        f"<code>{_escape(base['file'])}</code>. Its own notes on sources:</p><pre>{_escape(base['notes'] or '(none)')}</pre>"
    )
    sources = base.get("sources") or {}
    if sources:
        data += "<p>Source documents the scenario file cites, by tag:</p>" + _table(
            ["tag", "document"], [[_escape(tag), _escape(title)] for tag, title in sources.items()]
        )
    if base["costs_source"]:
        data += f"<p>Unit costs, as written in the base scenario file with their sources:</p><pre>{_escape(base['costs_source'])}</pre>"
    start = about["initial_state"] and "from today's census given in the scenario" or f"from empty, with {about['warmup_days']} days of warm-up discarded"
    experimentation = _table(
        ["setting", "value"],
        [
            ["replications per scenario", str(about["replications"])],
            ["random seed", str(about["seed"])],
            ["results period", f"{about['days']} days from {about['start_date']}"],
            ["start", _escape(start)],
            ["random numbers", "common random numbers: one named stream per source, seeded from (seed, replication, name), the same for every scenario"],
            ["intervals", "Student t 95% intervals across replications; differences paired by replication"],
        ],
    )
    implementation = _table(
        ["item", "value"],
        [
            ["software", f"flowsim {about['flowsim_version']} (Python {about['python']}, SimPy discrete-event engine)"],
            ["platform", _escape(about["platform"])],
            ["run", f"<code>{_escape(about['command'])}</code> on {_escape(about['created'])}"],
        ],
    )
    body = "".join(
        f"<h3>{title}</h3>{content}"
        for title, content in (
            ("Objectives", objectives),
            ("Logic", logic),
            ("Data", data),
            ("Experimentation", experimentation),
            ("Implementation", implementation),
        )
    )
    return _section("model", "About the model (STRESS-DES)", body)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].removeprefix("flowsim: ").rstrip(".").capitalize() if text.strip() else ""


def _module_doc(name: str) -> str:
    doc = inspect.getdoc(importlib.import_module(f"flowsim.{name}")) or ""
    title, _, rest = doc.partition("\n")
    return f"<h4>{_escape(title.rstrip('.'))}</h4>{prose(rest)}"


def _assumptions() -> str:
    """The assumptions and limitations of docs/model.md, when the documentation is beside the package."""
    model = Path(flowsim.__file__).parents[1] / "docs" / "model.md"
    if not model.exists():
        return "<p class='note'>Assumptions and limitations: see docs/model.md in the flowsim repository.</p>"
    text = model.read_text().split("## Assumptions and limitations", 1)
    if len(text) < 2:
        return ""
    return "<h4>Assumptions and limitations</h4>" + prose(text[1].split("\n## ", 1)[0])


# The page ------------------------------------------------------------------------

def render(results: ExperimentResults, progress: bool = False, extra: Iterable[str] = ()) -> str:
    """The whole report as one HTML page (with a progress bar while the plots are drawn); `extra` sections
    (the capacity search's, from `flowsim.output.optimisation`) go before the model's description."""
    about = results.about
    title = f"{results.title(results.base)}: options appraisal" if results.options else f"{results.title(results.base)}: results"
    sections = [_section("answer", "The answer", f"<p class='answer'>{answer(results)}</p>")]
    ranked = results.options and not appraisal(results).empty
    unstable = [words for label in results.labels if (words := results.runaways(label))]
    if unstable:
        warning = "".join(f"<p class='warning'>{_escape(words)}</p>" for words in unstable)
        sections.insert(0, _section("runaway", "Warning: queues that grew without bound", warning + (
            "<p>An option with such replications is not ranked: a queue that keeps growing has no steady state to report.</p>"
        )))
    if ranked:
        sections.append(options_section(results))
    sections += [scenarios_section(results), kpi_section(results), plots_section(results, progress)]
    if results.validation is not None:
        sections.append(validation_section(results.validation, results.scenario(results.base).get("sources")))
    if results.backcast is not None:
        sections.append(backcast_section(results.backcast))
    sections += [*extra, model_section(results)]
    meta = (
        f"{len(results.labels)} scenario{'s' if len(results.labels) > 1 else ''}, {about['replications']} replications each, "
        f"seed {about['seed']}, {about['days']} days from {about['start_date']}; flowsim {about['flowsim_version']}, {about['created']}"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>{_escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{_escape(title)}</h1>\n<p class='meta'>{_escape(meta)}</p>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def write_report(results: ExperimentResults, path: Path, progress: bool = False, extra: Iterable[str] = ()) -> Path:
    """Write the report atomically to `path` (`extra` sections as `render`)."""
    page = render(results, progress, extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path



def write_results(results: ExperimentResults, folder: Path, report: bool = False, progress: bool = False) -> list[Path]:
    """A results folder: the results' files, the workbook, the plots through the year, the comparison plot when
    there are options, and (with `report`) report.html first; return the paths written."""
    written = [*results.write(folder), experiment_workbook(results, folder)]
    written += [save_figure(figure, folder / f"{name}.png") for name, figure in figures(results)]
    if report:
        written.insert(0, write_report(results, folder / "report.html", progress=progress))
    return written
