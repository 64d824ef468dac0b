"""The `flowsim` command: run, compare and sweep scenarios from the shell.

    flowsim run scenarios/oxfordshire_2017.yaml --replications 20 [--report]
    flowsim compare BASE.yaml OPTION.yaml [OPTION2.yaml ...] [--report]
    flowsim report RESULTS_DIR
    flowsim sweep BASE.yaml GRID.yaml
    flowsim warmup SCENARIO.yaml
    flowsim validate scenarios/oxfordshire_2017.yaml
    flowsim discharges scenarios/oxfordshire_2017.yaml --target 0.92
    flowsim kpis

A scenario that cannot be run is reported with its file, field and what is
allowed, exit status 2, before anything is simulated or written.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import Field, ValidationError
from tqdm import tqdm

from flowsim.analysis.appraisal import ExperimentResults
from flowsim.experiment import (
    Experiment,
    ReplicationStore,
    Runner,
    analyse_warmup,
    default_scheduler,
    run_experiment,
    run_until_precise,
)
from flowsim.analysis.planning import capacity_for_target, required_discharges
from flowsim.output.plots import comparison_figure, heatmap_figure, save_figure, warmup_figure, year_figures
from flowsim.scenario.reference import write_reference
from flowsim.output.report import write_report
from flowsim.files import write_atomically
from flowsim.output.formatting import change, interval, number, percent
from flowsim.results.catalogue import DAILY, KPIS, Measure, current_name
from flowsim.results.kpis import HEADLINE_KPIS
from flowsim.scenario import Model, Scenario, ScenarioError, load_scenario
from flowsim.model.system import simulate
from flowsim.analysis.validation import check_measures, validation_table

EXIT_BAD_INPUT = 2


# Loading -------------------------------------------------------------------------

def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    chosen = {"days": args.days, "warmup_days": getattr(args, "warmup_days", None)}
    return {key: value for key, value in chosen.items() if value is not None}


def _load_labelled(paths: list[str], overrides: dict[str, Any]) -> dict[str, Scenario]:
    """Scenarios keyed by name (by file name where names repeat, numbered where both do); all validated first."""
    scenarios = [load_scenario(path, overrides) for path in paths]
    names = [s.name for s in scenarios]
    labels = [s.name if names.count(s.name) == 1 else Path(p).stem for s, p in zip(scenarios, paths)]
    labels = [f"{label} ({i + 1})" if labels.count(label) > 1 else label for i, label in enumerate(labels)]
    return dict(zip(labels, scenarios))


def _runner(args: argparse.Namespace) -> Runner:
    return Runner(workers=args.workers, scheduler=args.scheduler or default_scheduler(), progress=not args.quiet)


@contextmanager
def _day_bar(scenario: Scenario, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the simulated days of one run (none if --quiet)."""
    if quiet:
        yield None
        return
    total = scenario.warmup_days + scenario.days
    with tqdm(total=total, unit="day", leave=False, desc=scenario.name) as bar:
        yield lambda day: bar.update(day - bar.n)


def _folder(args: argparse.Namespace, default: str) -> Path:
    return Path(args.out) if args.out else Path("outputs") / default


# Printing ------------------------------------------------------------------------

def _unit(name: str) -> str:
    """A KPI's unit, from the catalogue."""
    return KPIS[current_name(name)].unit


def format_kpis(kpis: pd.DataFrame, title: str) -> str:
    """A single run's KPI table as text: name, value, unit, meaning (unit and meaning from the catalogue)."""
    lines = [title, "-" * len(title)]
    for name, value in kpis["value"].items():
        measure = KPIS[name]
        lines.append(f"{name:<44} {number(value, measure.unit):>12}  {measure.unit:<16} {measure.description}")
    return "\n".join(lines)


def format_catalogue(catalogue: dict[str, Measure]) -> str:
    """Every measure of a catalogue: name, unit, bounds, which way is better, and what it means."""
    lines = [f"{'measure':<44} {'unit':<16} {'bounds':<10} {'better':<8} description"]
    for measure in catalogue.values():
        needs = f" (when the scenario has {measure.needs.replace('_', ' ')})" if measure.needs else ""
        lines.append(f"{measure.name:<44} {measure.unit:<16} {measure.bounds:<10} {measure.better:<8} {measure.description}{needs}")
    return "\n".join(lines)


def format_summary(summary: pd.DataFrame, title: str) -> str:
    """KPI means with 95% intervals and relative half-widths."""
    lines = [title, "-" * len(title), f"{'kpi':<44} {'mean':>12} {'95% interval':>27} {'±%':>7}  unit"]
    for name, row in summary.iterrows():
        unit = _unit(name)
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


