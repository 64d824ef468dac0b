"""The `flowsim` command: run, compare and sweep scenarios from the shell.

    flowsim run scenarios/oxfordshire_2017.yaml --replications 20 [--report]
    flowsim compare BASE.yaml OPTION.yaml [OPTION2.yaml ...] [--report]
    flowsim compare BASE.yaml OPTION.yaml ... --rank dtoc_bed_days_per_year --indifference 500
    flowsim report RESULTS_DIR
    flowsim run SCENARIO.yaml --event-log; flowsim animate RESULTS_DIR
    flowsim sweep BASE.yaml GRID.yaml
    flowsim warmup SCENARIO.yaml
    flowsim validate scenarios/oxfordshire_2017.yaml
    flowsim discharges scenarios/oxfordshire_2017.yaml --target 0.92
    flowsim optimise scenarios/oxfordshire_2017.yaml scenarios/plans/oxfordshire_beds_and_care.yaml
    flowsim stress scenarios/oxfordshire_2017.yaml --demand 0.9:1.3:0.05 [--find occupancy_mean:0.92]
    flowsim kpis
    flowsim schema [--out docs/scenarios.md]
    flowsim app [--port 8501] [--no-browser]

This module only reads arguments, calls the package and prints. Every
argument and scenario is checked before the first replication runs. Exit
statuses: 0 success; 2 invalid input or arguments (one message naming the
file and field, or the argument, and nothing written); 1 a failed invariant
or an internal error (a fault of flowsim, to be reported); 130 interrupted.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import yaml
from tqdm import tqdm

from flowsim import __version__
from flowsim.analysis.capacity_search import (
    load_plan,
    optimise_capacity,
    search_problem,
)
from flowsim.analysis.planning import (
    LEVERS,
    POST_HOSPITAL,
    CapacityPlan,
    capacity_for_target,
    check_plan,
    post_hospital_levers,
    required_discharges,
)
from flowsim.analysis.ranking import rank_options, ranking_in_words
from flowsim.analysis.appraisal import with_escalation_held
from flowsim.analysis.stress import (
    RUNAWAY,
    breaking_point,
    breaking_point_in_words,
    stress,
)
from flowsim.analysis.sweep import grid_scenarios, load_grid, run_sweep
from flowsim.analysis.validation import (
    backcast_files,
    backcast_table,
    check_backcast,
    check_measures,
    role_summary,
    with_validation,
)
from flowsim.app import DEFAULT_PORT, launch
from flowsim.engine.register import ConservationError
from flowsim.experiment import (
    SCHEDULER_VARIABLE,
    Replication,
    ReplicationStore,
    Runner,
    WarmupAnalysis,
    analyse_warmup,
    default_scheduler,
    run_experiment,
    run_until_precise,
)
from flowsim.files import write_atomically
from flowsim.model.system import simulate
from flowsim.output.animation import animate, replication_event_log, write_event_logs
from flowsim.output.formatting import change, interval, number, percent
from flowsim.output.optimisation import (
    ANSWER,
    answer_in_words,
    optimisation_section,
    read_answer,
    write_answer,
    write_optimisation_report,
)
from flowsim.output.plots import heatmap_figure, save_figure, warmup_figure
from flowsim.output.report import write_report, write_results
from flowsim.output.stress import stress_figure
from flowsim.output.workbook import experiment_workbook, run_workbook
from flowsim.results.catalogue import (
    DAILY,
    KPIS,
    Measure,
    current_name,
    measure,
    produced_by,
)
from flowsim.results.event_log import event_log
from flowsim.results.experiment_results import ExperimentResults
from flowsim.results.kpis import HEADLINE_KPIS
from flowsim.results.readable import for_reading
from flowsim.scenario import CAPACITY_FIELDS, Scenario, ScenarioError, load_scenario
from flowsim.scenario.reference import reference
from flowsim.statistics import mser5_limit

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
"""Exit statuses: success; a failed invariant or internal error; invalid input or arguments; interrupted."""

# Arguments -----------------------------------------------------------------------

def _number(kind: type[int] | type[float], low: float, inclusive: bool) -> Callable[[str], Any]:
    """An argparse type: a whole number (`kind` int) or a finite number (float) of `low` or more
    (`inclusive`) or above `low`."""
    words = "a whole number" if kind is int else "a number"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {words}") from None
        if inclusive and value < low:
            raise argparse.ArgumentTypeError(f"must be {low:g} or more, got {text}")
        if not inclusive and not (low < value < math.inf):
            raise argparse.ArgumentTypeError(f"must be a finite number above {low:g}, got {text}")
        return value

    return parse


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of `minimum` or more."""
    return _number(int, minimum, inclusive=True)


def _above(minimum: float) -> Callable[[str], float]:
    """An argparse type: a finite number above `minimum`."""
    return _number(float, minimum, inclusive=False)


