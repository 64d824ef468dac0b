"""The capacity search run on flowsim: a plan of capacities becomes a scenario, and its replications run.

`flowsim.analysis.optimise` searches plans without knowing the simulator;
this module is what it is handed for a county. A **plan** names capacities
as `capacity_changes` does (`general_beds`, `reablement_hours_per_month`,
`step_down_beds`, ...: `CAPACITY_FIELDS`), each in its own unit (beds, care
hours a month). Setting one also scales its dated changes in proportion (a
winter uplift from 600 to 660 beds becomes 605 to 666 when the plan opens
605): the plan moves the whole year's capacity, as `flowsim discharges`
does when it scales post-hospital capacity.

Every plan runs the same replication numbers with the same seed, so plans
are compared with common random numbers; replications go through a
`Runner` (serial, process pool or Dask) and the resumable replication
store, so a search that asks for a plan again, or a rerun of an
interrupted search, reuses what was run. Each lever's price comes from the
scenario's `costs:` (a bed for a day times 365, a care hour times 12 for
hours a month). A replication whose queues ran away (KPI `runaway` = 1)
makes its plan infeasible: the search drops such plans whatever their
other KPIs (see `Settings.fatal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator

from flowsim.analysis.optimise import Constraint, Lever, Plan, Result, Settings, optimise, yearly_cost
from flowsim.experiment import Replication, ReplicationStore, Runner, replication_kpis
from flowsim.results.catalogue import current_name, produced_by
from flowsim.scenario import Model, Scenario, ScenarioError
from flowsim.scenario.capacity import CAPACITY_FIELDS
from flowsim.scenario.loading import read_settings

LEVER_PRICES: dict[str, tuple[str, float]] = {
    "general_beds": ("acute_bed_day", 365.0),
    "short_stay_beds": ("acute_bed_day", 365.0),
    "escalation_beds": ("acute_bed_day", 365.0),
    "avoidance_places": ("avoidance_place_day", 365.0),
    "reablement_hours_per_month": ("reablement_hour", 12.0),
    "home_care_hours_per_month": ("home_care_hour", 12.0),
    "step_down_beds": ("step_down_bed_day", 365.0),
    "care_home_vacancies_per_week": ("", 52.0),
}
"""The unit cost's field in the scenario's `costs:` ("" where it prices none: the plan file gives it)
and the periods a year (365 by default); escalation beds are priced as if open all year: a plan pays
for the beds it holds ready."""


def capacity(scenario: Scenario, name: str) -> float:
    """The value a scenario opens with of one capacity of `CAPACITY_FIELDS`; ScenarioError if it has none."""
    value: Any = scenario
    for part in CAPACITY_FIELDS[name].split("."):
        value = getattr(value, part, None)
    if value is None:
        raise ScenarioError(f"{scenario.name}: has no {CAPACITY_FIELDS[name]} for the capacity {name}")
    return float(value)


def with_capacities(scenario: Scenario, plan: Plan) -> Scenario:
    """The scenario with each capacity of `plan` set, and its dated changes scaled in proportion.

    Whole-number capacities (beds, places, slots) are rounded; a dated change
    of a capacity the scenario opens with none of is left as it is.
    """
    data = scenario.model_dump(by_alias=True)
    for name, value in plan.items():
        *path, last = CAPACITY_FIELDS[name].split(".")
        section = data
        for part in path:
            section = section.get(part) if section is not None else None
        if section is None or section.get(last) is None:
            raise ScenarioError(f"{scenario.name}: has no {CAPACITY_FIELDS[name]} for the capacity {name}")
        whole = isinstance(section[last], int)
        before = float(section[last])
        section[last] = round(value) if whole else float(value)
        for change in data["capacity_changes"]:
            if change["capacity"] == name and before > 0:
                scaled = change["value"] * value / before
                change["value"] = round(scaled) if whole else scaled
    return Scenario.model_validate(data)


def lever(scenario: Scenario, name: str, low: float, high: float, step: float, unit_cost: float | None = None) -> Lever:
    """A lever on one capacity, priced from the scenario's `costs:` unless `unit_cost` is given."""
    if name not in CAPACITY_FIELDS:
        raise ScenarioError(f"{name}: not a capacity; one of {', '.join(CAPACITY_FIELDS)}")
    capacity(scenario, name)
    field_name, per_year = LEVER_PRICES.get(name, ("", 365.0))
    if unit_cost is None:
        unit_cost = getattr(scenario.costs, field_name, None) if scenario.costs is not None and field_name else None
    if unit_cost is None:
        where = f"costs.{field_name}" if field_name else "costs"
        raise ScenarioError(f"{name}: {scenario.name} has no {where}; give the lever a unit_cost (and per_year)")
    return Lever(name, low, high, step, float(unit_cost), per_year)


