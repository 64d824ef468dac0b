"""Choosing the best of a few options, and telling feasible options from infeasible ones, by simulation.

A simulation gives each option's KPI with noise, so "the best" can only be
promised up to an **indifference zone** `delta`: a planner who does not care
about differences smaller than delta (say £50,000 a year) wants the best
option, or one within delta of it, with a stated probability `1 - alpha`.

`select_best` is Kim and Nelson's fully sequential procedure KN++ (Kim and
Nelson 2001, "A fully sequential procedure for indifference-zone selection in
simulation", ACM TOMACS 11(3); with the variance updating of Kim and Nelson
2006, "On the asymptotic validity of fully sequential selection procedures
for steady-state simulation", Operations Research 54(3)). Every option runs
the same replication numbers, so options are compared on **paired
differences**: common random numbers (CRN) make two similar options share
their luck, and the variance of their difference, which is all the
procedure needs, is far smaller than the sum of their variances. After a
first stage of `n0` replications each, every option still in contention gets
more replications, and an option is eliminated as soon as its mean trails
another's by more than a margin that shrinks as replications accumulate (a
triangular continuation region). It stops when one option is left, or when
the margin has closed (then the best mean wins), or at the budget. Noisy,
close options get many replications; clearly worse ones are dropped after
the first stage. The guarantee needs each replication's KPI to be (about)
normal, independent across replications, with any variances and any CRN
correlation; it is exact for KN with first-stage variances and asymptotic
(as delta shrinks) with the variances updated as data arrive, which is what
KN++ does to spend fewer replications.

`screen_feasibility` tells whether each option's mean KPI meets a bound (mean
occupancy at most 0.92): it is Andradottir and Kim's feasibility check
(Andradottir and Kim 2010, "Fully sequential procedures for comparing
constrained systems via simulation", Naval Research Logistics 57(5)), the
same triangular region applied to the running sum of (KPI - bound). With a
tolerance `epsilon`, an option whose mean is better than the bound by at
least epsilon is declared feasible, and one worse by at least epsilon
infeasible, all of them together with probability at least `1 - alpha`;
an option within epsilon of the bound may go either way. A repeated
t interval ("feasible once the upper 95% bound is below 0.92") would look at
the data again after every replication and so be wrong more often than 5%;
the triangular region is built for repeated looks. As in KN++, its variances
are updated as replications arrive.

Both take a **sampler**: `sample(candidates, replications)` returns an array
with a row for each candidate and a column for each replication number, so a
caller can run all the candidates of a stage in parallel; `one_at_a_time`
turns a `sample(candidate, replication) -> float` into one. Replications can
be added `step` at a time (looking only every `step` replications keeps the
guarantee: the boundary-crossing bounds hold for any set of looks).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

Sampler = Callable[[Sequence[int], Sequence[int]], np.ndarray]
"""(candidates, replication numbers) -> array of shape (len(candidates), len(replications))."""

Sense = Literal["smaller", "larger"]
Bound = Literal["at_most", "at_least"]


def one_at_a_time(sample: Callable[[int, int], float]) -> Sampler:
    """A sampler from a function of one candidate and one replication number."""

    def batch(candidates: Sequence[int], replications: Sequence[int]) -> np.ndarray:
        return np.array([[sample(c, r) for r in replications] for c in candidates], dtype=float)

    return batch


def _h2(beta: float, degrees_of_freedom: int) -> float:
    """h^2 = 2 eta f of Kim and Nelson's triangle (c = 1): the pairwise error it allows is beta."""
    eta = 0.5 * ((2.0 * beta) ** (-2.0 / degrees_of_freedom) - 1.0)
    return 2.0 * eta * degrees_of_freedom


def _intervals(values: np.ndarray, counts: np.ndarray, candidates: Sequence[int], confidence: float) -> pd.DataFrame:
    """Mean, Student t interval and replications of each candidate (columns of `values` beyond its count unused)."""
    rows = {}
    for c in candidates:
        x = values[c, : counts[c]]
        n = len(x)
        mean = float(x.mean())
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        rows[c] = {"mean": mean, "lower": mean - half, "upper": mean + half, "n": n}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "lower", "upper", "n"]).rename_axis("candidate")


def _next_block(sample: Sampler, rows: np.ndarray, r: int, n0: int, step: int, budget: int, first: int) -> np.ndarray:
    """The next replications of these candidates: the first n0, then `step` at a time, up to the budget."""
    more = min(n0 if r == 0 else step, budget - r)
    return sample(rows.tolist(), range(first + r, first + r + more))


def _check(n0: int, max_replications: int, confidence: float, step: int) -> None:
    if n0 < 2:
        raise ValueError(f"n0 must be at least 2 (a variance needs two replications), got {n0}")
    if max_replications < n0:
        raise ValueError(f"max_replications ({max_replications}) must be at least n0 ({n0})")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")


@dataclass(frozen=True)
class Selection:
    """What `select_best` found.

    `survivors` are the candidates never eliminated (the selected one among
    them); `replications[i]` is how many replications candidate i ran;
    `summary` has each survivor's mean and t interval (at the procedure's
    confidence); `stopped` says why it stopped: "one left", "margin closed"
    (every survivor within a zero margin: the best mean wins) or "budget".
    """

    selected: int
    survivors: tuple[int, ...]
    replications: np.ndarray
    summary: pd.DataFrame
    stopped: str


