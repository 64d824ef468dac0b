"""The time to a ranked answer for the Oxfordshire baseline and its board options: KN++ against 20 each.

`flowsim compare --rank` runs KN++ (`flowsim.analysis.ranking.rank_options`)
on the baseline (`scenarios/oxfordshire_2017.yaml`) and the options of
`scenarios/oxfordshire/`, on delayed bed days a year with an indifference
zone of `--indifference` bed days and 95% confidence: every option runs
`--first-stage` replications, then only those still in contention run more.
The usual way is a fixed 20 replications of each (200 in all) and the best
mean. Both run on every core from an empty replication store, with the same
seed, one after the other; the script prints each one's wall time, CPU time
(every process), replications and answer, side by side with their ratios.

Usage, from the repository root:
    python -m benchmarks.bench_rank [--quick] [--workers N] [--seed S] [--indifference D]
The county's own horizon (365 days after 280 of warm-up) takes about half an
hour on two cores; `--quick` runs 90 days after 90 of warm-up.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import flowsim
from benchmarks.bench_baseline import BASELINE
from benchmarks.report import cpu_seconds, header, speed_line, table
from flowsim.analysis.ranking import rank_options, ranking_in_words
from flowsim.experiment import ReplicationStore, Runner, run_experiment
from flowsim.scenario import Scenario

OPTIONS = sorted((Path(__file__).parents[1] / "scenarios" / "oxfordshire").glob("*.yaml"))
KPI = "dtoc_bed_days_per_year"
FIXED = 20
QUICK = {"days": 90, "warmup_days": 90}


def scenarios(overrides: dict[str, int]) -> dict[str, Scenario]:
    """The baseline first, then its options, by name."""
    loaded = [flowsim.load_scenario(path, overrides) for path in (BASELINE, *OPTIONS)]
    return {scenario.name: scenario for scenario in loaded}


def fixed_answer(options: dict[str, Scenario], seed: int, store: ReplicationStore, runner: Runner) -> tuple[str, int]:
    """The option with the fewest mean delayed bed days over `FIXED` replications each (run-away options left out)."""
    results = run_experiment(options, FIXED, seed, store, runner)
    means = {
        label: values[KPI].mean()
        for label, values in results.values.items()
        if not ("runaway" in values and (values["runaway"] > 0).any())
    }
    return min(means, key=means.__getitem__), FIXED * len(options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="90 days after 90 of warm-up instead of the county's horizon")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="pool size (every core)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--indifference", type=float, default=500.0, help="delayed bed days a year that do not matter")
    args = parser.parse_args()
    options = scenarios(QUICK if args.quick else {})
    base = next(iter(options.values()))
    print(header("The time to a ranked answer: KN++ against a fixed 20 replications each",
                 f"{len(options)} scenarios (the baseline and scenarios/oxfordshire/*.yaml); {base.days} days after "
                 f"{base.warmup_days} of warm-up; {KPI}, indifference {args.indifference:g}, 95% confidence; "
                 f"{args.workers} workers; seed {args.seed}"))  # fmt: skip
    runner = Runner(args.workers, progress=False)
    rows = []
    with tempfile.TemporaryDirectory() as ranked, tempfile.TemporaryDirectory() as fixed:  # empty stores: nothing reused
        cpu, start = cpu_seconds(), time.perf_counter()
        ranking = rank_options(options, KPI, args.indifference, seed=args.seed, store=ReplicationStore(Path(ranked)), runner=runner)
        rows.append(("KN++ (compare --rank)", time.perf_counter() - start, cpu_seconds() - cpu, ranking.ran, ranking.selected))
        cpu, start = cpu_seconds(), time.perf_counter()
        best, ran = fixed_answer(options, args.seed, ReplicationStore(Path(fixed)), runner)
        rows.append((f"fixed {FIXED} each", time.perf_counter() - start, cpu_seconds() - cpu, ran, best))
    (_, wall, used, reps, _), (_, wall_fixed, used_fixed, reps_fixed, _) = rows
    lines = [[name, f"{w:,.0f}", f"{c:,.0f}", f"{r:,}", str(answer)] for name, w, c, r, answer in rows]
    lines.append(["KN++ / fixed", f"{wall / wall_fixed:.2f}", f"{used / used_fixed:.2f}", f"{reps / reps_fixed:.2f}", ""])
    print(table(["", "wall s", "CPU s", "replications", "answer"], lines))
    print("\n" + ranking_in_words(ranking))
    print(ranking.table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print(f"\n{speed_line('at the end')}")


if __name__ == "__main__":
    main()