@dataclass
class FlowsimEvaluator:
    """`evaluate` and `evaluate_many` for `optimise`: plans of one scenario run with common random numbers.

    `ran` and `reused` count the replications run and those taken from the store.
    """

    scenario: Scenario
    seed: int = 0
    runner: Runner = field(default_factory=lambda: Runner(progress=False))
    store: ReplicationStore | None = None
    ran: int = 0
    reused: int = 0

    def __call__(self, plan: Plan, replications: Sequence[int]) -> pd.DataFrame:
        """Every KPI of these replication numbers of `plan`, a row for each."""
        return self.many([(plan, list(replications))])[0]

    def many(self, requests: list[tuple[Plan, list[int]]]) -> list[pd.DataFrame]:
        """Several plans' replications in one batch for the runner, stored ones reused."""
        work = [
            Replication(f"plan{i}", with_capacities(self.scenario, plan), self.seed, r)
            for i, (plan, replications) in enumerate(requests)
            for r in replications
        ]
        found, ran = replication_kpis(work, self.store, self.runner)
        self.ran += ran
        self.reused += len(work) - ran
        return [
            pd.DataFrame({r: found[f"plan{i}", r] for r in replications}).T.astype(float)
            for i, (_, replications) in enumerate(requests)
        ]


class LeverRange(Model):
    """One capacity the search may set: its range and step in the capacity's own unit, and its price."""

    low: NonNegativeFloat = Field(description="the least the plan may have (beds, care hours a month, ...)")
    high: NonNegativeFloat = Field(description="the most")
    step: PositiveFloat = Field(description="the grid's step")
    unit_cost: NonNegativeFloat | None = Field(
        default=None, description="GBP a unit a period (a bed a day, a care hour); default: the scenario's costs:"
    )
    per_year: PositiveFloat | None = Field(default=None, description="periods a year (default: 365 for beds, 12 for hours a month)")
    source: str = Field(default="", description="where unit_cost comes from (kept in the output)")

    @model_validator(mode="after")
    def _ordered(self) -> LeverRange:
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        return self


class Target(Model):
    """A constraint: a KPI's mean at most or at least a bound, within a tolerance either answer will do."""

    kpi: str = Field(description="a KPI of the catalogue (`flowsim kpis`)")
    at_most: float | None = None
    at_least: float | None = None
    tolerance: PositiveFloat = Field(description="how far from the bound the planner does not mind which way it falls")

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("give exactly one of at_most and at_least")
        return self

    def constraint(self) -> Constraint:
        """As the search takes it."""
        if self.at_most is not None:
            return Constraint(current_name(self.kpi), "at_most", self.at_most, self.tolerance)
        assert self.at_least is not None
        return Constraint(current_name(self.kpi), "at_least", self.at_least, self.tolerance)


