"""flowsim against bare SimPy and ciw on the two textbook networks of its validation scenarios.

The M/M/c network is `scenarios/validation/mmc.yaml` (the queueing-theory
test's scenario); the two-stage network is `two_stage.yaml` (acute beds, then
step-down beds with blocking after service). Bare SimPy and ciw read their
parameters from the same files (`references.Network.from_scenario`), so the
three engines run the same arrival rate, stays, bed counts and horizon.

Each network runs at two sizes (`--scales`): x1 is the file as written (28
beds; 20 step-down beds), with more results days so that a run lasts long
enough to time; x20 is a hospital-sized version, demand and every bed count
times 20 (560 beds, as many as the reference county's), over a twentieth of
the days, so both sizes see about the same number of patients. The size
matters to the comparison: ciw looks through every server (or every patient)
of a node at each event, while SimPy and flowsim keep a heap of events.

Every run is repeated (`--repeats`, interleaved: each round runs the three
engines one after the other on seed S, S+1, ...) and the median speed
reported. A ratio of two engines is the median over the rounds of their
ratio within a round, with its range: this machine's speed drifts by a third
within minutes, and a drift hits both sides of a ratio taken seconds apart
alike, where a ratio of medians mixes rounds run at different speeds.
flowsim's wall time is the whole of `flowsim.simulate()`: model, run, daily
census, result tables and KPIs, as a user gets them. Bare SimPy and ciw are
timed on building and running the model and reading the two averages below
out of it (bare SimPy keeps them as it runs; ciw's come from its records).
The agreement table checks that the engines run the same network: mean acute
beds in clinical use against lambda/mu and mean patients blocked in acute
beds against the pathway's Erlang C queue, as the mean over
the repeats (independent seeds) with a 95% interval.

Usage, from the repository root:
    python -m benchmarks.bench_engines [--days D] [--scales 1 20] [--repeats R] [--seed S]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

import flowsim
from benchmarks.references import Network, RunResult, bare_simpy, ciw_model, flowsim_events
from benchmarks.report import header, median_and_range, repeat_interleaved, speed_line, table
from flowsim.statistics import t_interval
from tests.queueing import MMC, TWO_STAGE

NETWORKS = {"M/M/c": MMC, "two-stage": TWO_STAGE}
ENGINES = ("bare SimPy", "flowsim", "ciw")
TARGETS: tuple[tuple[str, str, str, float | None], ...] = (
    ("M/M/c", "flowsim", "bare SimPy", 0.5),
    ("M/M/c", "flowsim", "ciw", 1.5),
    ("two-stage", "flowsim", "bare SimPy", None),
    ("two-stage", "flowsim", "ciw", 1.5),
)
"""(network, engine, against, the issue's target for the ratio of their speeds, or None)."""


def scaled_scenario(path: Path, scale: int, days: int) -> flowsim.Scenario:
    """The scenario with demand and every bed count times `scale`, over `days` results days."""
    raw = flowsim.load_scenario(path)
    overrides: dict[str, float] = {"days": days, "demand_multiplier": raw.demand_multiplier * scale}
    overrides["wards.general_beds"] = raw.wards.general_beds * scale
    if raw.step_down is not None:
        overrides["step_down.beds"] = raw.step_down.beds * scale
    return flowsim.load_scenario(path, overrides)


def flowsim_run(scenario: flowsim.Scenario, seed: int) -> RunResult:
    """One flowsim replication as a user runs it (`flowsim.simulate`), read as a network run:
    completions and the same two averages (events are counted on a run of their own)."""
    started = time.perf_counter()
    result = flowsim.simulate(scenario, seed)
    wall = time.perf_counter() - started
    means = result.pool_means
    blocked = means.get("step_down_beds_waiting", 0.0)
    return RunResult(
        customers=int(result.patients.left.notna().sum()),
        wall_seconds=wall,
        events=None,
        in_service=means["general_beds_in_use"] - blocked,
        blocked=blocked,
    )


def engines(scenario: flowsim.Scenario, seed: int) -> dict[str, Callable[[int], RunResult]]:
    """Each engine's run of the network `scenario` reduces to, with seed `seed` + the repeat number."""
    network = Network.from_scenario(scenario)
    return {
        "bare SimPy": lambda repeat: bare_simpy(network, seed + repeat),
        "flowsim": lambda repeat: flowsim_run(scenario, seed + repeat),
        "ciw": lambda repeat: ciw_model(network, seed + repeat),
    }


def paired_ratios(runs: Sequence[RunResult], against: Sequence[RunResult]) -> list[float]:
    """Each round's speed of one engine over another's (same seed, run one after the other)."""
    return [(a.customers / a.wall_seconds) / (b.customers / b.wall_seconds) for a, b in zip(runs, against)]


def speed(runs: Sequence[RunResult]) -> float:
    """Median customers per wall second over the repeats."""
    return statistics.median(run.customers / run.wall_seconds for run in runs)


def mean_and_interval(values: Sequence[float]) -> str:
    """Mean over the repeats (independent seeds) with its Student t 95% half-width."""
    interval = t_interval(pd.Series(values))
    return f"{interval['mean']:.3f} +- {interval['half_width']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=25_000, help="results days at scale 1, divided by the scale (25,000)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 20], help="demand and bed multipliers (1 20)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of every engine, seeds S, S+1, ... (5)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(
        header(
            "flowsim, bare SimPy and ciw on the validation networks (benchmarks/bench_engines.py)",
            f"scales {args.scales}: {args.days:,} results days / scale after the scenario's warm-up;"
            f" {args.repeats} interleaved runs each, seeds {args.seed}-{args.seed + args.repeats - 1}",
        )
    )
    every_run: dict[tuple[str, int], dict[str, list[RunResult]]] = {}
    rows, checks = [], []
    for scale in args.scales:
        for name, path in NETWORKS.items():
            scenario = scaled_scenario(path, scale, args.days // scale)
            network = Network.from_scenario(scenario)
            runs = repeat_interleaved(engines(scenario, args.seed), args.repeats)
            runs["flowsim"][0] = runs["flowsim"][0]._replace(events=flowsim_events(scenario, args.seed))
            every_run[name, scale] = runs
            for engine in ENGINES:
                first = runs[engine][0]
                rows.append(
                    (
                        name,
                        f"x{scale}",
                        engine,
                        f"{first.customers:,}",
                        "-" if first.events is None else f"{first.events / first.customers:.2f}",
                        median_and_range([run.wall_seconds for run in runs[engine]]),
                        f"{speed(runs[engine]):,.0f}",
                    )
                )
                checks.append(
                    (
                        name,
                        f"x{scale}",
                        engine,
                        mean_and_interval([run.in_service for run in runs[engine]]),
                        f"{network.acute_load():.3f}",
                        mean_and_interval([run.blocked for run in runs[engine]]),
                        f"{network.expected_blocked():.3f}",
                    )
                )
    print(
        table(
            ("network", "size", "engine", "customers", "events/customer", "wall s, median (min-max)", "customers/s"),
            rows,
        )
    )
    print("\nTargets (ratio of customers per second within a round: median over the rounds, and range):")
    ratios = []
    for scale in args.scales:
        for name, engine, against, target in TARGETS:
            runs = every_run[name, scale]
            paired = paired_ratios(runs[engine], runs[against])
            ratio = statistics.median(paired)
            met = "-" if target is None else ("met" if ratio >= target else "not met")
            goal = "-" if target is None else f">= {target:g}"
            spread = f"{min(paired):.2f}-{max(paired):.2f}"
            ratios.append((name, f"x{scale}", f"{engine} / {against}", f"{ratio:.2f}", spread, goal, met))
    print(table(("network", "size", "ratio", "median", "range", "target", ""), ratios))
    print("\nAgreement (time averages after the warm-up, mean +- 95% half-width over the seeds; theory: lambda/mu, Erlang C):")
    print(table(("network", "size", "engine", "acute beds in use", "lambda/mu", "blocked in acute", "Erlang C"), checks))
    print(f"\n{speed_line('at the end')}")


if __name__ == "__main__":
    main()