def _validation(scenario: Scenario, experiment: Experiment, label: str) -> pd.DataFrame | None:
    """The scenario's published figures against the model (None if it lists none)."""
    return validation_table(scenario, experiment, label) if scenario.validation else None


def _write_csv(table: pd.DataFrame, path: Path, index: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: table.to_csv(tmp, index=index))
    return path


def _write_results(
    experiment: Experiment, files: list[str], args: argparse.Namespace, out: Path, validation: pd.DataFrame | None = None
) -> list[Path]:
    """The files a report is made from (validation.csv too, when the base lists published figures),
    the through-the-year plots and, with --report, the report."""
    results = ExperimentResults.from_experiment(
        experiment, dict(zip(experiment.scenarios, files)), args.command_line, validation
    )
    written = results.write(out)
    written += [save_figure(figure, out / f"{name}.png") for name, figure in year_figures(results.bands)]
    if args.report:
        written.insert(0, write_report(results, out / "report.html", progress=not args.quiet))
    return written


def _done(written: list[Path], out: Path, experiment: Experiment | None = None) -> None:
    """The one line that ends every command: what was written where (and what was run)."""
    runs = f" ({experiment.ran} replications run, {experiment.reused} reused)" if experiment else ""
    print(f"\nWrote {', '.join(p.name for p in written)} to {out}{runs}")


# Commands ------------------------------------------------------------------------

def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, _overrides(args))
    check_measures(scenario, args.scenario)
    out = _folder(args, f"{scenario.name}-seed{args.seed}")
    if args.replications == 1 and args.precision is None:
        if args.report:
            raise ScenarioError("--report needs intervals: add --replications N (N of 2 or more) or --precision")
        with _day_bar(scenario, args.quiet) as tick:
            result = simulate(scenario, seed=args.seed, progress=tick)
        written = result.write(out)
        print(format_kpis(result.kpis, f"{scenario.name} (seed {args.seed}, {scenario.days} days)"))
        _done(written, out)
        return 0
    store = ReplicationStore(out / "replications")
    if args.precision is None:
        experiment = run_experiment({scenario.name: scenario}, args.replications, args.seed, store, _runner(args))
        note = ""
    else:
        kpis = args.kpis.split(",")
        start = max(args.replications, 5)
        try:
            experiment, needed = run_until_precise(
                scenario, kpis, args.precision, args.seed, start, args.max_replications, store, _runner(args)
            )
        except ValueError as error:
            raise ScenarioError(f"--kpis: {error}") from None
        note = (
            f"\n{needed} replications give a 95% relative half-width within {args.precision:.1%} for {', '.join(kpis)}"
            if needed
            else f"\nnot within {args.precision:.1%} after {args.max_replications} replications; raise --max-replications"
        )
    summary = experiment.summary(scenario.name)
    validation = _validation(scenario, experiment, scenario.name)
    written = [
        _write_csv(summary, out / "summary.csv"),
        *_write_results(experiment, [args.scenario], args, out, validation),
    ]
    n = len(experiment.values[scenario.name])
    print(format_summary(summary, f"{scenario.name}: {n} replications, seed {args.seed}, {scenario.days} days"))
    print(note)
    _done(written, out, experiment)
    return 0


def _compare(args: argparse.Namespace) -> int:
    scenarios = _load_labelled([args.base, *args.options], _overrides(args))
    base = next(iter(scenarios))
    check_measures(scenarios[base], args.base)
    out = _folder(args, f"compare-{base}")
    experiment = run_experiment(scenarios, args.replications, args.seed, ReplicationStore(out / "replications"), _runner(args))
    comparison = experiment.comparison(base)
    summaries = pd.concat({label: experiment.summary(label) for label in scenarios}, names=["scenario"])
    kpis = [k for k in ("dtoc_bed_days_per_year", *HEADLINE_KPIS) if k in set(comparison["kpi"])]
    validation = _validation(scenarios[base], experiment, base)
    written = [
        _write_csv(comparison, out / "comparison.csv", index=False),
        _write_csv(summaries, out / "summaries.csv"),
        save_figure(comparison_figure(comparison, kpis, base), out / "comparison.png"),
        *_write_results(experiment, [args.base, *args.options], args, out, validation),
    ]
    shown = comparison if args.all_kpis else comparison[comparison["kpi"].isin(kpis)]
    print(format_comparison(shown, base))
    _done(written, out, experiment)
    return 0


def _report(args: argparse.Namespace) -> int:
    folder = Path(args.results)
    path = write_report(ExperimentResults.read(folder), Path(args.out) if args.out else folder / "report.html", progress=True)
    _done([path], path.parent)
    return 0


