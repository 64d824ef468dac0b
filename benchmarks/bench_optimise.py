"""The capacity search on the reference county: its time and replications against a full grid's.

`flowsim optimise` on `scenarios/oxfordshire_2017.yaml` with four levers
(acute beds, reablement hours, home care hours, step-down beds: the plan
file `scenarios/plans/oxfordshire_beds_and_care.yaml`) and mean occupancy at
most 92%, on every core, from an empty replication store. It prints the
wall time, the replications the search ran, and what a full grid of the
same resolution would need: every plan at the first stage of selection
(`n0` each, the least a selection over the whole grid at this confidence
could start from), and every plan at the search's exploration and
confirmation replications (`explore` + `confirm` each). Then the answer and its confirmation on
fresh replications.

Usage, from the repository root:
    python -m benchmarks.bench_optimise [--days D] [--warmup-days W] [--workers N] [--seed S]
The county's own horizon (365 days after 280 of warm-up) takes hours on two
cores; `--days 90 --warmup-days 90` is the short form.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

import flowsim
from benchmarks.bench_baseline import BASELINE
from benchmarks.report import header, speed_line, table
from flowsim.analysis.capacity_search import load_plan, optimise_capacity, search_problem
from flowsim.experiment import ReplicationStore, Runner
from flowsim.output.optimisation import answer_in_words

PLAN = Path(__file__).parents[1] / "scenarios" / "plans" / "oxfordshire_beds_and_care.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, help="results days (default: the scenario's)")
    parser.add_argument("--warmup-days", type=int, help="warm-up days (default: the scenario's)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="pool size (every core)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    overrides = {key: value for key, value in (("days", args.days), ("warmup_days", args.warmup_days)) if value is not None}
    scenario = flowsim.load_scenario(BASELINE, overrides)
    plan = load_plan(PLAN)
    levers, constraints, settings = search_problem(scenario, plan, PLAN)
    print(header("The capacity search on the reference county", f"{PLAN.name}; {scenario.days} days after {scenario.warmup_days} "
                 f"of warm-up; {args.workers} workers; seed {args.seed}"))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result, evaluate = optimise_capacity(scenario, plan, args.seed, Runner(args.workers, progress=False), ReplicationStore(Path(folder)))
        seconds = time.perf_counter() - start
    plans = math.prod(len(lever.values()) for lever in levers)
    rows = [
        ["the search", f"{result.replications:,}", f"{len(result.explored):,} plans run", f"{seconds / 60:,.1f} min"],
        ["full grid, n0 each", f"{plans * settings.n0:,}", f"{plans:,} plans x {settings.n0}", ""],
        ["full grid, explore + confirm each", f"{plans * (settings.explore + settings.confirm):,}",
         f"{plans:,} plans x {settings.explore + settings.confirm}", ""],
    ]  # fmt: skip
    print(table(["", "replications", "", "wall time"], rows))
    print(f"\nThe search ran {evaluate.ran:,} replications ({evaluate.reused} reused), "
          f"{result.replications / (plans * settings.n0):.1%} of a full grid at n0 each.")  # fmt: skip
    print("\n" + answer_in_words(result, levers, constraints, settings))
    print(f"\n{speed_line('at the end')}")


if __name__ == "__main__":
    main()