def select_best(
    sample: Sampler,
    n_candidates: int,
    delta: float,
    confidence: float = 0.95,
    n0: int = 10,
    max_replications: int = 1000,
    better: Sense = "smaller",
    first_replication: int = 0,
    step: int = 1,
    update_variances: bool = True,
) -> Selection:
    """KN++: the candidate with the best mean, or one within `delta` of it, with probability >= `confidence`.

    Every candidate runs replication numbers `first_replication`,
    `first_replication + 1`, ... (common random numbers). `max_replications`
    caps the replications of any one candidate; stopping there keeps the
    survivors' intervals but not the guarantee. With `update_variances`
    False it is KN, with the first stage's variances throughout.
    """
    _check(n0, max_replications, confidence, step)
    if delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    sign = -1.0 if better == "smaller" else 1.0
    values = np.empty((n_candidates, max_replications))
    counts = np.zeros(n_candidates, dtype=int)
    alive = np.arange(n_candidates)
    pairs = max(n_candidates - 1, 1)  # the best against each of the others: Sidak's split for KN++, Bonferroni's for KN
    beta = 1.0 - confidence ** (1.0 / pairs) if update_variances else (1.0 - confidence) / pairs
    r, stopped = 0, "one left"
    first_variances = np.zeros((n_candidates, n_candidates))
    while True:
        block = _next_block(sample, alive, r, n0, step, max_replications, first_replication)
        values[alive, r : r + block.shape[1]] = sign * block
        r += block.shape[1]
        counts[alive] = r
        if len(alive) == 1:
            break
        x = values[alive, :r]
        if update_variances or r == n0:
            variances = (x[:, None, :] - x[None, :, :]).var(axis=2, ddof=1)
            first_variances[np.ix_(alive, alive)] = variances
        else:
            variances = first_variances[np.ix_(alive, alive)]
        h2 = _h2(beta, (r if update_variances else n0) - 1)
        margin = np.maximum(0.0, delta / (2.0 * r) * (h2 * variances / delta**2 - r))
        means = x.mean(axis=1)
        keep = ~(means[:, None] < means[None, :] - margin).any(axis=1)
        alive = alive[keep]
        if len(alive) == 1:
            break
        if not margin[np.ix_(keep, keep)].any():
            stopped = "margin closed"
            break
        if r >= max_replications:
            stopped = "budget"
            break
    best = int(alive[np.argmax(values[alive, :r].mean(axis=1))])
    summary = _intervals(sign * values, counts, alive.tolist(), confidence)
    return Selection(best, tuple(int(a) for a in alive), counts, summary, stopped)


@dataclass(frozen=True)
class Feasibility:
    """What `screen_feasibility` found.

    `status[i]` is "feasible", "infeasible" or "undecided" (the budget ran out
    inside the triangle: the data cannot place candidate i's mean on either
    side of the bound, give or take epsilon); `replications[i]` is how many
    replications it ran; `summary` has every candidate's mean and t interval
    and its status.
    """

    status: tuple[str, ...]
    replications: np.ndarray
    summary: pd.DataFrame

    def feasible(self) -> list[int]:
        """The candidates declared feasible."""
        return [i for i, s in enumerate(self.status) if s == "feasible"]


def screen_feasibility(
    sample: Sampler,
    n_candidates: int,
    bound: float,
    kind: Bound,
    epsilon: float,
    confidence: float = 0.95,
    n0: int = 10,
    max_replications: int = 1000,
    first_replication: int = 0,
    step: int = 1,
) -> Feasibility:
    """Andradottir and Kim's check of mean KPI `kind` `bound` for every candidate.

    All decisions are right together with probability >= `confidence`
    (Bonferroni over the candidates), counting as right either answer for a
    candidate whose mean is within `epsilon` of the bound.
    """
    _check(n0, max_replications, confidence, step)
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    sign = 1.0 if kind == "at_most" else -1.0
    beta = (1.0 - confidence) / n_candidates
    values = np.empty((n_candidates, max_replications))
    counts = np.zeros(n_candidates, dtype=int)
    status = np.full(n_candidates, "undecided", dtype=object)
    open_ = np.arange(n_candidates)
    r = 0
    while len(open_) and r < max_replications:
        block = _next_block(sample, open_, r, n0, step, max_replications, first_replication)
        values[open_, r : r + block.shape[1]] = block
        r += block.shape[1]
        counts[open_] = r
        excess = sign * (values[open_, :r] - bound)  # positive: the wrong side of the bound
        half_width = np.maximum(0.0, _h2(beta, r - 1) * excess.var(axis=1, ddof=1) / (2.0 * epsilon) - epsilon * r / 2.0)
        total = excess.sum(axis=1)
        status[open_[total <= -half_width]] = "feasible"
        status[open_[(total >= half_width) & (total > -half_width)]] = "infeasible"
        open_ = open_[status[open_] == "undecided"]
    summary = _intervals(values, counts, range(n_candidates), confidence)
    summary["status"] = status
    return Feasibility(tuple(str(s) for s in status), counts, summary)
