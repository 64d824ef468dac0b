"""What every benchmark script shares: the header, repeated timing, tables and peak memory.

Timings on a shared machine are noisy, so each measurement is repeated and
the median reported with the spread; the header gives the load average at
the start, so a reader can tell a quiet run from a busy one, and the commit
the figures belong to.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import psutil
from scipy.stats import binom

from benchmarks.references import machine_speed

T = TypeVar("T")
MIB = 2**20
REPOSITORY = Path(__file__).parents[1]


def commit() -> str:
    """The repository's commit, marked '+changes' if tracked files differ from it; 'unknown' outside git."""

    def git(*arguments: str) -> str:
        done = subprocess.run(["git", "-C", str(REPOSITORY), *arguments], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown"
    return head + (" +changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def header(title: str, settings: str) -> str:
    """Title, date, machine, load and speed, the code's commit and library versions, and the run's settings."""
    libraries = ", ".join(f"{name} {version(name)}" for name in ("flowsim", "simpy", "numpy", "ciw"))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{title}\n"
        f"date {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores ({platform.machine()}),"
        f" load average {load} at start\n"
        f"commit {commit()}; python {platform.python_version()}, {libraries}\n"
        f"{speed_line('at the start')}\n"
        f"{settings}\n"
    )


def speed_line(when: str) -> str:
    """How fast the machine is running now: bare SimPy's M/M/c customers a second (`references.machine_speed`)."""
    return f"machine speed {when}: bare SimPy M/M/c {machine_speed():,.0f} customers/s"


def repeat_interleaved(runs: dict[str, Callable[[int], T]], repeats: int) -> dict[str, list[T]]:
    """Run every measurement once, then again, `repeats` times over; each is passed the repeat number.

    Interleaving spreads a burst of load from other users over every
    measurement instead of landing on one. Garbage is collected before each
    run, so that no run pays for freeing what the one before it left.
    """
    results: dict[str, list[T]] = {name: [] for name in runs}
    for repeat in range(repeats):
        for name, run in runs.items():
            gc.collect()
            results[name].append(run(repeat))
    return results


class Measured(NamedTuple, Generic[T]):
    """What a call returned, with its wall and CPU seconds (wall far above CPU: the machine was busy)."""

    wall_seconds: float
    cpu_seconds: float
    value: T


def measure(function: Callable[[], T]) -> Measured[T]:
    """Time one call."""
    cpu, started = time.process_time(), time.perf_counter()
    value = function()
    return Measured(time.perf_counter() - started, time.process_time() - cpu, value)


def cpu_seconds() -> float:
    """CPU time used so far by this process and its ended child processes (user + system)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def median_and_range(values: Sequence[float], digits: int = 2) -> str:
    """'median (min-max)' of repeated measurements."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def median_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float] | None:
    """An interval that holds the median of the distribution `values` are drawn from with probability
    at least `level`, whatever that distribution: two of the sorted values, chosen by the binomial
    distribution of how many fall below the median. None if there are too few values for `level`."""
    n = len(values)
    below = int(binom.ppf((1 - level) / 2, n, 0.5))  # at least this many below the median, but rarely
    if below < 1:
        return None
    ordered = sorted(values)
    return ordered[below - 1], ordered[n - below]


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, right-aligned, numbers already formatted as strings."""
    cells = [list(columns)] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@dataclass
class PeakMemory:
    """Peak memory of this process and all its child processes together, in MiB."""

    total: float = 0.0
    """Highest sum of proportional set sizes (PSS: resident memory, a shared page split between
    the processes sharing it, so forked workers are not counted twice), sampled."""
    largest_child: float = 0.0
    """Largest peak RSS of any one child process that has ended (getrusage RUSAGE_CHILDREN)."""


def proportional_set_size(pid: int) -> int:
    """PSS of process `pid` in bytes, from Linux's /proc/PID/smaps_rollup."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    raise ValueError(f"no Pss line for process {pid}")


@contextmanager
def peak_memory(interval: float = 0.5) -> Iterator[PeakMemory]:
    """Track memory while the block runs; read the result after it ends.

    A sample costs a few milliseconds of this process's time (the kernel
    walks each process's page tables), about 1% of one core at 0.5 s.
    """
    peak = PeakMemory()
    done = threading.Event()
    me = psutil.Process()

    def sample() -> None:
        while not done.is_set():
            total = 0
            for process in (me, *me.children(recursive=True)):
                try:
                    total += proportional_set_size(process.pid)
                except (FileNotFoundError, ProcessLookupError):  # a worker that has just ended
                    pass
            peak.total = max(peak.total, total / MIB)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        peak.largest_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def own_peak_rss() -> float:
    """Peak RSS of this process so far, in MiB (getrusage; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
