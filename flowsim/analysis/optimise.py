"""The cheapest capacity plan that meets the board's targets, with a stated guarantee.

A **plan** sets each capacity lever (acute beds, HART hours a month, step-down
beds, ...) to a value on a grid the planner gives (a range and a step). Its
**cost** a year is the sum over levers of value x unit cost x periods a year
(365 for a bed priced a day, 12 for hours a month priced an hour): known
exactly, without simulating. Its **targets** are constraints on mean KPIs
(mean acute occupancy at most 0.92) that only a noisy simulation can judge.
The objective is the cost, plus, if the board prices it, a delayed bed day
at a stated price times the mean delayed bed days.

The search runs in three stages, all on common random numbers (every plan
runs the same replication numbers, so plans are compared on the same luck):

1. **Explore** with a few replications a plan. A small grid is run whole.
   A large one (four levers of ten steps are 10,000 plans) is searched by a
   **pattern search** (generalised pattern search, Torczon 1997): start where
   scaling every lever together first looks feasible (found by bisection),
   then poll the plans one step away, cutting one lever, or cutting one and
   adding to another (a bed traded for HART hours), and, when delayed bed
   days are priced, adding to one; move to the cheapest that looks
   feasible, and halve the step when none is cheaper. Why this and not a
   response surface or Bayesian optimisation: capacity problems are
   monotone (more of any capacity never makes occupancy or delays worse, in
   expectation) with a cost linear in the levers, so the cheapest feasible
   plan sits on the edge of the feasible region and a search along that edge
   needs no model of the KPI surface, which for a county with queues that
   run away near capacity is sharply curved and hard to fit; the trade moves
   let it follow the edge when one capacity substitutes for another. It
   spends its replications near the edge and learns from every run which
   way is cheaper. Its limit: it finds a local optimum of the edge; with a
   non-convex edge it can miss a cheaper corner (the full grid cannot).
2. **Select** among a shortlist: the plans explored that may be feasible
   (their stage 1 interval does not rule it out) and are cheapest. Each
   constraint is checked with Andradottir and Kim's sequential feasibility
   check, then KN++ picks the plan with the lowest objective among the
   feasible ones, within an indifference zone `delta` in pounds a year
   (`flowsim.analysis.selection`). Half the error allowance goes to each:
   the shortlisted plans are all judged right on feasibility (within the
   tolerance), and the one chosen is the best feasible plan of the
   shortlist or within delta of it, together with probability at least
   `confidence`. The replications of stage 1 are reused.
3. **Confirm** the winner and its near-equals (feasible plans whose
   objective is within delta of the winner's) on replication numbers the
   search never used, because the search chose them for doing well on the
   ones it used.

With a **budget** (`Settings.budget`, GBP a year) the objective is instead
the mean delayed bed days, among the plans whose capacity costs at most the
budget: the same three stages, with the plans over budget never run (their
cost is known exactly, so the budget is a point check, not an interval) and
delta in delayed bed days a year.

The answer: the recommended plan, the near-equal set, the frontier of cost
against delayed bed days among the plans run, how the choice moves when
a unit cost changes by a stated fraction, and each lever's cost curve: the
answer with that one lever moved over its grid, its yearly cost and the
constrained KPIs and delayed bed days with their intervals, from the runs
the search made (`Settings.complete_curves` runs the points it did not).
The module knows nothing of the simulator: it is handed `evaluate(plan, replications)`, returning a table
with a row for each replication number and a column for each KPI, and, to
run the plans a stage needs in parallel, `evaluate_many`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flowsim.analysis.selection import Bound, Selection, screen_feasibility, select_best
from flowsim.statistics import t_interval

Plan = dict[str, float]
Evaluate = Callable[[Plan, Sequence[int]], pd.DataFrame]
"""(plan, replication numbers) -> KPI values, a row for each replication number (the index), a column a KPI."""

EvaluateMany = Callable[[list[tuple[Plan, list[int]]]], list[pd.DataFrame]]
"""[(plan, replication numbers), ...] -> a KPI table for each, as `Evaluate`: lets a caller run plans in parallel."""

Key = tuple[int, ...]
"""A plan as the index of each lever's value on its grid."""