class Grid(Model):
    """A sweep: dotted scenario fields and the values each takes; every combination is run."""

    parameters: dict[str, list[Any]] = Field(min_length=1, max_length=2)
    heatmap: str = Field(default="delayed_bed_days_per_day", description="the KPI drawn as a heat-map")
    target: float | None = Field(default=None, description="the heat-map KPI's target, drawn as a contour (e.g. 0.92)")


def _load_grid(path: str) -> Grid:
    try:
        return Grid.model_validate(yaml.safe_load(Path(path).read_text()) or {})
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except ValidationError as error:
        problems = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        raise ScenarioError("\n".join(problems)) from None


def _sweep(args: argparse.Namespace) -> int:
    grid = _load_grid(args.grid)
    names = list(grid.parameters)
    points = list(itertools.product(*grid.parameters.values()))
    scenarios = {}
    for point in points:
        overrides = {**_overrides(args), **dict(zip(names, point))}
        label = ", ".join(f"{n}={v}" for n, v in zip(names, point))
        scenarios[label] = load_scenario(args.base, overrides, overrides_from=f"{args.grid} (grid point {label})")
    out = _folder(args, f"sweep-{Path(args.grid).stem}")
    experiment = run_experiment(scenarios, args.replications, args.seed, ReplicationStore(out / "replications"), _runner(args))
    rows = []
    for point, label in zip(points, scenarios):
        summary = experiment.summary(label).reset_index()
        rows.append(summary.assign(**dict(zip(names, point))))
    table = pd.concat(rows, ignore_index=True)[[*names, "kpi", "unit", "mean", "lower", "upper", "half_width", "n"]]
    written = [_write_csv(table, out / "sweep.csv", index=False)]
    chosen = table[table["kpi"] == grid.heatmap]
    if chosen.empty:
        raise ScenarioError(f"{args.grid}: heatmap: no KPI called {grid.heatmap}")
    square = chosen.pivot_table(index=names[0], columns=names[1], values="mean") if len(names) == 2 else (
        chosen.set_index(names[0])[["mean"]].rename(columns={"mean": grid.heatmap})
    )
    figure = heatmap_figure(square, grid.heatmap, str(chosen["unit"].iloc[0]), grid.target)
    written.append(save_figure(figure, out / "sweep.png"))
    print(f"{grid.heatmap} (mean of {args.replications} replications)\n{square.to_string()}")
    _done(written, out, experiment)
    return 0


def _warmup(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    out = _folder(args, f"{scenario.name}-warmup")
    analysis = analyse_warmup(scenario, args.replications, args.days, args.seed, runner=_runner(args))
    table = pd.concat({m: t.mean(axis=1) for m, t in analysis.series.items()}, axis=1)
    written = [
        _write_csv(table, out / "warmup.csv"),
        save_figure(warmup_figure(analysis.series, analysis.averages, analysis.recommended_days), out / "warmup.png"),
    ]
    print(f"MSER-5 truncation point of each daily measure ({args.replications} replications from empty):")
    for measure, days in analysis.truncation.items():
        print(f"  {measure:<24} {days:>5} days")
    print(
        f"Recommended warm-up: {analysis.recommended_days} days (the longest, in whole weeks); "
        f"the scenario has {scenario.warmup_days}."
    )
    _done(written, out)
    return 0


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, _overrides(args))
    if not scenario.validation:
        raise ScenarioError(f"{args.scenario}: validation: the scenario lists no published figures to check")
    check_measures(scenario, args.scenario)
    out = _folder(args, f"{scenario.name}-validation-seed{args.seed}")
    experiment = run_experiment({scenario.name: scenario}, args.replications, args.seed, ReplicationStore(out / "replications"), _runner(args))
    table = validation_table(scenario, experiment, scenario.name)
    written = [
        _write_csv(experiment.summary(scenario.name), out / "summary.csv"),
        *_write_results(experiment, [args.scenario], args, out, table),
    ]
    title = f"{scenario.name} against published figures: {args.replications} replications, seed {args.seed}, {scenario.days} days"
    print(format_validation(table, title))
    print(f"\n{int(table.within.sum())} of {len(table)} figures within tolerance.")
    _done(written, out, experiment)
    return 0


