"""Throughput and sanity figures for the reference models in ``references.py``.

Runs an M/M/c acute-bed model and a two-stage blocking model (acute beds, then
a pathway with no queue) in bare SimPy and in ciw, at hospital-like sizes, and
prints customers per wall-clock second next to the machine and library
versions. These are the yardsticks for flowsim's own speed. It also checks the
M/M/c mean occupancy against lambda/mu and sets the mean number of patients
blocked in acute beds from the two implementations side by side.

Usage: python benchmarks/bench_references.py [--horizon-days D] [--warmup-days W] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import platform
from importlib.metadata import version

from references import (
    RunResult,
    bare_simpy_mmc,
    bare_simpy_two_stage_blocking,
    ciw_mmc,
    ciw_two_stage_blocking,
)

HOURS_PER_DAY = 24.0
ARRIVAL_RATE = 4.0  # patients per hour
ACUTE_MEAN_STAY = 5 * HOURS_PER_DAY  # hours
ACUTE_SERVERS = 534  # offered load 480, utilisation ~0.90
PATHWAY_MEAN_STAY = 7 * HOURS_PER_DAY  # hours
PATHWAY_SERVERS = 700  # offered load 672, utilisation 0.96: blocking is frequent


def _row(model: str, engine: str, result: RunResult) -> str:
    rate = result.customers / result.wall_seconds
    events = "-" if result.events is None else f"{result.events / result.wall_seconds:,.0f}"
    return (
        f"{model:<10} {engine:<10} {result.customers:>10,} {result.wall_seconds:>9.2f}"
        f" {rate:>14,.0f} {events:>12}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon-days", type=float, default=1100.0, help="simulated days (default ~100k patients)")
    parser.add_argument("--warmup-days", type=float, default=60.0, help="days excluded from time averages")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    horizon = args.horizon_days * HOURS_PER_DAY
    warmup = args.warmup_days * HOURS_PER_DAY
    # Positional so that each tuple keeps its element types for the type checker.
    mmc = (ARRIVAL_RATE, 1 / ACUTE_MEAN_STAY, ACUTE_SERVERS, horizon, args.seed, warmup)
    two_stage = (
        ARRIVAL_RATE,
        1 / ACUTE_MEAN_STAY,
        ACUTE_SERVERS,
        1 / PATHWAY_MEAN_STAY,
        PATHWAY_SERVERS,
        horizon,
        args.seed,
        warmup,
    )
    runs = {
        ("M/M/c", "SimPy"): bare_simpy_mmc(*mmc),
        ("M/M/c", "ciw"): ciw_mmc(*mmc),
        ("two-stage", "SimPy"): bare_simpy_two_stage_blocking(*two_stage),
        ("two-stage", "ciw"): ciw_two_stage_blocking(*two_stage),
    }

    print(
        f"machine: {os.cpu_count()} logical cores, {platform.machine()}, {platform.platform()}\n"
        f"python {platform.python_version()}, simpy {version('simpy')}, ciw {version('ciw')},"
        f" numpy {version('numpy')}\n"
        f"horizon {args.horizon_days:g} days, warm-up {args.warmup_days:g} days, seed {args.seed}\n"
    )
    print(f"{'model':<10} {'engine':<10} {'customers':>10} {'wall s':>9} {'customers/s':>14} {'events/s':>12}")
    for (model, engine), result in runs.items():
        print(_row(model, engine, result))

    offered = ARRIVAL_RATE * ACUTE_MEAN_STAY
    print(f"\nM/M/c mean occupied beds (lambda/mu = {offered:g}):")
    for engine in ("SimPy", "ciw"):
        busy = runs[("M/M/c", engine)].mean_busy
        print(f"  {engine:<6} {busy:8.2f}  ({busy / offered - 1:+.2%})")

    print(f"\ntwo-stage: mean patients blocked in acute beds; acute beds in service (expect {offered:g}):")
    for engine in ("SimPy", "ciw"):
        result = runs[("two-stage", engine)]
        assert result.mean_blocked is not None
        in_service = result.mean_busy - result.mean_blocked
        print(f"  {engine:<6} blocked {result.mean_blocked:8.3f}   in service {in_service:8.2f}")


if __name__ == "__main__":
    main()