Objective = Callable[[Key, pd.DataFrame], np.ndarray]
"""(plan, its KPI table) -> the objective of each replication (pounds a year)."""


@dataclass(frozen=True)
class Lever:
    """A capacity the search may set: its grid and its price.

    `unit_cost` is the price of one unit for one period (a bed for a day, an
    hour of care); `per_year` is the periods a year (365, or 12 for a
    capacity counted a month and priced an hour).
    """

    name: str
    low: float
    high: float
    step: float
    unit_cost: float
    per_year: float = 1.0

    def values(self) -> np.ndarray:
        """The grid low, low + step, ..., up to high."""
        if self.step <= 0 or self.high < self.low:
            raise ValueError(f"lever {self.name}: needs low <= high and a positive step")
        return np.round(np.arange(self.low, self.high + self.step / 2, self.step), 10)


@dataclass(frozen=True)
class Constraint:
    """Mean KPI at most (or at least) a bound, with the tolerance within which either answer will do."""

    kpi: str
    kind: Bound
    bound: float
    epsilon: float

    def met(self, mean: float) -> bool:
        """Whether a mean meets the bound."""
        return mean <= self.bound if self.kind == "at_most" else mean >= self.bound

    def possible(self, lower: float, upper: float) -> bool:
        """Whether an interval leaves the constraint possibly met."""
        return lower <= self.bound if self.kind == "at_most" else upper >= self.bound


@dataclass(frozen=True)
class Settings:
    """How hard to search and what to promise.

    `delta` is the indifference zone in pounds a year; `confidence` the
    probability of the stage 2 guarantee; `explore` the replications a plan
    in stage 1; `n0`, `step` and `max_replications` those of the stage 2
    procedures; `confirm` the fresh replications a plan in stage 3;
    `full_grid` the largest grid run whole; `shortlist` the most plans
    taken to stage 2; `delay_kpi` the delayed bed days KPI of the frontier,
    priced at `delay_price` a bed day in the objective (0: cost only);
    `price_change` the fraction by which each unit cost moves in the
    sensitivity table; `fatal` a 0/1 KPI that, if 1 in any replication of
    a plan, makes the plan infeasible whatever its other KPIs (flowsim's
    `runaway`: a run whose queues grew without bound is no steady state).
    """

    delta: float
    confidence: float = 0.95
    explore: int = 5
    n0: int = 10
    step: int = 5
    max_replications: int = 200
    confirm: int = 20
    full_grid: int = 100
    shortlist: int = 10
    delay_kpi: str = "dtoc_bed_days_per_year"
    delay_price: float = 0.0
    price_change: float = 0.2
    fatal: str = "runaway"
    budget: float | None = None
    complete_curves: bool = False

    def __post_init__(self) -> None:
        if self.delta <= 0 or self.explore < 2 or self.shortlist < 2:
            raise ValueError("settings need delta > 0, explore >= 2 (an interval needs two) and shortlist >= 2")
        if self.budget is not None and (self.budget <= 0 or self.delay_price):
            raise ValueError("a budget must be positive, and it replaces a delay price (the objective is then the delays)")