class CapacityPlanFile(Model):
    """What a board asks of `flowsim optimise`: the levers, the targets, the objective, the guarantee.

    The objective is the yearly cost of the capacity (`cost`, plus `delay_price`
    a delayed bed day if given), or, with `objective: delayed_bed_days` and a
    `budget`, the fewest mean delayed bed days among the plans whose capacity
    costs at most the budget a year.
    """

    levers: dict[str, LeverRange] = Field(min_length=1, description="capacity name (as capacity_changes) -> its range")
    constraints: list[Target] = Field(min_length=1, description="targets every plan must meet")
    objective: Literal["cost", "delayed_bed_days"] = Field(
        default="cost", description="what to minimise: the yearly cost, or the delayed bed days within `budget`"
    )
    budget: PositiveFloat | None = Field(default=None, description="GBP a year of capacity; needed by objective delayed_bed_days")
    delay_price: NonNegativeFloat = Field(default=0.0, description="GBP a delayed bed day added to the objective (0: cost only)")
    indifference: PositiveFloat = Field(
        description="within which two plans are as good as each other: GBP a year, or delayed bed days a year "
        "with objective delayed_bed_days"
    )
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0, description="probability the guarantee holds")
    explore: int = Field(default=5, ge=2, description="replications a plan while exploring")
    n0: int = Field(default=10, ge=2, description="first-stage replications of selection")
    max_replications: int = Field(default=200, ge=2, description="most replications of a plan in selection")
    confirm: int = Field(default=20, ge=2, description="fresh replications of the winner and its near-equals")
    full_grid: int = Field(default=100, ge=1, description="the largest grid run whole (else a pattern search)")
    price_change: float = Field(default=0.2, gt=0.0, lt=1.0, description="fraction each unit cost moves in the sensitivity")
    complete_cost_curves: bool = Field(
        default=True, description="run the points of each lever's cost curve the search did not (exploration replications)"
    )

    @model_validator(mode="after")
    def _objective(self) -> CapacityPlanFile:
        if self.objective == "delayed_bed_days" and self.budget is None:
            raise ValueError("objective delayed_bed_days needs a budget (GBP a year of capacity)")
        if self.objective == "cost" and self.budget is not None:
            raise ValueError("a budget goes with objective delayed_bed_days (the cheapest plan needs none)")
        if self.objective == "delayed_bed_days" and self.delay_price:
            raise ValueError("delay_price goes with objective cost (with delayed_bed_days the delays are the objective)")
        return self


def load_plan(path: str | Path) -> CapacityPlanFile:
    """Read and check a capacity plan file; a mistake names the file and field."""
    return read_settings(path, CapacityPlanFile, "capacity plan file")


def search_problem(scenario: Scenario, plan: CapacityPlanFile, path: str | Path = "plan") -> tuple[list[Lever], list[Constraint], Settings]:
    """The levers, constraints and settings of a plan file for this scenario; ScenarioError naming the file and field."""
    levers = []
    for name, given in plan.levers.items():
        try:
            made = lever(scenario, name, given.low, given.high, given.step, given.unit_cost)
        except ScenarioError as error:
            raise ScenarioError(f"{path}: levers.{name}: {error}") from None
        levers.append(Lever(**{**vars(made), "per_year": given.per_year or made.per_year}))
    produced = produced_by(scenario)
    for i, target in enumerate(plan.constraints):
        if current_name(target.kpi) not in produced:
            raise ScenarioError(f"{path}: constraints.{i}.kpi: {target.kpi} is not a KPI of {scenario.name}; `flowsim kpis` lists them")
    cheapest = yearly_cost(levers, {lever.name: lever.low for lever in levers})
    if plan.budget is not None and plan.budget < cheapest:
        raise ScenarioError(f"{path}: budget: {plan.budget:,.0f} a year is below the cheapest plan of the levers' grid ({cheapest:,.0f})")
    settings = Settings(
        delta=plan.indifference, confidence=plan.confidence, explore=plan.explore, n0=plan.n0,
        max_replications=max(plan.max_replications, plan.n0), confirm=plan.confirm, full_grid=plan.full_grid,
        delay_price=plan.delay_price, price_change=plan.price_change, budget=plan.budget,
        complete_curves=plan.complete_cost_curves,
    )  # fmt: skip
    return levers, [target.constraint() for target in plan.constraints], settings


def optimise_capacity(
    scenario: Scenario,
    plan: CapacityPlanFile,
    seed: int = 0,
    runner: Runner | None = None,
    store: ReplicationStore | None = None,
    path: str | Path = "plan",
) -> tuple[Result, FlowsimEvaluator]:
    """The cheapest plan of `plan`'s levers meeting its constraints on `scenario` (`flowsim.analysis.optimise`)."""
    levers, constraints, settings = search_problem(scenario, plan, path)
    evaluate = FlowsimEvaluator(scenario, seed, runner or Runner(progress=False), store)
    return optimise(evaluate, levers, constraints, settings, evaluate.many), evaluate
