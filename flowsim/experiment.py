"""Experiments: many replications of one or more scenarios, in parallel, resumable.

A replication is fully determined by (scenario, seed, replication number), so
it can run anywhere: in this process, in a local process pool or on a Dask
cluster, and give the same numbers. Each returns its KPI table and its daily
series (census and flows of the results period). The experiment keeps every
replication's KPIs, but only running sums of the daily series (for the
interval bands of plots through the year) and their monthly means, so memory
does not grow with days times replications. Outcomes are absorbed in
replication order, whatever order they finish in, so serial, pool and Dask
runs agree to the last bit.

Each finished replication is stored under
`<out>/replications/flowsim-<version>/<name>-<content hash>/seed<S>/`,
written atomically with a manifest of checksums and row counts, so an
interrupted experiment keeps what it finished and a rerun only runs what is
missing. The store's key is flowsim's version (its own code), the scenario's
name and content hash (every scenario value), the seed and the replication
number: a replication from another version or another scenario is never
reused, nor one whose files do not match their manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowsim import __version__
from flowsim.files import write_atomically
from flowsim.scenario import Scenario
from flowsim.results.catalogue import produced_by
from flowsim.results.experiment_results import ExperimentResults, describe
from flowsim.results.readable import monthly_care_hours
from flowsim.statistics import RunningBands, moving_average, mser5, mser5_limit, precise_from
from flowsim.model.system import simulate

SCHEDULER_VARIABLE = "FLOWSIM_SCHEDULER"

STORE_FORMAT = 2
"""The layout of a stored replication; one of another layout is run again (2: care hours a month in the daily series)."""


@dataclass(frozen=True)
class Replication:
    """One unit of work: a scenario, a seed and a replication number."""

    label: str
    scenario: Scenario
    seed: int
    replication: int


@dataclass(frozen=True)
class Outcome:
    """What one replication sends back: its KPI table (value, unit, description) and daily series."""

    kpis: pd.DataFrame
    daily: pd.DataFrame


def replication_outcome(scenario: Scenario, seed: int, replication: int) -> Outcome:
    """Run one replication and keep what experiments need of it; runs in a worker."""
    result = simulate(scenario, seed, replication)
    return Outcome(result.kpis, result.daily())


def replication_census(scenario: Scenario, seed: int, replication: int) -> pd.DataFrame:
    """The daily census of one replication, care hours a month (for warm-up analysis); runs in a worker."""
    return monthly_care_hours(simulate(scenario, seed, replication).census)


class ReplicationStore:
    """Finished replications on disk, so an interrupted experiment keeps what it finished.

    A replication is stored as its KPI table and daily series, then a manifest
    (`replicationNNNNN.json`) naming flowsim's version, the scenario and its
    content hash, the seed and replication number, and each file's SHA-256
    checksum and row count. The manifest is written last, so its presence
    means the replication is complete. A stored replication is reused only if
    its manifest matches this version and this scenario and both files match
    their checksums and row counts; anything else (a file cut short, one from
    another version or another scenario) is run again and stored afresh.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, work: Replication) -> Path:
        """The manifest of `work`; its KPI table (.csv) and daily series (.daily.csv.gz) sit beside it."""
        key = f"{work.scenario.name}-{work.scenario.content_hash()}"
        return self.folder / f"flowsim-{__version__}" / key / f"seed{work.seed}" / f"replication{work.replication:05d}.json"

    def _files(self, work: Replication) -> dict[str, Path]:
        manifest = self.path(work)
        return {"kpis": manifest.with_suffix(".csv"), "daily": manifest.with_suffix(".daily.csv.gz")}

    @staticmethod
    def _identity(work: Replication) -> dict[str, Any]:
        """What a stored replication must have been made by to be reused."""
        return {
            "flowsim_version": __version__,
            "store_format": STORE_FORMAT,
            "scenario": work.scenario.name,
            "content_hash": work.scenario.content_hash(),
            "seed": work.seed,
            "replication": work.replication,
        }

    def load(self, work: Replication) -> Outcome | None:
        """The stored outcome of `work`, or None if none is stored that can be trusted."""
        identity = self._identity(work)
        try:
            manifest = json.loads(self.path(work).read_text())
            if {key: manifest.get(key) for key in identity} != identity:
                return None
            content = {name: path.read_bytes() for name, path in self._files(work).items()}
            if any(hashlib.sha256(data).hexdigest() != manifest[name]["sha256"] for name, data in content.items()):
                return None
            kpis = pd.read_csv(io.BytesIO(content["kpis"]), index_col="kpi")
            daily = pd.read_csv(io.BytesIO(content["daily"]), compression="gzip", index_col="date", parse_dates=["date"])
            if (len(kpis), len(daily)) != (manifest["kpis"]["rows"], manifest["daily"]["rows"]):
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        daily.index = daily.index.date
        daily.index.name = "date"
        return Outcome(kpis, daily)

    def save(self, work: Replication, outcome: Outcome) -> None:
        """Store `outcome`: each file atomically, the manifest with their checksums and row counts last."""
        files = self._files(work)
        files["kpis"].parent.mkdir(parents=True, exist_ok=True)
        contents = {"kpis": outcome.kpis.to_csv().encode(), "daily": gzip.compress(outcome.daily.to_csv().encode(), mtime=0)}
        rows = {"kpis": len(outcome.kpis), "daily": len(outcome.daily)}
        manifest: dict[str, Any] = self._identity(work)
        for name, data in contents.items():
            write_atomically(files[name], lambda tmp, data=data: tmp.write_bytes(data))
            manifest[name] = {"file": files[name].name, "sha256": hashlib.sha256(data).hexdigest(), "rows": rows[name]}
        write_atomically(self.path(work), lambda tmp: tmp.write_text(json.dumps(manifest, indent=1)))