class _Runs:
    """Every replication run so far, a row of KPI values per (plan, replication number), run once."""

    def __init__(self, evaluate_many: EvaluateMany, grid: Sequence[np.ndarray], names: Sequence[str]) -> None:
        self.evaluate_many, self.grid, self.names = evaluate_many, grid, names
        self.kpis: list[str] | None = None
        self.rows: dict[Key, dict[int, np.ndarray]] = {}

    def plan(self, key: Key) -> Plan:
        """The lever values of a key."""
        return {name: float(values[i]) for name, values, i in zip(self.names, self.grid, key, strict=True)}

    def run(self, keys: Sequence[Key], replications: Sequence[int]) -> None:
        """Run these replication numbers of these plans, those not yet run, in one call."""
        missing = {key: [r for r in replications if r not in self.rows.get(key, {})] for key in dict.fromkeys(keys)}
        missing = {key: reps for key, reps in missing.items() if reps}
        if not missing:
            return
        tables = self.evaluate_many([(self.plan(key), reps) for key, reps in missing.items()])
        for (key, reps), new in zip(missing.items(), tables, strict=True):
            if self.kpis is None:
                self.kpis = list(new.columns)
            values = new.reindex(index=reps, columns=self.kpis).to_numpy(dtype=float)
            self.rows.setdefault(key, {}).update(zip(reps, values, strict=True))

    def table(self, key: Key, replications: Sequence[int]) -> pd.DataFrame:
        """KPI values of plan `key` for these replication numbers, running those not yet run."""
        self.run([key], replications)
        done = self.rows[key]
        return pd.DataFrame(np.array([done[r] for r in replications]), index=list(replications), columns=self.kpis)

    def all(self, key: Key) -> pd.DataFrame:
        """Every replication plan `key` has run."""
        return self.table(key, sorted(self.rows.get(key, {})))

    def ran_away(self, key: Key, fatal: str, replications: Sequence[int] | None = None) -> bool:
        """Whether KPI `fatal` is set in any replication of plan `key` run so far (or of these)."""
        if self.kpis is None or fatal not in self.kpis:
            return False
        table = self.all(key) if replications is None else self.table(key, replications)
        return bool((table[fatal] > 0).any())

    @property
    def spent(self) -> int:
        """Replications run, all plans together."""
        return sum(len(rows) for rows in self.rows.values())

    @property
    def last(self) -> int:
        """The highest replication number run (-1 before any)."""
        return max((max(rows) for rows in self.rows.values() if rows), default=-1)


@dataclass(frozen=True)
class Result:
    """The answer, and how it was reached.

    `recommended` is None when no plan was shown feasible (or none confirmed).
    `explored` has one row per plan run (its levers, objective, stage 1 mean
    constrained KPIs and whether it looked feasible); `confirmation` the stage 3 means and
    intervals of the winner and its near-equals on fresh replications;
    `near_equal` those confirmed within delta of the winner; `frontier` the
    plans run that no cheaper plan beats on delayed bed days; `sensitivity`
    the plan chosen when each unit cost moves; `curves` each lever's cost
    curve (`cost_curves`); `replications` all run by the search and the
    confirmation, `curve_replications` those run after it for the curves.
    """

    recommended: Plan | None
    near_equal: pd.DataFrame
    confirmation: pd.DataFrame
    frontier: pd.DataFrame
    sensitivity: pd.DataFrame
    explored: pd.DataFrame
    selection: Selection | None
    replications: int
    notes: list[str] = field(default_factory=list)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    curve_replications: int = 0


def yearly_cost(levers: Sequence[Lever], plan: Plan) -> float:
    """The cost a year of a plan: each lever's value x unit cost x periods a year."""
    return float(sum(plan[lever.name] * lever.unit_cost * lever.per_year for lever in levers))


def optimise(
    evaluate: Evaluate,
    levers: Sequence[Lever],
    constraints: Sequence[Constraint],
    settings: Settings,
    evaluate_many: EvaluateMany | None = None,
) -> Result:
    """Search the levers' grid for the cheapest plan meeting every constraint (module docstring).

    Plans the search needs together (a grid, a poll, a stage) go to
    `evaluate_many` in one call, so a caller can run them in parallel;
    without it, `evaluate` runs them one by one.
    """
    grid = [lever.values() for lever in levers]
    many = evaluate_many or (lambda requests: [evaluate(plan, reps) for plan, reps in requests])
    runs = _Runs(many, grid, [lever.name for lever in levers])

    def cost(key: Key) -> float:
        return yearly_cost(levers, runs.plan(key))

    cheapest = yearly_cost(levers, {lever.name: float(values[0]) for lever, values in zip(levers, grid, strict=True)})
    if settings.budget is not None and settings.budget < cheapest:
        raise ValueError(f"the budget ({settings.budget:,.0f} a year) is below the cheapest plan on the grid ({cheapest:,.0f})")

    def affordable(key: Key) -> bool:
        return settings.budget is None or cost(key) <= settings.budget

    def objective(key: Key, table: pd.DataFrame) -> np.ndarray:
        if settings.budget is not None:
            return table[settings.delay_kpi].to_numpy(dtype=float)
        values = np.full(len(table), cost(key))
        return values + settings.delay_price * table[settings.delay_kpi].to_numpy() if settings.delay_price else values

    explored = _explore(runs, grid, constraints, settings, objective, affordable)
    shortlist = _shortlist(runs, explored, constraints, settings, objective, affordable)
    notes: list[str] = []
    feasible, selection = _select(runs, shortlist, constraints, settings, objective, notes)
    confirmation = _confirm(runs, feasible, selection, constraints, settings, objective)
    recommended, near_equal = _recommend(runs, confirmation, notes)
    frontier = _frontier(runs, explored, cost, settings)
    sensitivity = _sensitivity(runs, levers, explored, feasible, settings, recommended)
    spent = runs.spent
    centre = recommended or _cheapest_looking(runs, explored)
    curves = cost_curves(runs, levers, constraints, settings, centre) if centre is not None else pd.DataFrame()
    table = explored.reset_index(drop=True).drop(columns=["key"])
    return Result(recommended, near_equal, confirmation, frontier, sensitivity, table, selection, spent, notes,
                  curves, runs.spent - spent)  # fmt: skip


