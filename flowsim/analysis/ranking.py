"""Which of a planner's options is best on one KPI, known at a stated confidence, for as few runs as it takes.

A board has a baseline and a few options (restore HART, more step-down beds,
seven-day discharge...) and asks which gives the fewest delayed bed days.
Running each a fixed 20 times spends as much on a hopeless option as on the
two close ones. `rank_options` runs KN++ (`flowsim.analysis.selection`) on
the options with common random numbers: every option runs the same
replication numbers, clearly worse ones leave after the first stage, and
close ones get more replications until the best is known to be the best,
or within the indifference zone `delta` of it (in the KPI's own unit, say
500 delayed bed days a year), with probability `confidence`. When it stops
with more than one option left, those cannot be told apart within delta: the
answer says so rather than pretending a winner. Replications go through the
resumable store, so a rerun or a later `compare` reuses them. An option
whose queues ran away in any replication is not a steady state: it is
reported as such and never ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.analysis.selection import select_best
from flowsim.experiment import Replication, ReplicationStore, Runner, replication_kpis
from flowsim.results.catalogue import measure
from flowsim.scenario import Scenario, ScenarioError
from flowsim.statistics import t_interval

RUNAWAY = "runaway"


@dataclass(frozen=True)
class Ranking:
    """The option selected (None if every option ran away), those it cannot be told from, and a row per option:
    replications run, mean and interval of the KPI, and status (selected, tied, eliminated, ran away)."""

    kpi: str
    delta: float
    confidence: float
    selected: str | None
    tied: list[str]
    table: pd.DataFrame
    stopped: str
    ran: int


def rank_options(
    scenarios: dict[str, Scenario],
    kpi: str,
    delta: float,
    confidence: float = 0.95,
    n0: int = 10,
    max_replications: int = 100,
    seed: int = 0,
    store: ReplicationStore | None = None,
    runner: Runner | None = None,
) -> Ranking:
    """KN++ on the scenarios' `kpi` (the direction from the catalogue), with common random numbers."""
    better = measure(kpi).better
    if better == "neither":
        raise ScenarioError(f"--rank {kpi}: the catalogue says neither higher nor lower is better; rank on another KPI")
    runner = runner or Runner(progress=False)
    labels = list(scenarios)
    values: dict[tuple[str, int], pd.Series] = {}
    ran = 0

    def run(chosen: Sequence[str], replications: Sequence[int]) -> None:
        nonlocal ran
        work = [Replication(label, scenarios[label], seed, r) for label in chosen for r in replications if (label, r) not in values]
        found, count = replication_kpis(work, store, runner)
        values.update(found)
        ran += count

    run(labels, range(n0))
    stable = [label for label in labels if not any(values[label, r].get(RUNAWAY, 0) > 0 for r in range(n0))]

    def sample(indices: Sequence[int], replications: Sequence[int]) -> np.ndarray:
        run([stable[i] for i in indices], replications)
        return np.array([[values[stable[i], r][kpi] for r in replications] for i in indices], dtype=float)

    selected, tied, stopped = None, [], "every option ran away"
    if len(stable) == 1:
        selected, stopped = stable[0], "one option did not run away"
    elif stable:
        sense = "smaller" if better == "lower" else "larger"
        selection = select_best(sample, len(stable), delta, confidence, n0, max(max_replications, n0), sense)
        selected, stopped = stable[selection.selected], selection.stopped
        tied = [stable[i] for i in selection.survivors if i != selection.selected]
    rows = []
    for label in labels:
        numbers = sorted(r for (each, r) in values if each == label)
        series = pd.Series([values[label, r][kpi] for r in numbers], dtype=float)
        ran_away = any(values[label, r].get(RUNAWAY, 0) > 0 for r in numbers)
        status = "ran away" if ran_away else "selected" if label == selected else "tied" if label in tied else "eliminated"
        interval = t_interval(series, confidence)
        rows.append({"option": label, "status": status, "replications": len(numbers),
                     **{k: interval[k] for k in ("mean", "lower", "upper")}})  # fmt: skip
    if selected is not None and rows[labels.index(selected)]["status"] == "ran away":
        selected, stopped = None, "the option selected ran away in a later replication"
    return Ranking(kpi, delta, confidence, selected, tied, pd.DataFrame(rows), stopped, ran)


def ranking_in_words(ranking: Ranking) -> str:
    """The ranking's answer as a board reads it."""
    unit = measure(ranking.kpi).unit
    away = list(ranking.table.option[ranking.table.status == "ran away"])
    note = f" {', '.join(away)} ran away (queues grew without bound): not a steady state, not ranked." if away else ""
    spent = f" {int(ranking.table.replications.sum())} replications in all ({ranking.ran} run now)."
    if ranking.selected is None:
        return f"No option can be ranked on {ranking.kpi}: {ranking.stopped}.{note}{spent}"
    row = ranking.table.set_index("option").loc[ranking.selected]
    best = f"{ranking.selected} is best on {ranking.kpi} (mean {row['mean']:,.4g} {unit} over {row.replications} replications)"
    zone = f"within {ranking.delta:g} {unit}"
    if ranking.tied:
        return (
            f"{best}, but {', '.join(ranking.tied)} cannot be told apart from it {zone} "
            f"(stopped: {ranking.stopped}).{note}{spent}"
        )
    return f"{best}: with {ranking.confidence:.0%} confidence it is the best, or {zone} of the best.{note}{spent}"