def default_scheduler() -> str | None:
    """The Dask scheduler address from FLOWSIM_SCHEDULER, if set."""
    return os.environ.get(SCHEDULER_VARIABLE) or None


@dataclass
class Runner:
    """Where replications run: serially, in a local process pool, or on a Dask cluster.

    `workers` is the local pool size (default: every core; 1 runs in this
    process). `scheduler` is a Dask scheduler address such as
    tcp://10.0.0.5:8786, or a `distributed.Client` already connected.
    """

    workers: int | None = None
    scheduler: Any = None
    progress: bool = True
    on_progress: Callable[[int, int], None] | None = None
    """Called with (finished, to run) once each finished replication has been taken (and stored); it may
    raise to stop the run there (the app's Cancel), keeping what was taken."""

    def map(
        self, function: Callable[[Scenario, int, int], Any], work: Sequence[Replication]
    ) -> Iterator[tuple[Replication, Any]]:
        """Yield (work, result) as each finishes, in completion order."""
        if not work:
            return
        with self._progress(len(work)) as tick:
            for finished, done in enumerate(self._completed(function, work), start=1):
                yield done
                tick()
                if self.on_progress is not None:
                    self.on_progress(finished, len(work))

    def _completed(
        self, function: Callable[[Scenario, int, int], Any], work: Sequence[Replication]
    ) -> Iterator[tuple[Replication, Any]]:
        if self.scheduler is not None:
            yield from self._on_dask(function, work)
            return
        workers = min(self.workers or os.cpu_count() or 1, len(work))
        if workers == 1:
            for item in work:
                yield item, function(item.scenario, item.seed, item.replication)
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(function, w.scenario, w.seed, w.replication): w for w in work}
            try:
                for future in as_completed(futures):
                    # Dropping the finished future frees its result once absorbed, so the
                    # parent does not hold every replication's daily table until the end.
                    yield futures.pop(future), future.result()
            finally:
                for future in futures:
                    future.cancel()

    def _on_dask(
        self, function: Callable[[Scenario, int, int], Any], work: Sequence[Replication]
    ) -> Iterator[tuple[Replication, Any]]:
        from distributed import Client, as_completed as dask_completed

        client = self.scheduler if isinstance(self.scheduler, Client) else Client(self.scheduler)
        try:
            keys = [f"{function.__name__}-{w.label}-{w.scenario.content_hash()}-{w.seed}-{w.replication}" for w in work]
            owner = dict(zip(keys, work))
            # Only the iterator holds the futures, so each result is released on the
            # cluster once it has been yielded rather than kept until the last one.
            completed = dask_completed(
                client.map(
                    function, [w.scenario for w in work], [w.seed for w in work], [w.replication for w in work], key=keys
                )
            )
            for future in completed:
                yield owner.pop(future.key), future.result()
        finally:
            if client is not self.scheduler:
                client.close()

    @contextmanager
    def _progress(self, total: int) -> Iterator[Callable[[], None]]:
        if not self.progress:
            yield lambda: None
            return
        from tqdm.auto import tqdm

        with tqdm(total=total, unit="replication", leave=False) as bar:
            yield lambda: bar.update()


