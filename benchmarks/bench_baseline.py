"""The reference county's baseline: one replication on one core, then many on every core.

1. One replication of `scenarios/oxfordshire_2017.yaml` (the scenario's
   warm-up from empty, then its 365-day results year) in this process, as a
   user runs it (`flowsim.simulate`), repeated (`--repeats`, replications
   0, 1, ...): wall and CPU time per replication and pro rata per simulated
   year, SimPy events (counted on a run of their own), and the peak resident
   memory of this process (getrusage maxrss, so it includes Python and the
   libraries).
2. `--replications` replications through `flowsim.experiment.run_experiment`
   on every core (a process pool, while this process is still small), then
   on one worker (in this process): wall time, CPU time and how many
   cores the run kept busy (CPU over wall: below the worker count, other
   work on the machine took the rest), and the parallel efficiency, one
   worker's time over (workers x the pool's time). Memory is the peak of
   this process and its workers together (sampled PSS, see
   `report.peak_memory`) and the largest single worker's peak RSS
   (getrusage of children).

Usage, from the repository root:
    python -m benchmarks.bench_baseline [--replications N] [--repeats R] [--seed S]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
from pathlib import Path
from typing import NamedTuple

import flowsim
from benchmarks.references import flowsim_events
from benchmarks.report import (
    Measured,
    PeakMemory,
    cpu_seconds,
    header,
    measure,
    median_and_range,
    own_peak_rss,
    peak_memory,
    repeat_interleaved,
    speed_line,
    table,
)
from flowsim.experiment import Runner, run_experiment

BASELINE = Path(__file__).parents[1] / "scenarios" / "oxfordshire_2017.yaml"
DAYS_PER_YEAR = 365


def one_replication(scenario: flowsim.Scenario, seed: int, replication: int) -> int:
    """Run one replication as a user does (`flowsim.simulate`); return its patient episodes."""
    return len(flowsim.simulate(scenario, seed, replication).patients)


def timed_replications(scenario: flowsim.Scenario, seed: int, repeats: int) -> list[Measured[int]]:
    """Replications 0..`repeats`-1 one by one in this process, each timed from a clean heap."""
    runs = {"replication": lambda r: measure(lambda: one_replication(scenario, seed, r))}
    return repeat_interleaved(runs, repeats)["replication"]


class Replicated(NamedTuple):
    """Time and memory of many replications."""

    wall_seconds: float
    cpu_seconds: float
    """CPU time of this process and its workers: over the wall time, how many cores the run kept busy."""
    memory: PeakMemory


def replicate(scenario: flowsim.Scenario, replications: int, seed: int, workers: int) -> Replicated:
    """Run replications 0..`replications`-1 through run_experiment on `workers` workers (1: in this process).

    What earlier measurements left is collected first: forked workers would
    otherwise inherit it and copy every page of it they touch.
    """
    gc.collect()
    cpu = cpu_seconds()
    with peak_memory() as memory:
        timed = measure(
            lambda: run_experiment({scenario.name: scenario}, replications, seed, runner=Runner(workers, progress=False))
        )
    return Replicated(timed.wall_seconds, cpu_seconds() - cpu, memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100, help="replications for the parallel comparison (100)")
    parser.add_argument("--repeats", type=int, default=5, help="timed single replications (5)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    scenario = flowsim.load_scenario(BASELINE)
    simulated_days = scenario.warmup_days + scenario.days
    per_year = DAYS_PER_YEAR / simulated_days
    cores = os.cpu_count() or 1
    print(
        header(
            "The reference county's baseline (benchmarks/bench_baseline.py)",
            f"{BASELINE.name}: {scenario.warmup_days}-day warm-up + {scenario.days} results days"
            f" = {simulated_days} simulated days; seed {args.seed}",
        )
    )

    memory_before = own_peak_rss()
    # Single replications and then the pool while this process is as small as a user's fresh session.
    singles = timed_replications(scenario, args.seed, args.repeats)
    many = {workers: replicate(scenario, args.replications, args.seed, workers) for workers in (cores, 1)}

    walls = [run.wall_seconds for run in singles]
    events, patients = flowsim_events(scenario, args.seed), singles[0].value
    wall = statistics.median(walls)
    print(f"One replication on one core, {args.repeats} runs (replications 0-{args.repeats - 1}):")
    print(
        table(
            ("measure", "per replication", "per simulated year"),
            [
                ("wall s, median (min-max)", median_and_range(walls), f"{wall * per_year:.2f}"),
                ("CPU s, median", f"{statistics.median(run.cpu_seconds for run in singles):.2f}", "-"),
                ("SimPy events (replication 0)", f"{events:,}", f"{events * per_year:,.0f}"),
                ("patient episodes (replication 0)", f"{patients:,}", f"{patients * per_year:,.0f}"),
                ("events per wall second", f"{events / wall:,.0f}", "-"),
                ("peak RSS of this process, MiB", f"{own_peak_rss():.0f} (after imports {memory_before:.0f})", "-"),
            ],
        )
    )

    rows = [
        (
            workers,
            f"{run.wall_seconds:.1f}",
            f"{run.wall_seconds / args.replications:.2f}",
            f"{run.cpu_seconds / args.replications:.2f}",
            f"{run.cpu_seconds / run.wall_seconds:.2f}",
            f"{many[1].wall_seconds / (workers * run.wall_seconds):.0%}",
            f"{run.memory.total:.0f}",
            f"{run.memory.largest_child:.0f}" if workers > 1 else "-",
        )
        for workers, run in sorted(many.items())
    ]
    print(f"\n{args.replications} replications (run_experiment) on {cores} workers, then on one (in this process):")
    print(
        table(
            (
                "workers",
                "wall s",
                "s per replication",
                "CPU s per replication",
                "cores busy",
                "parallel efficiency",
                "peak PSS MiB, all",
                "largest worker MiB",
            ),
            rows,
        )
    )
    efficiency = many[1].wall_seconds / (cores * many[cores].wall_seconds)
    print("\nTargets:")
    print(
        table(
            ("target", "measured", ""),
            [
                (
                    "a simulated year <= 4 s on one core",
                    f"{wall * per_year:.2f} s ({wall:.2f} s for {simulated_days} days)",
                    "met" if wall * per_year <= 4 else "not met",
                ),
                (f"{args.replications} replications on {cores} cores: efficiency >= 85%", f"{efficiency:.0%}", "met" if efficiency >= 0.85 else "not met"),
            ],
        )
    )
    print(f"\n{speed_line('at the end')}")


if __name__ == "__main__":
    main()
