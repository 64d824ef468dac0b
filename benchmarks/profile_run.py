"""Where one run's time goes: a replication under cProfile, its self time by part of the code.

Every function's own time (not counting what it calls) is added to its
part: SimPy's event loop, each flowsim module, pandas and numpy, or other.
A built-in function (a heap push, numpy.fromiter) counts for the part that
called it. Then the functions with the most self time, with their time per
call. cProfile slows a run down about threefold, more for code making many
small calls, so the shares are a guide to where time goes, not a timing.
`--demand F` profiles the baseline at F times its demand and capacity (as
bench_scaling does): set against F=1, the time per call shows what grows
faster than the county.

Usage, from the repository root:
    python -m benchmarks.profile_run [SCENARIO | --demand F] [--days D] [--top N] [--seed S]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from collections import Counter
from pathlib import Path

import flowsim
from benchmarks.bench_baseline import BASELINE
from benchmarks.bench_scaling import scaled_county
from benchmarks.report import header, table

Function = tuple[str, int, str]
"""(file, line, name) as cProfile keys a function; built-ins have the file '~'."""


def part(function: Function) -> str:
    """The part of the code a function belongs to."""
    path = function[0]
    if "/simpy/" in path:
        return "SimPy event loop"
    if "/flowsim/" in path:
        return "flowsim/" + Path(path).name
    if "/pandas/" in path or "/numpy/" in path:
        return "pandas, numpy"
    return "other"


def self_time_by_part(stats: pstats.Stats) -> Counter[str]:
    """Self time of each part; a built-in's time goes to the parts of its callers, as they called it."""
    totals: Counter[str] = Counter()
    for function, (_, _, self_time, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if function[0] != "~" or not callers:
            totals[part(function)] += self_time
            continue
        for caller, (_, _, time_for_caller, _) in callers.items():
            totals[part(caller)] += time_for_caller
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=BASELINE)
    parser.add_argument("--days", type=int, help="results days (default: the scenario's)")
    parser.add_argument("--top", type=int, default=15, help="functions listed (15)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--demand", type=int, help="the baseline, demand and capacity times F")
    args = parser.parse_args()

    if args.demand:
        if args.days or args.scenario != BASELINE:
            parser.error("--demand profiles the baseline's own year, scaled; leave out SCENARIO and --days")
        scenario = scaled_county(args.demand)
    else:
        scenario = flowsim.load_scenario(args.scenario, {"days": args.days} if args.days else None)
    profiler = cProfile.Profile()
    profiler.runcall(flowsim.simulate, scenario, args.seed)
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(
        header(
            "Where the time goes (benchmarks/profile_run.py, cProfile)",
            f"{args.scenario.name}{f' x{args.demand}' if args.demand else ''}: {scenario.warmup_days} warm-up + {scenario.days} results days, seed {args.seed};"
            f" {total:.1f} s under the profiler",
        )
    )
    parts = self_time_by_part(stats)
    print(table(("part", "share of self time"), [(name, f"{t / total:.1%}") for name, t in parts.most_common()]))
    functions = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[: args.top]  # type: ignore[attr-defined]
    rows = [
        (
            f"{Path(file).name}:{line} {name}" if file != "~" else name,
            f"{calls:,}",
            f"{self_time / total:.1%}",
            f"{1e6 * self_time / calls:.2f}",
        )
        for (file, line, name), (_, calls, self_time, _, _) in functions
    ]
    print(f"\nThe {args.top} functions with the most self time:")
    print(table(("function", "calls", "share", "us per call"), rows))


if __name__ == "__main__":
    main()