@dataclass
class _Collector:
    """Finished replications of labelled scenarios, absorbed in replication order as they arrive.

    KPIs are kept as plain numpy rows against one shared index per scenario (a thousand
    replications cost a thousand small arrays, not a thousand pandas objects); daily series
    only as running sums for the bands and monthly totals.
    """

    scenarios: dict[str, Scenario]
    seed: int
    ran: int = 0
    reused: int = 0
    _daily: dict[str, RunningBands] = field(default_factory=dict)
    _waiting: dict[str, dict[int, Outcome]] = field(default_factory=dict)
    _kpis: dict[str, list[np.ndarray]] = field(default_factory=dict)
    _kpi_names: dict[str, pd.Index] = field(default_factory=dict)
    _months: dict[str, list[np.ndarray]] = field(default_factory=dict)
    _month_axes: dict[str, tuple[pd.Index, pd.Index]] = field(default_factory=dict)

    def replications(self, label: str) -> int:
        """How many replications of `label` have been absorbed (0, 1, ... without gaps)."""
        return len(self._kpis.get(label, []))

    def add(self, label: str, replication: int, outcome: Outcome) -> None:
        """Take one finished replication; outcomes are absorbed in replication order."""
        waiting = self._waiting.setdefault(label, {})
        waiting[replication] = outcome
        while self.replications(label) in waiting:
            self._absorb(label, waiting.pop(self.replications(label)))

    def _absorb(self, label: str, outcome: Outcome) -> None:
        names = self._kpi_names.setdefault(label, outcome.kpis.index)
        self._kpis.setdefault(label, []).append(outcome.kpis["value"].reindex(names).to_numpy(dtype=float))
        self._daily.setdefault(label, RunningBands()).add(outcome.daily)
        daily = outcome.daily.assign(days=1.0)
        months = daily.groupby(pd.to_datetime(daily.index).to_period("M")).sum(min_count=1)
        rows, columns = self._month_axes.setdefault(label, (months.index, months.columns))
        self._months.setdefault(label, []).append(months.reindex(index=rows, columns=columns).to_numpy(dtype=float))

    def values(self, label: str) -> pd.DataFrame:
        """Every KPI of every replication absorbed so far, a row per replication."""
        kpis = self._kpis[label]
        return pd.DataFrame(np.vstack(kpis), index=pd.RangeIndex(len(kpis), name="replication"), columns=self._kpi_names[label])

    def results(self, files: dict[str, str | Path] | None, command: str) -> ExperimentResults:
        """What has been absorbed, as the experiment's results."""
        values, monthly = {}, {}
        for label in self.scenarios:
            values[label] = self.values(label)
            months, measures = self._month_axes[label]
            index = pd.MultiIndex.from_product([values[label].index, months.rename("month")])
            monthly[label] = pd.DataFrame(np.vstack(self._months[label]), index=index, columns=measures)
        bands = pd.concat([self._daily[label].summary().assign(scenario=label) for label in self.scenarios], ignore_index=True)
        replications = min(len(table) for table in values.values())
        about = describe(self.scenarios, self.seed, replications, files, command)
        return ExperimentResults(
            about, values, monthly, bands[["scenario", "date", "measure", "mean", "lower", "upper", "n"]],
            ran=self.ran, reused=self.reused,
        )  # fmt: skip


def run_experiment(
    scenarios: dict[str, Scenario],
    replications: int,
    seed: int = 0,
    store: ReplicationStore | None = None,
    runner: Runner | None = None,
    files: dict[str, str | Path] | None = None,
    command: str = "",
) -> ExperimentResults:
    """Run replications 0..replications-1 of every scenario with the same seed, reusing stored ones.

    The first scenario is the base the others are compared with. `files` (each scenario's
    file by label) and `command` only go into the results' record."""
    collector = _Collector(dict(scenarios), seed)
    _extend(collector, replications, store, runner or Runner())
    return collector.results(files, command)


def _extend(collector: _Collector, replications: int, store: ReplicationStore | None, runner: Runner) -> None:
    """Bring every scenario of `collector` up to `replications` replications."""
    missing = []
    for label, scenario in collector.scenarios.items():
        for replication in range(collector.replications(label), replications):
            work = Replication(label, scenario, collector.seed, replication)
            stored = store.load(work) if store is not None else None
            if stored is None:
                missing.append(work)
            else:
                collector.add(label, replication, stored)
                collector.reused += 1
    for work, outcome in runner.map(replication_outcome, missing):
        if store is not None:
            store.save(work, outcome)
        collector.add(work.label, work.replication, outcome)
        collector.ran += 1


def replication_kpis(
    work: Sequence[Replication], store: ReplicationStore | None, runner: Runner
) -> tuple[dict[tuple[str, int], pd.Series], int]:
    """Every KPI of each (label, replication number) of `work`, stored ones reused and new ones stored;
    and how many were run (for searches that ask for replications a few at a time)."""
    found: dict[tuple[str, int], pd.Series] = {}
    missing = []
    for item in work:
        stored = store.load(item) if store is not None else None
        if stored is None:
            missing.append(item)
        else:
            found[item.label, item.replication] = stored.kpis["value"]
    for item, outcome in runner.map(replication_outcome, missing):
        if store is not None:
            store.save(item, outcome)
        found[item.label, item.replication] = outcome.kpis["value"]
    return found, len(missing)


