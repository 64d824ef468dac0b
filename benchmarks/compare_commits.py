"""Is a commit faster than another? One replication of a scenario, timed for each, in pairs.

Each commit is exported (`git archive`) into a temporary directory and run
from there in a new Python process per run, so neither commit inherits the
other's heap or caches. The two alternate within a pair, the first swapping
from pair to pair, and a pair's ratio (new over old) is taken seconds apart:
the machine's speed, which moves by a third from one minute to the next on a
shared machine, divides out of it far better than out of either time alone.
Only `simulate()` is timed, not the imports. Both commits read the same scenario
file, this checkout's, unless `--old-scenario` gives the old commit its own (a
commit before a feature cannot read a file that uses it: issue #20 times the
county with its escalation rules against the county before them).

    python -m benchmarks.compare_commits OLD NEW [SCENARIO] [--old-scenario FILE] [--days D] [--pairs N]

On a machine too busy for a few percent to show, `--instructions` counts
instead the instructions each commit's `simulate()` executes (valgrind's
callgrind, the main thread; a run with the simulation less one without it,
Python's hash seed fixed), which do not move with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from benchmarks.bench_baseline import BASELINE
from benchmarks.report import (
    REPOSITORY,
    header,
    median_and_range,
    median_interval,
    speed_line,
    table,
)

CHILD = """
import json, sys, time
import flowsim
days = json.loads(sys.argv[3])
scenario = flowsim.load_scenario(sys.argv[1], {"days": days} if days else {})
start = time.perf_counter()
flowsim.simulate(scenario, seed=int(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - start, "flowsim": flowsim.__file__}))
"""


def export(commit: str, tree: Path) -> Path:
    """The files of `commit` in the directory `tree`."""
    archive = subprocess.run(["git", "-C", str(REPOSITORY), "archive", commit], capture_output=True, check=False)
    if archive.returncode:
        raise SystemExit(f"git archive {commit}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as files:
        files.extractall(tree, filter="data")
    return tree


def time_run(tree: Path, scenario: Path, seed: int, days: int | None) -> float:
    """Seconds of one `simulate()` of the flowsim in `tree`, in a new process."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(  # from the tree, as `python -c` looks in the working directory first
        [sys.executable, "-c", CHILD, str(scenario), str(seed), json.dumps(days)],
        check=False, capture_output=True, text=True, env=environment, cwd=tree,
    )
    if done.returncode:
        raise RuntimeError(f"the run from {tree} failed:\n{done.stderr}")
    result = json.loads(done.stdout)
    if not Path(result["flowsim"]).is_relative_to(tree):  # an installed flowsim shadowing the tree's
        raise RuntimeError(f"the run from {tree} imported flowsim from {result['flowsim']}")
    return float(result["seconds"])


COUNTED = """
import json, sys
import flowsim
days = json.loads(sys.argv[3])
scenario = flowsim.load_scenario(sys.argv[1], {"days": days} if days else {})
if sys.argv[4] == "run":
    flowsim.simulate(scenario, seed=int(sys.argv[2]))
"""


def count_instructions(tree: Path, scenario: Path, seed: int, days: int | None) -> int:
    """Instructions of one `simulate()` of the flowsim in `tree`: callgrind's total of the main thread of a
    process that loads the scenario and runs it, less that of one that only loads it. Other threads (the
    libraries' pools) are left out: with them, two counts of the same export differed by 8.5 million (0.5%)."""
    totals = []
    for what in ("run", "load"):
        with tempfile.TemporaryDirectory() as directory:
            out = Path(directory, "callgrind.out")
            done = subprocess.run(
                ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}",
                 sys.executable, "-c", COUNTED, str(scenario), str(seed), json.dumps(days), what],
                check=False, capture_output=True, text=True, cwd=tree,
                env={**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"},
            )  # fmt: skip
            if done.returncode:
                raise RuntimeError(f"callgrind of {tree} failed:\n{done.stderr[-2000:]}")
            main_thread = Path(f"{out}-01").read_text().splitlines()
            totals.append(int(next(line for line in main_thread if line.startswith("summary:")).split()[1]))
    return totals[0] - totals[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the commit to compare against")
    parser.add_argument("new", help="the commit to compare")
    parser.add_argument("scenario", nargs="?", type=Path, default=BASELINE, help="default: the reference county")
    parser.add_argument("--old-scenario", type=Path, help="the file OLD runs (default: SCENARIO)")
    parser.add_argument("--days", type=int, help="results days (default: the scenario's)")
    parser.add_argument("--pairs", type=int, default=8, help="pairs of runs, seeds 1 to N (default 8)")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing")
    args = parser.parse_args()
    scenario = args.scenario.resolve()
    runs = {"old": (args.old_scenario or scenario).resolve(), "new": scenario}
    files = scenario.name if args.old_scenario is None else f"{runs['old'].name} ({args.old}), {scenario.name}"
    days = f"{args.days:,}" if args.days else "the file's"
    if args.instructions:
        print(header(f"{args.new} against {args.old}, instructions (benchmarks/compare_commits.py)",
                     f"{files}, {days} results days, seed 1; valgrind callgrind, PYTHONHASHSEED=0"))
        with tempfile.TemporaryDirectory() as directory:
            counts = {which: count_instructions(export(commit, Path(directory, which)), runs[which], 1, args.days)
                      for which, commit in (("old", args.old), ("new", args.new))}  # fmt: skip
        rows = [(args.old, f"{counts['old']:,}"), (args.new, f"{counts['new']:,}")]
        print(table(("commit", "instructions of simulate()"), rows))
        print(f"\n{args.new} executes {counts['new'] / counts['old']:.3f} of the instructions of {args.old}")
        return
    print(header(f"{args.new} against {args.old} (benchmarks/compare_commits.py)",
                 f"{files}, {days} results days; {args.pairs} pairs, seeds 1-{args.pairs}, a new process a run"))
    with tempfile.TemporaryDirectory() as directory:
        trees = {"old": export(args.old, Path(directory, "old")), "new": export(args.new, Path(directory, "new"))}
        rows, ratios = [], []
        for seed in range(1, args.pairs + 1):  # a commit against itself shows the noise
            order = ("old", "new") if seed % 2 else ("new", "old")
            seconds = {which: time_run(trees[which], runs[which], seed, args.days) for which in order}
            ratios.append(seconds["new"] / seconds["old"])
            first = args.old if order[0] == "old" else args.new
            rows.append((seed, first, f"{seconds['old']:.2f}", f"{seconds['new']:.2f}", f"{ratios[-1]:.3f}"))
    print(table(("seed", "first", f"{args.old} s", f"{args.new} s", "new / old"), rows))
    faster = sum(ratio < 1 for ratio in ratios)
    print(f"\n{args.new} takes {median_and_range(ratios, 3)} of the time of {args.old}"
          f" (median of the pairs' ratios, and range); faster in {faster} of {len(ratios)} pairs")
    interval = median_interval(ratios)
    if interval is not None:  # the noise: a commit against itself gives one that holds 1
        print(f"95% interval of the median ratio: {interval[0]:.3f}-{interval[1]:.3f} (order statistics, any distribution)")
    print(f"\n{speed_line('at the end')}")


if __name__ == "__main__":
    main()