def _demand_range(text: str) -> list[float]:
    """An argparse type: FROM:TO:STEP demand multipliers (0.9:1.3:0.05), both ends included."""
    parts = text.split(":")
    try:
        low, high, step = (float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not FROM:TO:STEP, for example 0.9:1.3:0.05") from None
    if not (0 < low < high and 0 < step <= high - low and math.isfinite(high)):
        raise argparse.ArgumentTypeError(f"{text!r}: needs 0 < FROM < TO and 0 < STEP <= TO - FROM")
    count = math.floor((high - low) / step + 1e-9) + 1
    return [round(low + i * step, 10) for i in range(count)]


def _crossing(text: str) -> tuple[str, float]:
    """An argparse type: KPI:THRESHOLD (occupancy_mean:0.92), or `runaway` (half the replications run away)."""
    kpi, colon, threshold = text.partition(":")
    if kpi == RUNAWAY and not colon:
        return kpi, 0.5
    try:
        return current_name(kpi.strip()), float(threshold)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not KPI:THRESHOLD (occupancy_mean:0.92) or runaway") from None


def _setting(text: str) -> tuple[str, Any]:
    """An argparse type: one `--set key.path=value`, the value read as YAML (a number, a word, a list)."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip() or any(not part for part in key.strip().split(".")):
        raise argparse.ArgumentTypeError(f"{text!r} is not key.path=value (for example wards.general_beds=600)")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError:
        raise argparse.ArgumentTypeError(f"{text!r}: the value is not a number, a word or a [list]") from None


def _overrides(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """The values set on the command line, and for each the argument that set it (for error messages)."""
    chosen = {"days": ("--days", args.days), "warmup_days": ("--warmup-days", getattr(args, "warmup_days", None))}
    values = {key: value for key, (_, value) in chosen.items() if value is not None}
    sources = {key: option for key, (option, value) in chosen.items() if value is not None}
    for key, value in getattr(args, "set", None) or []:
        values[key], sources[key] = value, f"--set {key}"
    return values, sources


def _load(path: str, args: argparse.Namespace) -> Scenario:
    values, sources = _overrides(args)
    return load_scenario(path, values, sources)


def _load_labelled(paths: list[str], args: argparse.Namespace) -> dict[str, Scenario]:
    """Scenarios keyed by name (by file name where names repeat, numbered where both do); all validated first."""
    scenarios = [_load(path, args) for path in paths]
    names = [s.name for s in scenarios]
    labels = [s.name if names.count(s.name) == 1 else Path(p).stem for s, p in zip(scenarios, paths)]
    labels = [f"{label} ({i + 1})" if labels.count(label) > 1 else label for i, label in enumerate(labels)]
    return dict(zip(labels, scenarios))


def _scheduler(args: argparse.Namespace) -> str | None:
    """The Dask scheduler to use, checked to answer within a few seconds (None: run locally)."""
    address = args.scheduler or default_scheduler()
    if address is None:
        return None
    option = "--scheduler" if args.scheduler else SCHEDULER_VARIABLE
    where = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = where.port
    except ValueError:
        port = None
    if not where.hostname or port is None:
        raise ScenarioError(f"{option} {address}: not a Dask scheduler address such as tcp://10.0.0.5:8786")
    try:
        socket.create_connection((where.hostname, port), timeout=5).close()
    except OSError as error:
        raise ScenarioError(f"{option} {address}: cannot reach the Dask scheduler ({error.strerror or error})") from None
    return address


def _runner(args: argparse.Namespace) -> Runner:
    return Runner(workers=args.workers, scheduler=_scheduler(args), progress=not args.quiet)


def _writable_folder(path: Path, option: str = "--out") -> Path:
    """`path` if it is, or can become, a folder this process can write in; checked without creating anything."""
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if path.exists() and not path.is_dir():
        raise ScenarioError(f"{option} {path}: is a file, not a folder")
    if not existing.is_dir():
        raise ScenarioError(f"{option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ScenarioError(f"{option} {path}: {existing} cannot be written to")
    return path


def _folder(args: argparse.Namespace, default: str) -> Path:
    return _writable_folder(Path(args.out) if args.out else Path("outputs") / default)


@contextmanager
def _day_bar(scenario: Scenario, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the simulated days of one run (none if --quiet)."""
    if quiet:
        yield None
        return
    total = scenario.warmup_days + scenario.days
    with tqdm(total=total, unit="day", leave=False, desc=scenario.name) as bar:
        yield lambda day: bar.update(day - bar.n)


# Printing ------------------------------------------------------------------------

def _unit(name: str) -> str:
    """A KPI's unit, from the catalogue."""
    return measure(name).unit


def format_kpis(kpis: pd.DataFrame, title: str) -> str:
    """A single run's KPI table as text: name, value, unit, meaning (unit and meaning from the catalogue)."""
    lines = [title, "-" * len(title)]
    for name, value in kpis["value"].items():
        this = measure(str(name))
        lines.append(f"{name:<44} {number(value, this.unit):>12}  {this.unit:<16} {this.description}")
    return "\n".join(lines)


def format_catalogue(catalogue: dict[str, Measure]) -> str:
    """Every measure of a catalogue: name, unit, bounds, which way is better, and what it means."""
    lines = [f"{'measure':<44} {'unit':<16} {'bounds':<10} {'better':<8} description"]
    for each in catalogue.values():
        needs = f" (when the scenario has {each.needs.replace('_', ' ')})" if each.needs else ""
        lines.append(f"{each.name:<44} {each.unit:<16} {each.bounds:<10} {each.better:<8} {each.description}{needs}")
    return "\n".join(lines)


def format_summary(summary: pd.DataFrame, title: str) -> str:
    """KPI means with 95% intervals and relative half-widths."""
    lines = [title, "-" * len(title), f"{'kpi':<44} {'mean':>12} {'95% interval':>27} {'±%':>7}  unit"]
    for name, row in summary.iterrows():
        unit = _unit(str(name))
        lines.append(
            f"{name:<44} {number(row['mean'], unit):>12} {interval(row['lower'], row['upper'], unit):>27} "
            f"{percent(row['relative_half_width']):>7}  {unit}"
        )
    return "\n".join(lines)


def format_comparison(comparison: pd.DataFrame, base: str) -> str:
    """Each option against the base; '≈' marks differences the data cannot tell from zero."""
    blocks = []
    for option, rows in comparison.groupby("option", sort=False):
        title = f"{option} against {base} (paired by replication; ≈: interval includes zero)"
        lines = [title, "-" * len(title), f"{'kpi':<44} {'base':>12} {'option':>12} {'difference (95% interval)':>38}"]
        for _, row in rows.iterrows():
            unit = _unit(row["kpi"])
            mark = " " if row["distinguishable"] else "≈"
            lines.append(
                f"{row['kpi']:<44} {number(row['base_mean'], unit):>12} {number(row['option_mean'], unit):>12} "
                f"{mark} {change(row['difference'], unit):>12} ({interval(row['lower'], row['upper'], unit, signed=True)})"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def format_validation(table: pd.DataFrame, title: str) -> str:
    """Published figures against the model: mean, 95% interval, tolerance and verdict (✓ within, ✗ not)."""
    lines = [title, "-" * len(title), f"{'':2}{'published figure':<58} {'published':>11} {'model (95% interval)':>36} {'±':>9}  role"]
    for _, row in table.iterrows():
        unit = row["unit"]
        model = f"{number(row['mean'], unit)} ({interval(row['lower'], row['upper'], unit)})"
        mark = "✓" if row["within"] else "✗"
        lines.append(
            f"{mark} {row['figure'][:58]:<58} {number(row['published'], unit):>11} {model:>36} {number(row['tolerance'], unit):>9}  {row['role']}"
        )
    lines.append(
        "✓: the model's mean is within the tolerance of the published figure. fitted: a parameter was tuned to it; "
        "check: not tuned to; context: another basis, not expected to match. Sources, reasons and notes: validation.csv"
    )
    return "\n".join(lines)


def format_backcast(table: pd.DataFrame, title: str) -> str:
    """Each published change against the model's predicted change (after less before, paired by replication):
    its 95% interval and the range of one year's change, and whether the published change lies in each."""
    lines = [
        title, "-" * len(title),
        f"{'':2}{'change / measure':<48} {'published':>28} {'model (95% interval)':>34}  in  {'one year (95% range)':>24}  in",
    ]  # fmt: skip
    for _, row in table.iterrows():
        unit = row["unit"]
        published = f"{number(row['published_before'], unit)} → {number(row['published_after'], unit)} ({change(row['published_change'], unit)})"
        model = f"{change(row['model_change'], unit)} ({interval(row['lower'], row['upper'], unit, signed=True)})"
        spread = interval(row["range_lower"], row["range_upper"], unit, signed=True)
        lines += [
            f"  {row['change']}",
            f"    {row['measure'][:46]:<46} {published:>28} {model:>34}  {'✓' if row['in_interval'] else '✗':<2}  {spread:>24}  "
            f"{'✓' if row['in_range'] else '✗'}",
        ]
    hits, near = int(table.in_interval.sum()), int(table.in_range.sum())
    lines.append(
        f"{hits} of {len(table)} published changes lie in the model's 95% interval; {near} of {len(table)} in its 95% range "
        "for one year's change (years differ by chance as well as by the change). Units, sources and notes: backcast.csv"
    )
    return "\n".join(lines)


def _precision_kpis(args: argparse.Namespace, scenario: Scenario) -> list[str]:
    """The KPIs --precision applies to, each checked to be one the scenario's runs produce."""
    kpis = [current_name(name.strip()) for name in args.kpis.split(",") if name.strip()]
    unknown = [name for name in kpis if name not in produced_by(scenario)]
    if unknown or not kpis:
        raise ScenarioError(
            f"--kpis {args.kpis}: {', '.join(unknown) or 'no name'} is not a KPI of {scenario.name}; "
            "give names separated by commas, as `flowsim kpis` lists them"
        )
    return kpis


def _write_csv(table: pd.DataFrame, path: Path, index: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: table.to_csv(tmp, index=index))
    return path


def _done(written: list[Path], out: Path, results: ExperimentResults | None = None) -> None:
    """The one line that ends every command: what was written where (and what was run), after any warnings."""
    if results is not None and (warnings := results.warnings()):
        print("\n" + "\n".join(f"WARNING: {words}" for words in warnings), file=sys.stderr)
    runs = f" ({results.ran} replications run, {results.reused} reused)" if results else ""
    print(f"\nWrote {', '.join(p.name for p in written)} to {out}{runs}")


# Commands ------------------------------------------------------------------------

def _run(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    check_measures(scenario, args.scenario)
    single = args.replications == 1 and args.precision is None
    if single and args.report:
        raise ScenarioError("--report needs intervals: add --replications N (N of 2 or more) or --precision")
    kpis = _precision_kpis(args, scenario) if args.precision is not None else []
    out = _folder(args, f"{scenario.name}-seed{args.seed}")
    if single:
        with _day_bar(scenario, args.quiet) as tick:
            result = simulate(scenario, seed=args.seed, progress=tick)
        written = [*result.write(out, patients=not args.no_patients), run_workbook(result, out)]
        if args.event_log:
            written += write_event_logs(scenario, args.seed, {result.replication: event_log(result)}, out)
        print(format_kpis(result.kpis, f"{scenario.name} (seed {args.seed}, {scenario.days} days)"))
        if result.runaway is not None:
            print(f"\nWARNING: {result.runaway.describe(scenario.warmup_days)}: these figures are not a steady state", file=sys.stderr)
        _done(written, out)
        return EXIT_OK
    runner, store, files = _runner(args), ReplicationStore(out / "replications"), {scenario.name: args.scenario}
    note = ""
    if args.precision is None:
        results = run_experiment({scenario.name: scenario}, args.replications, args.seed, store, runner, files, args.command_line)
    else:
        start = max(args.replications, 5)
        results, needed = run_until_precise(
            scenario, kpis, args.precision, args.seed, start, args.max_replications, store, runner, files, args.command_line
        )
        note = (
            f"\n{needed} replications give a 95% relative half-width within {args.precision:.1%} for {', '.join(kpis)}"
            if needed
            else f"\nnot within {args.precision:.1%} after {args.max_replications} replications; raise --max-replications"
        )
    results = with_validation(results, scenario)
    written = write_results(results, out, args.report, progress=not args.quiet)
    if args.event_log:
        work = [Replication(scenario.name, scenario, args.seed, r) for r in range(results.replications(scenario.name))]
        logs = {item.replication: log for item, log in runner.map(replication_event_log, work)}
        written += write_event_logs(scenario, args.seed, logs, out)
    title = f"{scenario.name}: {results.replications(scenario.name)} replications, seed {args.seed}, {scenario.days} days"
    print(format_summary(results.summary(scenario.name), title))
    print(note)
    _done(written, out, results)
    return EXIT_OK


def _animate(args: argparse.Namespace) -> int:
    folder = Path(args.results)
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such results folder")
    path = Path(args.out) if args.out else folder / f"animation_replication_{args.replication:05d}.html"
    _writable_folder(path.parent)
    animate(folder, path, args.days, args.replication, args.every_hours)
    _done([path], path.parent)
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    paths = [args.base, *args.options]
    scenarios = _load_labelled(paths, args)
    base = next(iter(scenarios))
    check_measures(scenarios[base], args.base)
    if args.hold_escalation:
        try:
            scenarios = with_escalation_held(scenarios)
        except ValueError as error:
            raise ScenarioError(f"--hold-escalation: {error}") from None
    if args.rank is not None:
        return _rank(args, scenarios, base)
    out = _folder(args, f"compare-{base}")
    runner, store = _runner(args), ReplicationStore(out / "replications")
    results = run_experiment(scenarios, args.replications, args.seed, store, runner, dict(zip(scenarios, paths)), args.command_line)
    results = with_validation(results, scenarios[base])
    written = write_results(results, out, args.report, progress=not args.quiet)
    comparison = results.comparison()
    headline = comparison["kpi"].isin(("dtoc_bed_days_per_year", *HEADLINE_KPIS))
    print(format_comparison(comparison if args.all_kpis else comparison[headline], base))
    _done(written, out, results)
    return EXIT_OK


def _rank(args: argparse.Namespace, scenarios: dict[str, Scenario], base: str) -> int:
    """`compare --rank KPI`: KN++ on the options, adding replications only where the answer is still open."""
    kpi = current_name(args.rank)
    if kpi not in produced_by(scenarios[base]):
        raise ScenarioError(f"--rank {args.rank}: not a KPI of {scenarios[base].name}; `flowsim kpis` lists them")
    if not args.confidence < 1:
        raise ScenarioError(f"--confidence {args.confidence}: must be below 1")
    if args.indifference is None:
        raise ScenarioError(f"--rank {kpi}: needs --indifference, the difference in {measure(kpi).unit} that does not matter")
    out = _folder(args, f"rank-{base}-{kpi}")
    ranking = rank_options(
        scenarios, kpi, args.indifference, args.confidence, args.first_stage, args.max_replications, args.seed,
        ReplicationStore(out / "replications"), _runner(args),
    )  # fmt: skip
    written = [_write_csv(ranking.table, out / "ranking.csv", index=False)]
    print(ranking.table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print("\n" + ranking_in_words(ranking))
    _done(written, out)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    path = Path(args.out) if args.out else Path(args.results) / "report.html"
    if path.is_dir():
        raise ScenarioError(f"--out {path}: is a folder; give the HTML file to write")
    searched = [Path(folder) for folder in (args.results, args.optimisation) if folder and (Path(folder) / ANSWER).exists()]
    if args.optimisation and Path(args.optimisation) not in searched:
        raise ScenarioError(f"--optimisation {args.optimisation}: has no {ANSWER}; give the --out folder of `flowsim optimise`")
    _writable_folder(path.parent)
    if searched and searched[0] == Path(args.results):  # the folder of `flowsim optimise` itself
        result, words, constraints = read_answer(searched[0])
        write_optimisation_report(result, words, f"The capacity plan ({searched[0].name})", path, constraints)
    else:
        sections = [optimisation_section(*read_answer(folder)) for folder in searched]
        write_report(ExperimentResults.read(args.results), path, progress=True, extra=sections)
    _done([path], path.parent)
    return EXIT_OK


def _sweep(args: argparse.Namespace) -> int:
    grid = load_grid(args.grid)
    scenarios = grid_scenarios(args.base, args.grid, grid, *_overrides(args))
    out = _folder(args, f"sweep-{Path(args.grid).stem}")
    sweep = run_sweep(scenarios, grid, args.replications, args.seed, ReplicationStore(out / "replications"), _runner(args))
    figure = heatmap_figure(sweep.square, grid.heatmap, measure(grid.heatmap).unit, grid.target)
    readable = for_reading(sweep.table, sweep.table["unit"], ["mean", "lower", "upper", "half_width"])
    written = [
        _write_csv(sweep.table, out / "sweep.csv", index=False),
        save_figure(figure, out / "sweep.png"),
        experiment_workbook(sweep.results, out, {"sweep": readable}),
    ]
    print(f"{grid.heatmap} (mean of {args.replications} replications)\n{sweep.square.to_string()}")
    _done(written, out, sweep.results)
    return EXIT_OK


def _warmup(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    out = _folder(args, f"{scenario.name}-warmup")
    analysis = analyse_warmup(scenario, args.replications, args.days, args.seed, runner=_runner(args))
    table = pd.concat({m: t.mean(axis=1) for m, t in analysis.series.items()}, axis=1)
    written = [
        _write_csv(table, out / "warmup.csv"),
        save_figure(warmup_figure(analysis.series, analysis.averages, analysis.recommended_days), out / "warmup.png"),
    ]
    print(f"MSER-5 truncation point of each daily measure ({args.replications} replications from empty):")
    for name, days in analysis.truncation.items():
        print(f"  {name:<24} {days:>5} days")
    print(
        f"Recommended warm-up: {analysis.recommended_days} days (the longest, in whole weeks); "
        f"the scenario has {scenario.warmup_days}."
    )
    if analysis.too_short:
        print(_warmup_warning(analysis, args.days))
    _done(written, out)
    return EXIT_OK


def _warmup_warning(analysis: WarmupAnalysis, days: int) -> str:
    """Why the recommendation cannot be trusted, and the run length that could tell."""
    if analysis.capped:
        why = (
            f"{', '.join(analysis.capped)} had not settled within half the run: MSER-5 searches only the first "
            f"{mser5_limit(days)} days of {days}, so the warm-up needed is longer than it can show"
        )
    else:
        why = f"the warm-up found leaves fewer than twice its days of a {days}-day run to judge it against"
    return f"Warning: {why}. Rerun with --days {analysis.suggested_days} or more."


def _validate(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    if not scenario.validation:
        raise ScenarioError(f"{args.scenario}: validation: the scenario lists no published figures to check")
    check_measures(scenario, args.scenario)
    sides = _backcast_sides(scenario, args) if args.backcast else {}
    out = _folder(args, f"{scenario.name}-validation-seed{args.seed}")
    runner, store = _runner(args), ReplicationStore(out / "replications")
    results = run_experiment(
        {scenario.name: scenario}, args.replications, args.seed, store, runner, {scenario.name: args.scenario}, args.command_line
    )
    results = with_validation(results, scenario)
    assert results.validation is not None
    if sides:
        changes = run_experiment(
            {label: side for label, side in sides.values()}, args.replications, args.seed, store, runner,
            {label: path for path, (label, _) in sides.items()}, args.command_line,
        )  # fmt: skip
        results = replace(
            results, backcast=backcast_table(scenario, sides, changes), ran=results.ran + changes.ran, reused=results.reused + changes.reused
        )
    written = write_results(results, out, args.report, progress=not args.quiet)
    title = f"{scenario.name} against published figures: {args.replications} replications, seed {args.seed}, {scenario.days} days"
    print(format_validation(results.validation, title))
    print(f"\n{role_summary(results.validation)}")
    if results.backcast is not None:
        title = f"{scenario.name} back-cast: the county's published changes, {args.replications} replications a side, seed {args.seed}"
        print("\n" + format_backcast(results.backcast, title))
    _done(written, out, results)
    return EXIT_OK


def _backcast_sides(scenario: Scenario, args: argparse.Namespace) -> dict[Path, tuple[str, Scenario]]:
    """The scenario files of the back-cast, loaded with the command line's settings and checked before anything
    runs: each file's label and scenario, by file."""
    if not scenario.backcast:
        raise ScenarioError(f"{args.scenario}: backcast: the scenario lists no published changes to back-cast")
    paths = backcast_files(scenario)
    labelled = _load_labelled([str(path) for path in paths], args)
    sides = {path: (label, side) for path, (label, side) in zip(paths, labelled.items())}
    check_backcast(scenario, {path: side for path, (_, side) in sides.items()}, args.scenario)
    return sides


def _discharges(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    named = tuple(name.strip() for name in (args.levers or "").split(",") if name.strip())
    levers = named or post_hospital_levers(scenario)
    check_plan(scenario, levers, args.replications)
    out = _folder(args, f"{scenario.name}-discharges-seed{args.seed}")
    runner, store = _runner(args), ReplicationStore(out / "replications")
    results = run_experiment({scenario.name: scenario}, args.replications, args.seed, store, runner)
    needed = required_discharges(results, scenario.name)
    print(f"{scenario.name}: discharges a day by day of the week ({args.replications} replications, seed {args.seed})")
    print(needed.round(1).to_string(na_rep="—"))
    print("swing: beds between the week's lowest and highest midnight under each pattern; —: no such day in the run\n")
    choices = [(lever,) for lever in levers] + [levers] if args.each and len(levers) > 1 else [levers]
    plans = [
        capacity_for_target(scenario, args.target, args.replications, args.seed, args.limit, args.steps, runner, store, chosen)
        for chosen in choices
    ]
    for plan in plans:
        print(format_plan(plan, args.limit))
    trials = pd.concat([plan.trials.assign(levers=" + ".join(plan.levers)) for plan in plans], ignore_index=True)
    written = [_write_csv(needed, out / "discharges.csv"), _write_csv(trials, out / "capacity_plan.csv", index=False)]
    ran, reused = results.ran + sum(p.ran for p in plans), results.reused + sum(p.reused for p in plans)
    print(f"\nWrote {', '.join(p.name for p in written)} to {out} ({ran} replications run, {reused} reused)")
    return EXIT_OK


def _optimise(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    plan = load_plan(args.plan)
    levers, constraints, settings = search_problem(scenario, plan, args.plan)
    out = _folder(args, f"{scenario.name}-optimise-{Path(args.plan).stem}-seed{args.seed}")
    result, evaluate = optimise_capacity(scenario, plan, args.seed, _runner(args), ReplicationStore(out / "replications"), args.plan)
    words = answer_in_words(result, levers, constraints, settings)
    written = write_answer(result, out, constraints, words)
    if args.report:
        title = f"{scenario.name}: the capacity plan ({Path(args.plan).name})"
        written.insert(0, write_optimisation_report(result, words, title, out / "report.html", constraints))
    print(words)
    print(f"\n({evaluate.ran} replications run, {evaluate.reused} reused from {out / 'replications'})")
    _done(written, out)
    return EXIT_OK


def _stress(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args)
    if args.find is not None and args.find[0] not in (RUNAWAY, *produced_by(scenario)):
        raise ScenarioError(f"--find {args.find[0]}: not a KPI of {scenario.name}; `flowsim kpis` lists them")
    out = _folder(args, f"{scenario.name}-stress-seed{args.seed}")
    runner, store = _runner(args), ReplicationStore(out / "replications")
    result = stress(scenario, args.demand, args.replications, args.seed, store, runner)
    written = [
        _write_csv(result.table, out / "stress.csv", index=False),
        save_figure(stress_figure(result.table, scenario.name), out / "stress.png"),
    ]
    means = result.table.pivot(index="kpi", columns="demand", values="mean").reindex(list(dict.fromkeys(result.table.kpi)))
    print(f"{scenario.name}: means over the stable replications by demand multiplier ({args.replications} replications a level; "
          "intervals in stress.csv; runaway: the share that ran away)")  # fmt: skip
    print(means.to_string(float_format=lambda v: f"{v:,.3f}"))
    if args.find is not None:
        kpi, threshold = args.find
        low, high = args.demand[0], args.demand[-1]
        point = breaking_point(scenario, kpi, threshold, low, high, args.replications, args.steps, args.seed, store, runner)
        written.append(_write_csv(point.tried, out / "breaking_point.csv", index=False))
        print("\n" + breaking_point_in_words(point, args.replications))
    _done(written, out)
    return EXIT_OK
def format_plan(plan: CapacityPlan, limit: float) -> str:
    """The trials of one capacity plan and its answer, every number in its unit (no NaN)."""
    levers = " + ".join(plan.levers)
    title = f"{levers}, one factor, for acute occupancy at or below {plan.target:.0%} with 95% confidence"
    capacities = [column for column in plan.trials.columns if column in CAPACITY_FIELDS]
    lines = [title, "-" * len(title), f"{'uplift':>7}  " + "".join(f"{c:>28}" for c in capacities) + f"  {'occupancy (95% interval)':>28}  holds"]
    for _, row in plan.trials.iterrows():
        occupancy = f"{number(row['mean'], 'share')} ({interval(row['lower'], row['upper'], 'share')})"
        lines.append(
            f"{row['uplift']:>7.3f}  " + "".join(f"{number(row[c]):>28}" for c in capacities)
            + f"  {occupancy:>28}  {'yes' if row['holds_target'] else 'no'}"
        )
    if plan.uplift is None:
        lines.append(f"Not reached by {limit:.2f} times today's capacity: the rest is clinical stay and other delays.")
    else:
        lines.append(f"Needed: {plan.uplift:.3f} times today's {levers} (the interval's upper end at or below the target).")
    return "\n".join(lines) + "\n"


def _kpis(args: argparse.Namespace) -> int:
    print(format_catalogue(DAILY if args.daily else KPIS))
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    if args.out is None:
        print(reference(), end="")
        return EXIT_OK
    path = Path(args.out)
    if path.is_dir():
        raise ScenarioError(f"--out {path}: is a folder; give the Markdown file to write")
    _writable_folder(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: tmp.write_text(reference()))
    _done([path], path.parent)
    return EXIT_OK


def _app(args: argparse.Namespace) -> int:
    return launch(args.port, open_browser=not args.no_browser)


# Parser --------------------------------------------------------------------------

def _common(command: argparse.ArgumentParser, replications: int | None) -> None:
    """The options every simulating command takes; `replications` None for one that chooses its own."""
    command.add_argument("--seed", type=_at_least(0), default=0, help="random seed, 0 or more (default 0)")
    command.add_argument("--days", type=int, help="days of results (overrides the scenario's `days`)")
    command.add_argument("--warmup-days", type=int, help="days of warm-up (overrides the scenario's `warmup_days`)")
    command.add_argument(
        "--set", type=_setting, action="append", metavar="KEY.PATH=VALUE",
        help="set one scenario field, checked like the file (repeatable), e.g. --set reablement.hours_per_month=8440",
    )  # fmt: skip
    if replications is not None:
        command.add_argument(
            "--replications", type=_at_least(1), default=replications, help=f"replications, 1 or more (default {replications})"
        )
    command.add_argument("--out", help="output folder (default under outputs/); files already in it are kept")
    command.add_argument("--workers", type=_at_least(1), help="local processes, 1 or more (default: every core)")
    command.add_argument("--scheduler", help="Dask scheduler address (default: $FLOWSIM_SCHEDULER, else local)")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowsim",
        description=__doc__.splitlines()[0],
        epilog="Exit statuses: 0 success, 2 invalid input or arguments, 1 a failed invariant or internal error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"flowsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="simulate a scenario: one run's tables, or replications with intervals")
    run.add_argument("scenario", help="scenario YAML file")
    _common(run, replications=1)
    run.add_argument("--report", action="store_true", help="also write report.html (needs --replications N)")
    run.add_argument("--precision", type=_above(0.0), help="add replications until the relative half-width is within this")
    run.add_argument(
        "--kpis", default="delayed_bed_days_per_day,occupancy_mean",
        help="KPIs --precision applies to, separated by commas (`flowsim kpis` lists them)",
    )  # fmt: skip
    run.add_argument("--max-replications", type=_at_least(1), default=200, help="stop --precision here (default 200)")
    run.add_argument(
        "--no-patients", action="store_true", help="one run: leave out the patients table (large for a county year)"
    )
    run.add_argument(
        "--event-log", action="store_true",
        help="also write each replication's event log for animation (event_log/, read by `flowsim animate`)",
    )  # fmt: skip
    run.set_defaults(handler=_run)

    animation = commands.add_parser("animate", help="an animated HTML page of a few weeks of patients, from a run's event log")
    animation.add_argument("results", help="the --out folder of `flowsim run ... --event-log`")
    animation.add_argument("--replication", type=_at_least(0), default=0, help="which replication (default 0)")
    animation.add_argument("--days", type=_at_least(1), default=21, help="days after the warm-up to animate (default 21)")
    animation.add_argument("--every-hours", type=_at_least(1), default=6, help="hours between frames (default 6)")
    animation.add_argument("--out", help="the HTML file (default RESULTS/animation_replication_NNNNN.html)")
    animation.set_defaults(handler=_animate)

    compare = commands.add_parser("compare", help="options against a base with common random numbers")
    compare.add_argument("base", help="base scenario YAML file")
    compare.add_argument("options", nargs="+", help="option scenario YAML files")
    _common(compare, replications=20)
    compare.add_argument("--all-kpis", action="store_true", help="print every KPI, not only the headline ones")
    compare.add_argument(
        "--hold-escalation",
        action="store_true",
        help="run the base's escalation plan in every option as it ran in the base (same seed and replication), "
        "so beds an option frees reach the front door instead of closing escalation beds",
    )
    compare.add_argument("--report", action="store_true", help="also write report.html: the answer, tables, plots, model")
    compare.add_argument(
        "--rank", metavar="KPI", help="find the best option on this KPI by KN++ (replications only where needed) instead"
    )
    compare.add_argument("--indifference", type=_above(0.0), help="with --rank: a difference in the KPI's unit that does not matter")
    compare.add_argument(
        "--confidence", type=_above(0.5), default=0.95, help="with --rank: the probability the answer holds (default 0.95)"
    )
    compare.add_argument("--first-stage", type=_at_least(2), default=10, help="with --rank: replications each first (default 10)")
    compare.add_argument("--max-replications", type=_at_least(2), default=100, help="with --rank: most an option runs (default 100)")
    compare.set_defaults(handler=_compare)

    report = commands.add_parser("report", help="write report.html from the results folder of run, compare or optimise")
    report.add_argument(
        "results", help="results folder (the --out of `flowsim compare`, `flowsim run --replications N` or `flowsim optimise`)"
    )
    report.add_argument("--out", help="the HTML file (default RESULTS/report.html)")
    report.add_argument(
        "--optimisation", metavar="FOLDER", help="also add the capacity plan section from this `flowsim optimise` folder"
    )
    report.set_defaults(handler=_report)

    sweep = commands.add_parser("sweep", help="a grid of overrides of one scenario")
    sweep.add_argument("base", help="scenario YAML file")
    sweep.add_argument("grid", help="grid YAML file: parameters (dotted field: [values]) and heatmap (KPI)")
    _common(sweep, replications=10)
    sweep.set_defaults(handler=_sweep)

    warmup = commands.add_parser("warmup", help="analyse the warm-up period (Welch's plot, MSER-5)")
    warmup.add_argument("scenario", help="scenario YAML file")
    _common(warmup, replications=5)
    warmup.set_defaults(handler=_warmup, days=365)

    validate = commands.add_parser("validate", help="replications of a scenario against the published figures it lists")
    validate.add_argument("scenario", help="scenario YAML file with a `validation:` list")
    _common(validate, replications=10)
    validate.add_argument("--report", action="store_true", help="also write report.html (the table, KPIs and plots)")
    validate.add_argument(
        "--backcast", action="store_true",
        help="also run the scenario's `backcast:` changes, each a pair of scenarios with common random numbers, and "
        "set the model's predicted change against the published one (writes backcast.csv)",
    )  # fmt: skip
    validate.set_defaults(handler=_validate)

    discharges = commands.add_parser(
        "discharges", help="discharges a day needed to keep pace, and post-hospital capacity for a target occupancy"
    )
    discharges.add_argument("scenario", help="scenario YAML file")
    _common(discharges, replications=10)
    discharges.add_argument("--target", type=_above(0.0), default=0.92, help="mean acute occupancy to reach (default 0.92)")
    discharges.add_argument("--limit", type=_above(1.0), default=2.0, help="largest capacity factor to try, above 1 (default 2)")
    discharges.add_argument("--steps", type=_at_least(0), default=5, help="halvings of [1, limit] (default 5)")
    discharges.add_argument(
        "--levers",
        help=f"capacities raised by one factor, separated by commas, from {', '.join(LEVERS)} "
        f"(default: those of {','.join(POST_HOSPITAL)} the scenario has)",
    )  # fmt: skip
    discharges.add_argument("--each", action="store_true", help="also find each lever's uplift on its own")
    discharges.set_defaults(handler=_discharges)

    optimise = commands.add_parser(
        "optimise", help="the cheapest capacity plan that meets targets, with a stated confidence (a plan file)"
    )
    optimise.add_argument("scenario", help="scenario YAML file")
    optimise.add_argument("plan", help="plan YAML file: levers, constraints, indifference (see scenarios/plans/)")
    _common(optimise, replications=None)
    optimise.add_argument("--report", action="store_true", help="also write report.html with the answer, frontier and sensitivity")
    optimise.set_defaults(handler=_optimise)

    stress_command = commands.add_parser(
        "stress", help="a scenario across demand multipliers with common random numbers, and where it breaks"
    )
    stress_command.add_argument("scenario", help="scenario YAML file")
    _common(stress_command, replications=10)
    stress_command.add_argument(
        "--demand", type=_demand_range, default=_demand_range("0.9:1.3:0.05"), metavar="FROM:TO:STEP",
        help="demand multipliers (default 0.9:1.3:0.05)",
    )  # fmt: skip
    stress_command.add_argument(
        "--find", type=_crossing, metavar="KPI:THRESHOLD",
        help="also find by bisection the multiplier in the --demand range at which the KPI's mean crosses the "
        "threshold (or `runaway`: half the replications run away), with its 95%% interval",
    )  # fmt: skip
    stress_command.add_argument("--steps", type=_at_least(1), default=5, help="halvings of the range for --find (default 5)")
    stress_command.set_defaults(handler=_stress)

    kpis = commands.add_parser("kpis", help="list every KPI: name, unit, bounds, which way is better, meaning")
    kpis.add_argument("--daily", action="store_true", help="list the daily measures (census and flows) instead")
    kpis.set_defaults(handler=_kpis)

    schema = commands.add_parser("schema", help="print the scenario file reference (Markdown), or write it with --out")
    schema.add_argument("--out", help="the Markdown file to write (the repository's copy is docs/scenarios.md)")
    schema.set_defaults(handler=_schema)

    app = commands.add_parser("app", help="the browser app on 127.0.0.1: options, runs, the answer, the report (needs flowsim[app])")
    app.add_argument("--port", type=_at_least(1), default=DEFAULT_PORT, help=f"the port on 127.0.0.1 (default {DEFAULT_PORT})")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser (for tests and servers)")
    app.set_defaults(handler=_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (see the module's docstring)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or an argument argparse refused (it printed why)
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    args.command_line = shlex.join(["flowsim", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.handler(args)
    except ScenarioError as error:
        print(f"flowsim: invalid input\n{error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nflowsim: interrupted; finished replications are kept and a rerun reuses them", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and closed: not an error of the run
        sys.stderr.close()
        return EXIT_OK
    except ConservationError as error:
        print(f"flowsim: a model invariant failed: {error}\n{_report_it(args)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - anything else is a fault of flowsim, said in one message
        if os.environ.get("FLOWSIM_DEBUG"):
            raise
        print(f"flowsim: internal error: {type(error).__name__}: {error}\n{_report_it(args)}", file=sys.stderr)
        return EXIT_FAILED


def _report_it(args: argparse.Namespace) -> str:
    return (
        f"This is a fault in flowsim {__version__}, not in your input. Please report it to the flowsim maintainers "
        f"with the command ({args.command_line}) and the scenario files; FLOWSIM_DEBUG=1 shows the traceback."
    )


if __name__ == "__main__":
    sys.exit(main())