def run_until_precise(
    scenario: Scenario,
    kpis: list[str],
    target: float,
    seed: int = 0,
    initial: int = 5,
    maximum: int = 200,
    store: ReplicationStore | None = None,
    runner: Runner | None = None,
    files: dict[str, str | Path] | None = None,
    command: str = "",
) -> tuple[ExperimentResults, int | None]:
    """Add replications until every chosen KPI's 95% relative half-width is within `target`.

    The confidence-interval method: after each batch, find the fewest
    replications from which the target holds for every later prefix; stop once
    that number is followed by a look-ahead of max(3, 10%) further replications
    that all keep it. Returns the results and that number (None if `maximum`
    was reached first). `kpis` must be names of the catalogue.
    """
    unknown = sorted(set(kpis) - set(produced_by(scenario)))
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not a KPI of {scenario.name}; `flowsim kpis` lists the KPIs")
    runner = runner or Runner()
    collector = _Collector({scenario.name: scenario}, seed)
    batch = max(runner.workers or os.cpu_count() or 1, 1)
    total = initial
    while True:
        _extend(collector, total, store, runner)
        needed = precise_from(collector.values(scenario.name), kpis, target)
        if needed is not None and total >= needed + max(3, needed // 10):
            return collector.results(files, command), needed
        if total >= maximum:
            return collector.results(files, command), None
        total = min(maximum, total + batch)


WARMUP_MEASURES = ("acute_occupied", "medically_fit", "dtoc", "step_down_occupied", "reablement_hours_in_use", "home_care_hours_in_use")


@dataclass
class WarmupAnalysis:
    """Daily measures from an empty start across replications, and the warm-up they imply."""

    series: dict[str, pd.DataFrame]
    averages: dict[str, pd.Series]
    truncation: dict[str, int]
    days: int
    """Days run from empty."""

    @property
    def recommended_days(self) -> int:
        """The longest MSER-5 truncation over the measures, rounded up to whole weeks."""
        return _whole_weeks(max(self.truncation.values(), default=0))

    @property
    def capped(self) -> list[str]:
        """The measures whose truncation is at MSER-5's search limit (half the run): they had not settled
        by then, so the warm-up they need is longer than the run can show."""
        limit = mser5_limit(self.days)
        return [name for name, days in self.truncation.items() if limit and days >= limit]

    @property
    def too_short(self) -> bool:
        """Whether the run is too short to judge: a measure capped, or a truncation past a third of the run
        (fewer than twice the warm-up's days left to tell a settled level from a drift)."""
        return bool(self.capped) or max(self.truncation.values(), default=0) * RUN_PER_WARMUP > self.days

    @property
    def suggested_days(self) -> int:
        """A run long enough to judge: three times the warm-up found, and twice this run when capped (the
        true warm-up is at least the limit); whole weeks."""
        longest = max(self.truncation.values(), default=0)
        return _whole_weeks(max(RUN_PER_WARMUP * longest, 2 * self.days if self.capped else 0))


RUN_PER_WARMUP = 3
"""A run from empty should be at least this many times the warm-up it finds (Hoad, Robinson and Davies, 2010)."""


def _whole_weeks(days: int) -> int:
    return -(-days // 7) * 7


def analyse_warmup(
    scenario: Scenario, replications: int, days: int, seed: int = 0, window: int = 7, runner: Runner | None = None
) -> WarmupAnalysis:
    """Run from empty (no warm-up) and find where each measure settles (Welch's plot and MSER-5).

    MSER-5 is applied to the mean over replications of each daily measure;
    the moving average (half-width `window` days) is for the eye.
    """
    cold = scenario.model_copy(update={"warmup_days": 0, "days": days})
    work = [Replication(scenario.name, cold, seed, r) for r in range(replications)]
    census = {w.replication: table for w, table in (runner or Runner()).map(replication_census, work)}
    series, averages, truncation = {}, {}, {}
    for measure in WARMUP_MEASURES:
        if measure not in census[0]:
            continue
        table = pd.DataFrame({r: census[r][measure].to_numpy(dtype=float) for r in sorted(census)})
        table.index.name = "day"
        series[measure] = table
        averages[measure] = moving_average(table.mean(axis=1), window)
        truncation[measure] = mser5(table.mean(axis=1))
    return WarmupAnalysis(series, averages, truncation, days)
