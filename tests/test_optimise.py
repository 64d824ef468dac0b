"""The capacity search on a toy county whose cheapest feasible plan is known by brute force.

The toy: acute occupancy is load / beds, where community capacity takes load
away with diminishing returns (load = 200 - 30 sqrt(community)), plus normal
noise with common random numbers; delayed bed days rise with occupancy. Beds
cost 100 a day, community 150,000 a unit a year, so one can stand in for the
other and the cheapest plan under 92% occupancy has some of both.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flowsim import load_scenario
from flowsim.analysis.optimise import Constraint, Lever, Settings, optimise, yearly_cost
from flowsim.analysis.capacity_search import FlowsimEvaluator
from tests.queueing import TWO_STAGE

BOUND, EPSILON, DELTA = 0.92, 0.005, 50_000.0
OCCUPANCY = Constraint("occupancy_mean", "at_most", BOUND, EPSILON)
SMALL = [Lever("beds", 90, 150, 5, 100.0, 365), Lever("community", 0, 6, 1, 150_000.0)]
"""91 plans: run whole."""
LARGE = [Lever("beds", 60, 160, 1, 100.0, 365), Lever("community", 0, 40, 1, 150_000.0)]
"""4,141 plans: pattern search."""


REPLICATIONS = 2000
"""Replication numbers the toy has noise for."""


def occupancy(beds: float, community: float) -> float:
    return (200 - 30 * math.sqrt(community)) / beds


class Toy:
    """evaluate(plan, replications) for the toy county, recording every replication number asked for."""

    def __init__(self, seed: int, sd: float = 0.02, rho: float = 0.7) -> None:
        self.seed, self.sd, self.rho = seed, sd, rho
        self.shared = np.random.default_rng(seed).standard_normal(REPLICATIONS)
        self.asked: list[tuple[tuple[float, float], int]] = []

    def __call__(self, plan: dict[str, float], replications) -> pd.DataFrame:
        r = np.asarray(list(replications))
        beds, community = plan["beds"], plan["community"]
        self.asked += [((beds, community), int(i)) for i in r]
        own = np.random.default_rng([self.seed, int(beds), int(community)]).standard_normal(REPLICATIONS)
        noise = math.sqrt(self.rho) * self.shared[r] + math.sqrt(1 - self.rho) * own[r]
        occupied = occupancy(beds, community) + self.sd * noise
        return pd.DataFrame({"occupancy_mean": occupied, "dtoc_bed_days_per_year": 20_000 * occupied**4}, index=r)


def cheapest_feasible(levers: list[Lever]) -> float:
    """Brute force: the lowest cost of a plan with occupancy at least epsilon inside the bound."""
    return min(
        yearly_cost(levers, {"beds": b, "community": c})
        for b in levers[0].values()
        for c in levers[1].values()
        if occupancy(b, c) <= BOUND - EPSILON
    )


def right(levers: list[Lever], plan: dict[str, float] | None) -> bool:
    """The plan meets the bound within the tolerance and costs at most delta more than the cheapest feasible."""
    if plan is None:
        return False
    feasible = occupancy(plan["beds"], plan["community"]) <= BOUND + EPSILON
    return feasible and yearly_cost(levers, plan) <= cheapest_feasible(levers) + DELTA


def share_right(levers: list[Lever], repetitions: int) -> float:
    answers = (optimise(Toy(seed), levers, [OCCUPANCY], Settings(delta=DELTA)).recommended for seed in range(repetitions))
    return sum(right(levers, plan) for plan in answers) / repetitions


def allowance(rate: float, repetitions: int) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / repetitions)


@pytest.mark.parametrize("levers", [SMALL, LARGE], ids=["full grid", "pattern search"])
def test_optimise_returns_the_cheapest_feasible_plan_or_one_within_delta(levers: list[Lever]) -> None:
    repetitions = 12
    assert share_right(levers, repetitions) >= 0.95 - allowance(0.95, repetitions)


@pytest.mark.slow
@pytest.mark.parametrize("levers", [SMALL, LARGE], ids=["full grid", "pattern search"])
def test_optimise_is_right_at_the_stated_rate_over_many_repetitions(levers: list[Lever]) -> None:
    repetitions = 100
    assert share_right(levers, repetitions) >= 0.95 - allowance(0.95, repetitions)


def test_the_pattern_search_spends_a_small_fraction_of_a_full_grid_and_confirms_on_fresh_replications() -> None:
    toy = Toy(seed=1)
    result = optimise(toy, LARGE, [OCCUPANCY], Settings(delta=DELTA))
    assert right(LARGE, result.recommended)
    grid = math.prod(len(lever.values()) for lever in LARGE)
    assert result.replications == len(toy.asked) < 0.05 * grid * Settings(delta=DELTA).explore
    confirmation = len(result.confirmation) * Settings(delta=DELTA).confirm
    searched, confirmed = toy.asked[:-confirmation], toy.asked[-confirmation:]
    assert min(r for _, r in confirmed) > max(r for _, r in searched)


def test_the_answer_has_near_equals_a_frontier_and_price_sensitivity() -> None:
    result = optimise(Toy(seed=2), SMALL, [OCCUPANCY], Settings(delta=DELTA, price_change=0.5))
    winner = result.near_equal[result.near_equal.winner].iloc[0]
    assert {"beds": winner.beds, "community": winner.community} == result.recommended
    assert (result.near_equal.objective <= winner.objective + DELTA + 1e-6).all()
    frontier = result.frontier
    assert frontier.cost_per_year.is_monotonic_increasing and frontier.delayed_bed_days.is_monotonic_decreasing
    assert (frontier.lower <= frontier.delayed_bed_days).all() and len(frontier) > 3
    dearer = result.sensitivity.set_index(["lever", "unit_cost_change"])
    assert dearer.loc[("community", 0.5), "community"] <= result.recommended["community"]
    assert dearer.loc[("beds", 0.5), "beds"] <= result.recommended["beds"]
    assert dearer.loc[("community", 0.5), "objective"] >= dearer.loc[("community", -0.5), "objective"]


@pytest.mark.parametrize("levers", [SMALL, LARGE], ids=["full grid", "pattern search"])
def test_a_delay_price_moves_the_answer_towards_more_capacity(levers: list[Lever]) -> None:
    cheap = optimise(Toy(seed=3), levers, [OCCUPANCY], Settings(delta=DELTA)).recommended
    priced = optimise(Toy(seed=3), levers, [OCCUPANCY], Settings(delta=DELTA, delay_price=2_000.0)).recommended
    assert cheap is not None and priced is not None
    assert occupancy(priced["beds"], priced["community"]) < occupancy(cheap["beds"], cheap["community"])


def test_a_plan_that_runs_away_in_one_replication_is_never_recommended() -> None:
    toy = Toy(seed=6)

    def runaway_below_120_beds(plan: dict[str, float], replications) -> pd.DataFrame:
        table = toy(plan, replications)
        return table.assign(runaway=[float(plan["beds"] < 120 and r == 3) for r in table.index])

    result = optimise(runaway_below_120_beds, SMALL, [OCCUPANCY], Settings(delta=DELTA))
    assert result.recommended is not None and result.recommended["beds"] >= 120
    looked = result.explored[result.explored.looks_feasible]
    assert (looked.beds >= 120).all() and (result.frontier.beds >= 120).all()


def test_no_plan_meets_an_impossible_target_and_the_result_says_so() -> None:
    impossible = Constraint("occupancy_mean", "at_most", 0.5, 0.01)
    result = optimise(Toy(seed=4), SMALL, [impossible], Settings(delta=DELTA))
    assert result.recommended is None and result.notes
    assert not result.explored.looks_feasible.any()


def test_a_plan_costs_each_lever_times_its_price_and_periods_a_year() -> None:
    assert yearly_cost(SMALL, {"beds": 100, "community": 2}) == pytest.approx(100 * 100 * 365 + 2 * 150_000)
    with pytest.raises(ValueError, match="positive step"):
        Lever("beds", 10, 5, 1, 1.0).values()
    with pytest.raises(ValueError, match="explore >= 2"):
        Settings(delta=DELTA, explore=1)


def test_plans_needed_together_go_to_evaluate_many_in_one_call_with_the_same_answer() -> None:
    toy, calls = Toy(seed=5), []

    def many(requests):
        calls.append(len(requests))
        return [toy(plan, reps) for plan, reps in requests]

    together = optimise(toy, SMALL, [OCCUPANCY], Settings(delta=DELTA), evaluate_many=many)
    alone = optimise(Toy(seed=5), SMALL, [OCCUPANCY], Settings(delta=DELTA))
    assert calls[0] == math.prod(len(lever.values()) for lever in SMALL)
    assert together.recommended == alone.recommended and together.replications == alone.replications


@pytest.mark.slow
def test_on_flowsims_two_stage_scenario_optimise_finds_the_plan_brute_force_found() -> None:
    """Acute beds then step-down beds, 35 plans. Brute force (40 replications a plan, 300 for the
    winner, seed 0; docs/optimisation.md): the cheapest plan under 91% occupancy is 14 acute and 22
    step-down beds (0.892, standard error 0.002); the next cheapest are over 100,000 a year dearer."""

    scenario = load_scenario(TWO_STAGE, {"days": 365, "warmup_days": 60})
    evaluate = FlowsimEvaluator(scenario, seed=1)
    levers = [Lever("general_beds", 12, 24, 2, 313.0, 365), Lever("step_down_beds", 18, 26, 2, 150.0, 365)]
    occupancy_at_most = Constraint("occupancy_mean", "at_most", 0.92, 0.01)
    result = optimise(evaluate, levers, [occupancy_at_most], Settings(delta=20_000), evaluate.many)
    assert result.recommended == {"general_beds": 14, "step_down_beds": 22}


def delays(plan: dict[str, float]) -> float:
    """The toy's mean delayed bed days a year (its noise aside): rising with occupancy."""
    return 20_000 * occupancy(plan["beds"], plan["community"]) ** 4


