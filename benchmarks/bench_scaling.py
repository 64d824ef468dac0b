"""How the cost of the reference county's baseline grows: with demand, and with replications.

1. 10, 100 and 1,000 replications (`--replications`) on every core through
   `flowsim.experiment.run_experiment`: wall time, time per replication
   (which should stay flat), and the peak memory of this process and its
   workers together (sampled PSS), with the largest single worker's peak
   RSS. `--days` and `--warmup-days` shorten the horizon of this part only.
   It runs first, while this process is small, as a user's would be.
2. Demand times 1, 2 and 4 (`--demand`), with every capacity of the
   scenario times the same (beds, places, care hours, discharges a day,
   vacancies, and the capacity changes on dates), so the system stays as
   busy and only its size grows: one replication in this process, repeated
   (`--repeats`, replications 0, 1, ...). Cost should grow linearly: the
   wall time per patient episode should stay flat.

Usage, from the repository root:
    python -m benchmarks.bench_scaling [--demand 1 2 4] [--replications 10 100 1000] [--workers W]
                                       [--days D] [--warmup-days W] [--repeats R] [--seed S]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
from typing import Any

import flowsim
from benchmarks.bench_baseline import BASELINE, replicate, timed_replications
from benchmarks.references import flowsim_events
from benchmarks.report import header, median_and_range, speed_line, table
from flowsim.scenario import CAPACITY_FIELDS


def scaled_county(factor: int) -> flowsim.Scenario:
    """The baseline with demand and every capacity times `factor`."""
    baseline = flowsim.load_scenario(BASELINE)
    overrides: dict[str, Any] = {"demand_multiplier": baseline.demand_multiplier * factor}
    for path in CAPACITY_FIELDS.values():
        value = functools.reduce(lambda part, name: getattr(part, name, None), path.split("."), baseline)
        if value is not None:
            overrides[path] = value * factor
    overrides["capacity_changes"] = [
        {**change.model_dump(), "value": change.value * factor} for change in baseline.capacity_changes
    ]
    return flowsim.load_scenario(BASELINE, overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demand", type=int, nargs="+", default=[1, 2, 4], help="demand and capacity multipliers")
    parser.add_argument("--replications", type=int, nargs="+", default=[10, 100, 1000], help="replication counts")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="pool size (every core)")
    parser.add_argument("--days", type=int, help="results days for the replication part (default: the scenario's)")
    parser.add_argument("--warmup-days", type=int, help="warm-up days for the replication part (default: the scenario's)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each demand level (3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    horizon = {key: value for key, value in (("days", args.days), ("warmup_days", args.warmup_days)) if value is not None}
    replicated = flowsim.load_scenario(BASELINE, horizon)
    print(
        header(
            "Scaling the reference county's baseline (benchmarks/bench_scaling.py)",
            f"{BASELINE.name}, seed {args.seed}; replications on {args.workers} workers over"
            f" {replicated.warmup_days} warm-up + {replicated.days} results days",
        )
    )

    rows, first, peak = [], None, 0.0
    for count in args.replications:
        run = replicate(replicated, count, args.seed, args.workers)
        first = first or (count, run.wall_seconds)
        peak = run.memory.total
        rows.append(
            (
                f"{count:,}",
                f"{run.wall_seconds:.1f}",
                f"{run.wall_seconds / count:.2f}",
                f"{run.cpu_seconds / run.wall_seconds:.2f}",
                f"{run.wall_seconds / first[1]:.1f}",
                f"{count / first[0]:g}",
                f"{run.memory.total:.0f}",
                f"{run.memory.largest_child:.0f}",
            )
        )
    print(f"Replications on {args.workers} workers (run_experiment):")
    print(
        table(
            (
                "replications",
                "wall s",
                "s per replication",
                "cores busy",
                "wall ratio",
                "linear",
                "peak PSS MiB, all",
                "largest worker MiB",
            ),
            rows,
        )
    )
    met = "met" if peak < 1024 else "not met"
    print(f"\nTarget: memory under 1 GiB for {args.replications[-1]:,} replications: peak {peak:.0f} MiB, {met}")

    rows, first = [], None
    for factor in args.demand:
        scenario = scaled_county(factor)
        runs = timed_replications(scenario, args.seed, args.repeats)
        wall = statistics.median(run.wall_seconds for run in runs)
        events, patients = flowsim_events(scenario, args.seed), runs[0].value
        first = first or (factor, wall)
        rows.append(
            (
                f"x{factor}",
                f"{patients:,}",
                f"{events:,}",
                median_and_range([run.wall_seconds for run in runs]),
                f"{wall / patients * 1e6:.1f}",
                f"{wall / first[1]:.2f}",
                f"{factor / first[0]:g}",
            )
        )
    print(f"\nDemand and capacity scaled; one replication on one core, {args.repeats} runs each (replication 0 counted):")
    print(table(("demand", "patients", "SimPy events", "wall s, median (min-max)", "us per patient", "wall ratio", "linear"), rows))
    print(f"\n{speed_line('at the end')}")


if __name__ == "__main__":
    main()