def _discharges(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, _overrides(args))
    out = _folder(args, f"{scenario.name}-discharges-seed{args.seed}")
    store = ReplicationStore(out / "replications")
    experiment = run_experiment({scenario.name: scenario}, args.replications, args.seed, store, _runner(args))
    needed = required_discharges(experiment, scenario.name)
    plan = capacity_for_target(
        scenario, args.target, args.replications, args.seed, args.limit, args.steps, _runner(args), store
    )
    written = [_write_csv(needed, out / "discharges.csv"), _write_csv(plan.trials, out / "capacity_plan.csv", index=False)]
    print(f"{scenario.name}: discharges a day by day of the week ({args.replications} replications, seed {args.seed})")
    print(needed.round(1).to_string())
    print("swing: beds between the week's lowest and highest midnight under each pattern\n")
    print(f"Post-hospital capacity (HART hours, home care hours, step-down beds, one factor) for mean occupancy <= {args.target:.0%}:")
    print(plan.trials.round(3).to_string(index=False))
    if plan.uplift is None:
        print(f"Not reached by {args.limit:.2f} times today's capacity: the rest is clinical stay and other delays.")
    else:
        print(f"Needed: {plan.uplift:.3f} times today's post-hospital capacity.")
    _done(written, out, experiment)
    return 0


def _kpis(args: argparse.Namespace) -> int:
    print(format_catalogue(DAILY if args.daily else KPIS))
    return 0


def _schema(args: argparse.Namespace) -> int:
    path = Path(args.out)
    write_reference(path)
    _done([path], path.parent)
    return 0


# Parser --------------------------------------------------------------------------

def _common(command: argparse.ArgumentParser, replications: int) -> None:
    command.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    command.add_argument("--days", type=int, help="days of results (overrides the scenario's `days`)")
    command.add_argument("--warmup-days", type=int, help="days of warm-up (overrides the scenario's `warmup_days`)")
    command.add_argument("--replications", type=int, default=replications, help=f"replications (default {replications})")
    command.add_argument("--out", help="output folder (default under outputs/)")
    command.add_argument("--workers", type=int, help="local processes (default: every core)")
    command.add_argument("--scheduler", help="Dask scheduler address (default: $FLOWSIM_SCHEDULER, else local)")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowsim", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="simulate a scenario: one run's tables, or replications with intervals")
    run.add_argument("scenario", help="scenario YAML file")
    _common(run, replications=1)
    run.add_argument("--report", action="store_true", help="also write report.html (needs --replications N)")
    run.add_argument("--precision", type=float, help="add replications until the relative half-width is within this")
    run.add_argument("--kpis", default="delayed_bed_days_per_day,occupancy_mean", help="KPIs --precision applies to")
    run.add_argument("--max-replications", type=int, default=200, help="stop --precision here (default 200)")
    run.set_defaults(handler=_run)

    compare = commands.add_parser("compare", help="options against a base with common random numbers")
    compare.add_argument("base", help="base scenario YAML file")
    compare.add_argument("options", nargs="+", help="option scenario YAML files")
    _common(compare, replications=20)
    compare.add_argument("--all-kpis", action="store_true", help="print every KPI, not only the headline ones")
    compare.add_argument("--report", action="store_true", help="also write report.html: the answer, tables, plots, model")
    compare.set_defaults(handler=_compare)

    report = commands.add_parser("report", help="write report.html from the results folder of run or compare")
    report.add_argument("results", help="results folder (the --out of `flowsim compare` or `flowsim run --replications N`)")
    report.add_argument("--out", help="the HTML file (default RESULTS/report.html)")
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
    validate.set_defaults(handler=_validate)

    discharges = commands.add_parser(
        "discharges", help="discharges a day needed to keep pace, and post-hospital capacity for a target occupancy"
    )
    discharges.add_argument("scenario", help="scenario YAML file")
    _common(discharges, replications=10)
    discharges.add_argument("--target", type=float, default=0.92, help="mean acute occupancy to reach (default 0.92)")
    discharges.add_argument("--limit", type=float, default=2.0, help="largest capacity factor to try (default 2)")
    discharges.add_argument("--steps", type=int, default=5, help="halvings of [1, limit] (default 5)")
    discharges.set_defaults(handler=_discharges)

    kpis = commands.add_parser("kpis", help="list every KPI: name, unit, bounds, which way is better, meaning")
    kpis.add_argument("--daily", action="store_true", help="list the daily measures (census and flows) instead")
    kpis.set_defaults(handler=_kpis)

    schema = commands.add_parser("schema", help="write the scenario file reference (Markdown)")
    schema.add_argument("--out", default="docs/scenarios.md")
    schema.set_defaults(handler=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.command_line = shlex.join(["flowsim", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.handler(args)
    except ScenarioError as error:
        print(f"flowsim: invalid input\n{error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nflowsim: interrupted; finished replications are kept and a rerun reuses them", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error of the run
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