def fewest_delays_within(levers: list[Lever], budget: float) -> float:
    """Brute force: the fewest delays of a plan the budget buys with occupancy at least epsilon inside the bound."""
    plans = ({"beds": b, "community": c} for b in levers[0].values() for c in levers[1].values())
    return min(delays(p) for p in plans if yearly_cost(levers, p) <= budget and occupancy(p["beds"], p["community"]) <= BOUND - EPSILON)


def budget_right(levers: list[Lever], budget: float, delta: float, plan: dict[str, float] | None) -> bool:
    """Within budget, feasible within the tolerance, and within delta bed days of the fewest delays the budget buys."""
    if plan is None:
        return False
    feasible = occupancy(plan["beds"], plan["community"]) <= BOUND + EPSILON
    return feasible and yearly_cost(levers, plan) <= budget and delays(plan) <= fewest_delays_within(levers, budget) + delta


def budget_answers(levers: list[Lever], repetitions: int) -> tuple[list[dict[str, float] | None], float]:
    """The plans `optimise` recommends with a budget £400,000 a year above the cheapest feasible plan's, and the share right."""
    budget, delta = cheapest_feasible(levers) + 400_000, 200.0
    answers = [optimise(Toy(seed), levers, [OCCUPANCY], Settings(delta=delta, budget=budget)).recommended for seed in range(repetitions)]
    return answers, sum(budget_right(levers, budget, delta, plan) for plan in answers) / repetitions