def _stage1(runs: _Runs, key: Key, constraints: Sequence[Constraint], settings: Settings, objective: Objective) -> dict:
    """Run plan `key` on the exploration replications; its objective mean and whether it looks feasible."""
    table = runs.table(key, range(settings.explore))
    row: dict = {"key": key, **runs.plan(key), "objective": float(objective(key, table).mean())}
    looks, possible, surely = True, True, True
    for c in constraints:
        interval = t_interval(table[c.kpi], settings.confidence)
        row[c.kpi] = interval["mean"]
        looks &= c.met(interval["mean"])
        possible &= c.possible(interval["lower"], interval["upper"])
        surely &= c.met(interval["upper"] + c.epsilon if c.kind == "at_most" else interval["lower"] - c.epsilon)
    ran_away = runs.ran_away(key, settings.fatal, range(settings.explore))
    row["looks_feasible"], row["possibly_feasible"] = looks and not ran_away, possible and not ran_away
    row["surely_feasible"] = surely and not ran_away
    return row


def _explore(
    runs: _Runs,
    grid: Sequence[np.ndarray],
    constraints: Sequence[Constraint],
    settings: Settings,
    objective: Objective,
    affordable: Callable[[Key], bool],
) -> pd.DataFrame:
    """Stage 1: the whole grid when small, else a pattern search along the edge of the feasible region
    (with a budget: from the most capacity the budget buys along the diagonal); plans over budget are never run."""
    sizes = [len(values) for values in grid]
    seen: dict[Key, dict] = {}

    def visit(key: Key) -> dict:
        if key not in seen:
            seen[key] = _stage1(runs, key, constraints, settings, objective)
        return seen[key]

    if math.prod(sizes) <= settings.full_grid:
        keys = [key for key in itertools.product(*(range(n) for n in sizes)) if affordable(key)]
        runs.run(keys, range(settings.explore))
        for key in keys:
            visit(key)
        return pd.DataFrame(seen.values())

    def along(t: int, points: int) -> Key:
        return tuple(round(t * (n - 1) / (points - 1)) for n in sizes)

    points = max(sizes)
    low, high = 0, points - 1  # the diagonal from every lever at its lowest to every lever at its highest
    if settings.budget is not None:  # fewer delays with more capacity: start from the most the budget buys
        high = max(t for t in range(points) if affordable(along(t, points)))
        low = high - 1
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if visit(along(middle, points))["looks_feasible"] else (middle, high)
    current = along(high, points)
    visit(current)
    step = 2 ** int(math.log2(max(1, points // 4)))
    more_may_pay = settings.delay_price > 0 or settings.budget is not None
    while step >= 1:
        moves = []
        for j in range(len(sizes)):
            moves += [{j: -step}, {j: step}] if more_may_pay else [{j: -step}]
            moves += [{j: -step, l: step} for l in range(len(sizes)) if l != j]
        keys = [tuple(i + move.get(j, 0) for j, i in enumerate(current)) for move in moves]
        keys = [key for key in keys if all(0 <= i < n for i, n in zip(key, sizes, strict=True))]
        if settings.budget is not None:  # along the budget's edge: what a cut frees buys as much of another as it can
            keys += [_fill(key, l, sizes, affordable) for key in keys for l in range(len(sizes))]
        keys = [key for key in dict.fromkeys(keys) if affordable(key)]
        runs.run(keys, range(settings.explore))
        polled = [visit(key) for key in keys]
        better = [r for r in polled if r["looks_feasible"] and r["objective"] < seen[current]["objective"]]
        if better:
            current = min(better, key=lambda r: r["objective"])["key"]
        else:
            step //= 2
    return pd.DataFrame(seen.values())


def _fill(key: Key, lever: int, sizes: Sequence[int], affordable: Callable[[Key], bool]) -> Key:
    """`key` with one lever raised a grid step at a time while the plan stays on the grid and within budget."""
    while key[lever] + 1 < sizes[lever]:
        raised = tuple(i + (j == lever) for j, i in enumerate(key))
        if not affordable(raised):
            break
        key = raised
    return key


def _shortlist(
    runs: _Runs,
    explored: pd.DataFrame,
    constraints: Sequence[Constraint],
    settings: Settings,
    objective: Objective,
    affordable: Callable[[Key], bool],
) -> list[Key]:
    """The plans for stage 2: those that may be feasible, around the cheapest that looked feasible.

    The cheapest plans that may be feasible gain their neighbours one step
    up each lever (run on the exploration replications), in case stage 2
    finds them infeasible. Kept: the cheapest that looked feasible, the
    dearest of the plans cheaper than it (the likeliest of those to be
    feasible) and the cheapest of the others, so that stage 2 has a
    fallback if the cheapest that looked feasible is not; and the cheapest
    plan whose stage 1 interval is inside every bound by the tolerance, in
    case every plan near the edge is within the tolerance of a bound and
    judged infeasible (as on a short run of the Oxfordshire baseline).
    """
    sizes = [len(values) for values in runs.grid]
    rows = {key: row for key, row in zip(explored.key, explored.to_dict("records"), strict=True)}
    cheapest = explored[explored.possibly_feasible].sort_values("objective").key[: settings.shortlist]
    ups = [tuple(i + (l == j) for l, i in enumerate(key)) for key in cheapest for j in range(len(sizes))]
    ups = [up for up in dict.fromkeys(ups) if all(i < n for i, n in zip(up, sizes, strict=True)) and up not in rows]
    ups = [up for up in ups if affordable(up)]
    runs.run(ups, range(settings.explore))
    for up in ups:
        rows[up] = _stage1(runs, up, constraints, settings, objective)
    table = pd.DataFrame(rows.values()).sort_values("objective")
    looked = table[table.looks_feasible]
    if looked.empty:
        return list(table[table.possibly_feasible].key[: settings.shortlist])
    best = looked.objective.iloc[0]
    possible = table[table.possibly_feasible]
    cheaper = list(possible[possible.objective < best].key)
    cheaper = cheaper[max(0, len(cheaper) - settings.shortlist // 2) :]
    room = settings.shortlist - len(cheaper)
    chosen = list(cheaper) + list(possible[possible.objective >= best].key[:room])
    surely = [key for key in table[table.surely_feasible].key if key not in chosen]
    return chosen[: settings.shortlist - 1] + surely[:1] if surely else chosen


def _select(
    runs: _Runs,
    shortlist: list[Key],
    constraints: Sequence[Constraint],
    settings: Settings,
    objective: Objective,
    notes: list[str],
) -> tuple[list[Key], Selection | None]:
    """Stage 2: feasibility checks, then KN++ on the feasible plans."""
    alpha = 1.0 - settings.confidence
    procedure = {"n0": settings.n0, "step": settings.step, "max_replications": settings.max_replications}
    candidates = list(shortlist)
    for c in constraints:
        if not candidates:
            break

        def kpi(indices: Sequence[int], replications: Sequence[int], c: Constraint = c, keys=candidates) -> np.ndarray:
            runs.run([keys[i] for i in indices], replications)
            return np.array([runs.table(keys[i], replications)[c.kpi].to_numpy() for i in indices])

        check = screen_feasibility(
            kpi, len(candidates), c.bound, c.kind, c.epsilon, 1.0 - alpha / 2 / len(constraints), **procedure
        )
        undecided = [candidates[i] for i, s in enumerate(check.status) if s == "undecided"]
        if undecided:
            notes.append(f"{len(undecided)} shortlisted plans undecided on {c.kpi} at the budget: left out")
        candidates = [candidates[i] for i in check.feasible()]
    ran_away = [key for key in candidates if runs.ran_away(key, settings.fatal)]
    if ran_away:
        notes.append(f"{len(ran_away)} shortlisted plans ran away ({settings.fatal}) in a replication: left out")
    candidates = [key for key in candidates if key not in ran_away]
    if len(candidates) == 0:
        notes.append("no shortlisted plan was shown feasible")
        return [], None

    def value(indices: Sequence[int], replications: Sequence[int]) -> np.ndarray:
        runs.run([candidates[i] for i in indices], replications)
        return np.array([objective(candidates[i], runs.table(candidates[i], replications)) for i in indices])

    selection = select_best(value, len(candidates), settings.delta, 1.0 - alpha / 2, better="smaller", **procedure)
    return candidates, selection


def _confirm(
    runs: _Runs,
    feasible: list[Key],
    selection: Selection | None,
    constraints: Sequence[Constraint],
    settings: Settings,
    objective: Objective,
) -> pd.DataFrame:
    """Stage 3: the winner and the feasible plans within delta of it, on replication numbers never used.

    A plan is confirmed when its fresh mean meets each constraint within the
    tolerance: a check that the search did not overfit its seeds, not a
    second proof (its intervals are in the table).
    """
    if selection is None:
        return pd.DataFrame()
    means = {key: float(objective(key, runs.all(key)).mean()) for key in feasible}
    winner = feasible[selection.selected]
    near = sorted((k for k in feasible if means[k] <= means[winner] + settings.delta), key=lambda k: (k != winner, means[k]))
    fresh = range(runs.last + 1, runs.last + 1 + settings.confirm)
    runs.run(near, fresh)
    rows = []
    for key in near:
        table = runs.table(key, fresh)
        interval = t_interval(pd.Series(objective(key, table)), settings.confidence)
        row = {"key": key, **runs.plan(key), "winner": key == winner, "objective": interval["mean"],
               "objective_lower": interval["lower"], "objective_upper": interval["upper"], "confirmed": True}  # fmt: skip
        for c in constraints:
            kpi = t_interval(table[c.kpi], settings.confidence)
            row |= {c.kpi: kpi["mean"], f"{c.kpi}_lower": kpi["lower"], f"{c.kpi}_upper": kpi["upper"]}
            row["confirmed"] &= c.met(kpi["mean"] - c.epsilon if c.kind == "at_most" else kpi["mean"] + c.epsilon)
        row["confirmed"] &= not runs.ran_away(key, settings.fatal)  # in the search or on the fresh numbers
        rows.append(row)
    return pd.DataFrame(rows)


def _recommend(runs: _Runs, confirmation: pd.DataFrame, notes: list[str]) -> tuple[Plan | None, pd.DataFrame]:
    """The winner if fresh replications confirm it, else the cheapest near-equal they confirm."""
    if confirmation.empty:
        return None, confirmation
    confirmed = confirmation[confirmation.confirmed]
    if confirmed.empty:
        notes.append("fresh replications confirmed neither the winner nor a near-equal plan")
        return None, confirmed.drop(columns=["key"])
    if not confirmation.winner.iloc[0]:
        notes.append("fresh replications did not confirm the winner: the cheapest confirmed near-equal is recommended")
    best = confirmed.sort_values(["winner", "objective"], ascending=[False, True]).iloc[0]
    return runs.plan(best.key), confirmed.drop(columns=["key"]).reset_index(drop=True)


def _frontier(runs: _Runs, explored: pd.DataFrame, cost: Callable[[Key], float], settings: Settings) -> pd.DataFrame:
    """The plans run that no cheaper plan beats on mean delayed bed days, cheapest first, with intervals."""
    if runs.kpis is None or settings.delay_kpi not in runs.kpis:
        return pd.DataFrame()
    rows = []
    for key in (key for key in explored.key if not runs.ran_away(key, settings.fatal)):
        interval = t_interval(runs.all(key)[settings.delay_kpi], settings.confidence)
        rows.append({**runs.plan(key), "cost_per_year": cost(key), "delayed_bed_days": interval["mean"],
                     "lower": interval["lower"], "upper": interval["upper"], "n": interval["n"]})  # fmt: skip
    table = pd.DataFrame(rows).sort_values(["cost_per_year", "delayed_bed_days"])
    best_so_far = table.delayed_bed_days.cummin().shift(fill_value=math.inf)
    return table[table.delayed_bed_days < best_so_far].reset_index(drop=True)


def _sensitivity(
    runs: _Runs,
    levers: Sequence[Lever],
    explored: pd.DataFrame,
    feasible: list[Key],
    settings: Settings,
    recommended: Plan | None,
) -> pd.DataFrame:
    """The best plan when one unit cost moves by +-price_change, among the plans shown (else looking) feasible:
    the cheapest, or with a budget the fewest mean delays among those the budget still buys at the moved price."""
    pool = feasible or list(explored.key[explored.looks_feasible])
    if not pool or recommended is None:
        return pd.DataFrame()
    plans = [runs.plan(key) for key in pool]
    priced = settings.delay_price or settings.budget is not None
    delays = np.array([float(runs.all(key)[settings.delay_kpi].mean()) if priced else 0.0 for key in pool])
    rows = []
    for lever, change in itertools.product(levers, (-settings.price_change, settings.price_change)):
        moved = [Lever(**{**vars(l), "unit_cost": l.unit_cost * (1 + change)}) if l is lever else l for l in levers]
        costs = np.array([yearly_cost(moved, plan) for plan in plans])
        if settings.budget is None:
            totals = costs + settings.delay_price * delays
        else:
            totals = np.where(costs <= settings.budget, delays, math.inf)
        if not np.isfinite(totals).any():
            rows.append({"lever": lever.name, "unit_cost_change": change, "objective": math.nan, "same_plan": False})
            continue
        best = plans[int(np.argmin(totals))]
        rows.append({"lever": lever.name, "unit_cost_change": change, **best,
                     "objective": float(totals.min()), "same_plan": best == recommended})  # fmt: skip
    return pd.DataFrame(rows)


def _cheapest_looking(runs: _Runs, explored: pd.DataFrame) -> Plan | None:
    """The plan of best stage 1 objective that looked feasible, for the curves when none was recommended."""
    looked = explored[explored.looks_feasible].sort_values("objective")
    return runs.plan(looked.key.iloc[0]) if len(looked) else None


def cost_curves(
    runs: _Runs, levers: Sequence[Lever], constraints: Sequence[Constraint], settings: Settings, centre: Plan
) -> pd.DataFrame:
    """Each lever's cost curve through `centre` (the recommended plan): every value on its grid, the others held.

    A row per lever and value: the lever's yearly cost, the plan's, its change
    from `centre`'s, and the mean and interval of each constrained KPI and of
    the delayed bed days over the replications that plan has run (n; none: not
    run, unless `settings.complete_curves`, which runs it on the exploration
    replications, common random numbers with stage 1).
    """
    index = [int(np.flatnonzero(np.isclose(values, centre[lever.name]))[0]) for lever, values in zip(levers, runs.grid, strict=True)]
    sections = [(j, tuple(index[:j] + [i] + index[j + 1 :])) for j, values in enumerate(runs.grid) for i in range(len(values))]
    if settings.complete_curves:
        runs.run([key for _, key in sections], range(settings.explore))
    kpis = list(dict.fromkeys([c.kpi for c in constraints] + [settings.delay_kpi]))
    base = yearly_cost(levers, centre)
    rows = []
    for j, key in sections:
        lever, plan = levers[j], runs.plan(key)
        table = runs.all(key) if runs.rows.get(key) else pd.DataFrame(columns=kpis)
        row: dict = {"lever": lever.name, "value": plan[lever.name], "at_answer": key == tuple(index),
                     "lever_cost_per_year": plan[lever.name] * lever.unit_cost * lever.per_year,
                     "cost_per_year": yearly_cost(levers, plan), "cost_change": yearly_cost(levers, plan) - base,
                     "n": len(table), "ran_away": runs.ran_away(key, settings.fatal) if len(table) else False}  # fmt: skip
        for kpi in kpis:
            interval = t_interval(table[kpi], settings.confidence) if kpi in table else {"mean": math.nan, "lower": math.nan, "upper": math.nan}
            row |= {kpi: interval["mean"], f"{kpi}_lower": interval["lower"], f"{kpi}_upper": interval["upper"]}
        rows.append(row)
    return pd.DataFrame(rows)
