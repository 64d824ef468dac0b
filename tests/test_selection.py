"""KN++ and the feasibility check on normal toy problems whose answer is known.

Each toy has common random numbers: a replication's noise is a share shared
by every candidate plus a share of its own, so paired differences are less
noisy than the candidates. A rate test repeats the procedure on independent
toys and asks that it is right at least 1 - alpha of the time, less a
binomial allowance (three standard errors) for the finite repetitions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from flowsim.analysis.selection import Sampler, one_at_a_time, screen_feasibility, select_best

CONFIDENCE = 0.95


def normal_toy(means: np.ndarray, sds: np.ndarray, seed: int, rho: float = 0.5, replications: int = 3000) -> Sampler:
    """Candidate i's replication r: means[i] + sds[i] x (shared noise of r, correlation rho, + its own)."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(replications)
    own = rng.standard_normal((len(means), replications))

    def sample(candidates, reps) -> np.ndarray:
        c, r = np.asarray(candidates), np.asarray(list(reps))
        noise = math.sqrt(rho) * shared[None, r] + math.sqrt(1 - rho) * own[np.ix_(c, r)]
        return means[c, None] + sds[c, None] * noise

    return sample


def allowance(rate: float, repetitions: int) -> float:
    """Three binomial standard errors of an observed rate."""
    return 3 * math.sqrt(rate * (1 - rate) / repetitions)


def rate_of_correct_selection(means: np.ndarray, sds: np.ndarray, delta: float, better: str, repetitions: int, **kw) -> float:
    """Share of independent toys in which the selected candidate's mean is within delta of the best."""
    best = means.min() if better == "smaller" else means.max()
    right = 0
    for seed in range(repetitions):
        chosen = select_best(normal_toy(means, sds, seed), len(means), delta, CONFIDENCE, better=better, **kw).selected
        right += abs(means[chosen] - best) < delta
    return right / repetitions


SLIPPAGE = np.array([0.0] + [1.0] * 9)
"""The slippage configuration: the best (smallest) by exactly delta = 1, all the others equal, the hardest case."""
UNEQUAL = np.linspace(1.0, 3.0, 10)


def test_kn_pp_picks_the_best_at_the_stated_rate_in_the_slippage_configuration_with_unequal_variances() -> None:
    repetitions = 300
    rate = rate_of_correct_selection(SLIPPAGE, UNEQUAL, 1.0, "smaller", repetitions, n0=10, max_replications=3000)
    assert rate >= CONFIDENCE - allowance(CONFIDENCE, repetitions)


def test_kn_pp_picks_the_largest_of_spread_means_when_larger_is_better() -> None:
    means = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.2])  # only the last is within delta = 0.5 of the best
    repetitions = 200
    rate = rate_of_correct_selection(means, UNEQUAL[:6][::-1], 0.5, "larger", repetitions, n0=10, max_replications=3000)
    assert rate >= CONFIDENCE - allowance(CONFIDENCE, repetitions)


def test_the_rate_test_fails_a_procedure_with_a_tiny_first_stage_and_no_sequential_stage() -> None:
    rate = rate_of_correct_selection(SLIPPAGE, UNEQUAL, 1.0, "smaller", 200, n0=2, max_replications=2)
    assert rate < CONFIDENCE - allowance(CONFIDENCE, 200)


def test_clearly_worse_candidates_go_after_the_first_stage_and_close_ones_get_more_replications() -> None:
    means = np.array([0.0, 0.3, 20.0, 20.0])
    result = select_best(normal_toy(means, np.ones(4), seed=1), 4, delta=0.5, n0=10, max_replications=3000)
    assert result.selected == 0 and result.survivors == (0,) and result.stopped == "one left"
    assert list(result.replications[2:]) == [10, 10]
    assert result.replications[1] > 10
    row = result.summary.loc[0]
    assert row["lower"] < 0.0 < row["upper"] and row["n"] == result.replications[0]


def test_identical_noise_leaves_no_variance_in_the_differences_and_the_first_stage_decides() -> None:
    means = np.array([3.0, 1.0, 2.0])
    result = select_best(normal_toy(means, np.ones(3), seed=2, rho=1.0), 3, delta=0.1, n0=5)
    assert result.selected == 1 and list(result.replications) == [5, 5, 5]


def test_the_budget_stops_the_procedure_and_keeps_the_survivors() -> None:
    means = np.array([0.0, 0.01, 0.02])
    result = select_best(normal_toy(means, np.ones(3), seed=3), 3, delta=0.05, n0=10, max_replications=30, step=10)
    assert result.stopped == "budget" and len(result.survivors) > 1
    assert set(result.summary.index) == set(result.survivors) and result.replications.max() == 30


def test_a_scalar_sampler_gives_the_same_answer_as_the_batch_one() -> None:
    batch = normal_toy(np.array([0.0, 0.4, 0.8]), np.ones(3), seed=4)
    scalar = one_at_a_time(lambda c, r: float(batch([c], [r])[0, 0]))
    a, b = (select_best(s, 3, delta=0.3, n0=10, first_replication=100) for s in (batch, scalar))
    assert a.selected == b.selected and list(a.replications) == list(b.replications)


def test_bad_settings_are_refused() -> None:
    sample = normal_toy(np.zeros(2), np.ones(2), seed=5)
    with pytest.raises(ValueError, match="n0"):
        select_best(sample, 2, delta=1.0, n0=1)
    with pytest.raises(ValueError, match="delta"):
        select_best(sample, 2, delta=0.0)
    with pytest.raises(ValueError, match="epsilon"):
        screen_feasibility(sample, 2, 0.0, "at_most", epsilon=0.0)


FEASIBILITY_MEANS = np.array([0.85, 0.90, 0.915, 0.925, 0.94, 1.00])
"""Mean occupancies around the bound 0.92 with tolerance 0.005: three feasible, three not."""


def test_feasibility_decisions_are_all_right_together_at_the_stated_rate() -> None:
    repetitions, right = 200, 0
    truth = ["feasible"] * 3 + ["infeasible"] * 3
    for seed in range(repetitions):
        sample = normal_toy(FEASIBILITY_MEANS, np.full(6, 0.03), seed)
        check = screen_feasibility(sample, 6, 0.92, "at_most", 0.005, CONFIDENCE, n0=10, max_replications=3000)
        right += list(check.status) == truth
    assert right / repetitions >= CONFIDENCE - allowance(CONFIDENCE, repetitions)


def test_feasibility_never_admits_a_clearly_infeasible_candidate() -> None:
    means = np.array([0.95, 0.97, 1.05])
    for seed in range(100):
        check = screen_feasibility(normal_toy(means, np.full(3, 0.05), seed), 3, 0.92, "at_most", 0.005, n0=5, max_replications=40)
        assert check.feasible() == []


def test_at_least_bounds_mirror_at_most_and_undecided_candidates_are_reported() -> None:
    sample = normal_toy(np.array([0.99, 0.80, 0.95]), np.full(3, 0.02), seed=6)
    check = screen_feasibility(sample, 3, 0.95, "at_least", 0.01, n0=10, max_replications=12, step=2)
    assert check.status[:2] == ("feasible", "infeasible")
    assert check.status[2] == "undecided" and check.replications[2] == 12
    assert list(check.summary.status) == list(check.status)