@pytest.mark.parametrize("levers", [SMALL, LARGE], ids=["full grid", "pattern search"])
def test_with_a_budget_optimise_returns_the_plan_with_fewest_delays_the_budget_buys(levers: list[Lever]) -> None:
    answers, share = budget_answers(levers, 12)
    assert share >= 0.95 - allowance(0.95, 12)
    cheapest = optimise(Toy(0), levers, [OCCUPANCY], Settings(delta=DELTA)).recommended
    assert cheapest is not None and answers[0] is not None and delays(answers[0]) < delays(cheapest)


@pytest.mark.slow
@pytest.mark.parametrize("levers", [SMALL, LARGE], ids=["full grid", "pattern search"])
def test_with_a_budget_optimise_is_right_at_the_stated_rate_over_many_repetitions(levers: list[Lever]) -> None:
    assert budget_answers(levers, 100)[1] >= 0.95 - allowance(0.95, 100)


def test_a_budget_below_the_cheapest_plan_or_with_a_delay_price_is_refused() -> None:
    with pytest.raises(ValueError, match="below the cheapest plan"):
        optimise(Toy(0), SMALL, [OCCUPANCY], Settings(delta=200.0, budget=1.0))
    with pytest.raises(ValueError, match="replaces a delay price"):
        Settings(delta=200.0, budget=1e7, delay_price=100.0)


def test_each_levers_cost_curve_holds_the_others_at_the_answer_and_can_be_completed() -> None:
    small = optimise(Toy(seed=4), SMALL, [OCCUPANCY], Settings(delta=DELTA))
    assert small.recommended is not None
    curves = small.curves
    assert len(curves) == sum(len(lever.values()) for lever in SMALL) and (curves.n >= 5).all()  # a full grid ran every point
    for lever in SMALL:
        curve = curves[curves.lever == lever.name]
        assert curve.value.tolist() == lever.values().tolist()
        assert np.allclose(curve.lever_cost_per_year, curve.value * lever.unit_cost * lever.per_year)
        assert curve[curve.at_answer].value.tolist() == [small.recommended[lever.name]]
        assert curve.occupancy_mean.iloc[0] > curve.occupancy_mean.iloc[-1]  # more capacity, lower occupancy
        assert (curve.occupancy_mean_lower <= curve.occupancy_mean).all() and (curve.occupancy_mean <= curve.occupancy_mean_upper).all()
    sparse = optimise(Toy(seed=4), LARGE, [OCCUPANCY], Settings(delta=DELTA))
    full = optimise(Toy(seed=4), LARGE, [OCCUPANCY], Settings(delta=DELTA, complete_curves=True))
    assert (sparse.curves.n == 0).any() and (full.curves.n >= 5).all()
    assert full.replications == sparse.replications and full.recommended == sparse.recommended and full.curve_replications > 0
