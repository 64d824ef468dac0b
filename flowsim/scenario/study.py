"""The study: a whole scenario, how long to run it, where it starts and what it should reproduce.

`Scenario` joins demand and capacity with the run's settings (dates, warm-up,
census hour), today's census to start from (`initial_state`), the published
figures it is checked against (`validation`), and checks that the parts
agree with one another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt, model_validator

from flowsim.scenario.base import HOURS_PER_DAY, Model, month_hours_to_week
from flowsim.scenario.capacity import (
    EAU,
    ED,
    AdmissionAvoidance,
    CapacityChange,
    CareHome,
    Costs,
    Discharge,
    HomeCare,
    Reablement,
    StepDown,
    Wards,
)
from flowsim.scenario.demand import Arrivals, Group, Population
from flowsim.scenario.escalation import EscalationRule

class InitialPatients(Model):
    """Patients already in a bed or service when the simulation starts (a row of today's census)."""

    place: Literal["short_stay", "general", "step_down", "reablement", "home_care"] = Field(
        description="the bed pool or service they are in"
    )
    group: str = Field(description="their patient group (a key of `groups`)")
    count: PositiveInt = Field(default=1, description="how many such patients")
    days_so_far: NonNegativeFloat = Field(
        description="days already spent there; the rest of the stay is drawn given it has lasted this long"
    )
    medically_fit: bool = Field(default=False, description="acute beds only: already medically fit, waiting to leave")
    pathway: Annotated[int, Field(ge=0, le=3)] | None = Field(
        default=None, description="medically fit patients: the pathway they wait for (drawn from the group's mix if blank)"
    )


class InitialState(Model):
    """Start from today's census instead of empty: rows inline, or a CSV with the same columns."""

    file: Path | None = Field(default=None, description="CSV of rows (relative to the scenario file)")
    patients: tuple[InitialPatients, ...] = Field(default=(), description="rows written in the scenario")

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("file"):
            file = Path(data["file"])
            if not file.is_file():
                raise ValueError(f"file {file} does not exist")
            rows = pd.read_csv(file).dropna(axis=1, how="all")
            rows = [{k: v for k, v in row.items() if not pd.isna(v)} for row in rows.to_dict("records")]
            data = {**data, "patients": (*rows, *data.get("patients", ()))}
        return data


class Target(Model):
    """A published figure the scenario should reproduce, and how close counts as reproducing it.

    `measure` is a KPI of the results period, or daily measures of the census and flows
    (`occupancy`, `dtoc`, `opel_3_or_4`, ...) averaged over `months`, several added with `+`
    (`dtoc_awaiting_reablement + dtoc_awaiting_step_down_bed`); with `per`, the total is divided
    by another daily measure's over the same days (`handovers_over_15_min` per `ambulance_arrivals`).
    """

    figure: str = Field(description="what was published, in words")
    source: str = Field(description="where it was published: a quote and its document")
    published: float = Field(description="the published value, in the measure's unit (shares as 0-1)")
    unit: str = Field(description="the unit of `published` and `measure`, as shown in the table")
    measure: str = Field(description="the KPI, or daily measures joined by +, it is compared with (see above)")
    per: str | None = Field(default=None, description="daily measures only: divide by this daily measure's total")
    months: tuple[Annotated[int, Field(ge=1, le=12)], ...] = Field(
        default=(), description="daily measures only: the calendar months it covers (none: the whole results period)"
    )
    per_100k: Literal["adults", "aged_65_plus"] | None = Field(
        default=None, description="divide by this `population` over 100,000, as rates are published"
    )
    tolerance: NonNegativeFloat = Field(description="the largest difference, in the unit, that counts as reproducing it")
    tolerance_reason: str = Field(description="why that tolerance")
    role: Literal["fitted", "check", "context"] = Field(
        default="check",
        description="fitted: a parameter was tuned to it, so agreement is by construction; check: not tuned to, "
        "so agreement is evidence; context: published on another basis, shown for comparison, not expected to match",
    )
    note: str = Field(default="", description="what the comparison means, or why it cannot match")


class RunawaySettings(Model):
    """When a replication's queues count as growing without bound (see `flowsim.model.runaway`)."""

    ceiling_days: PositiveFloat = Field(
        default=2.0,
        description="a queue holding more than this many days' worth of the county's expected arrivals has run "
        "away: the replication is stopped that day and flagged",
    )
    ceiling_floor: PositiveFloat = Field(default=200.0, description="the ceiling is never below this many people")
    trend_days: PositiveInt = Field(
        default=28, description="at the end of a run, a queue still rising through these last days is flagged"
    )
    trend_correlation: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9,
        description="how steadily it must rise: the rank correlation of its daily lengths with time, "
        "and only above half the ceiling",
    )


class Scenario(Model):
    """A county's demand and capacity, and how long to simulate it."""

    name: str = Field(description="short name shown in tables")
    title: str = Field(
        default="",
        description="the scenario's name as a report shows it, e.g. 'HART restored to 8,440 hours' (default: `name`; "
        "not passed on by `extends`)",
    )
    description: str = Field(default="", description="what this scenario represents")
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="the source documents the file cites, by the tag it cites them with "
        "(e.g. S000: the document's title, body and date), so a report names each document",
    )
    start_date: dt.date = Field(description="first day of results (warm-up runs before it)")
    days: PositiveInt = Field(default=365, description="days of results")
    warmup_days: NonNegativeInt = Field(default=0, description="days simulated before start_date and discarded")
    census_hour: Annotated[int, Field(ge=0, le=23)] = Field(default=0, description="hour of the daily census (0: midnight)")
    demand_multiplier: PositiveFloat = Field(default=1.0, description="multiplies every arrival stream")
    readmission_days: PositiveFloat = Field(default=30.0, description="window in which readmissions return (days)")
    population: Population = Population()
    groups: dict[str, Group] = Field(min_length=1)
    arrivals: Arrivals
    ed: ED
    eau: EAU
    admission_avoidance: AdmissionAvoidance = AdmissionAvoidance()
    wards: Wards
    discharge: Discharge = Discharge()
    reablement: Reablement | None = None
    home_care: HomeCare | None = None
    step_down: StepDown | None = None
    care_home: CareHome = CareHome()
    capacity_changes: tuple[CapacityChange, ...] = ()
    escalation_rules: tuple[EscalationRule, ...] = Field(
        default=(), description="what the county does under pressure, beyond the wards' escalation beds"
    )
    initial_state: InitialState = Field(
        default=InitialState(), description="today's census to start from (default: start empty and warm up)"
    )
    validation: tuple[Target, ...] = Field(
        default=(), description="published figures to check the scenario against (`flowsim validate`)"
    )
    costs: Costs = Field(default_factory=lambda: Costs(), description="unit costs, to price the capacity an option provides")
    runaway: RunawaySettings = Field(
        default_factory=lambda: RunawaySettings(), description="when a replication's queues count as running away"
    )

    @model_validator(mode="before")
    @classmethod
    def _title_from_name(cls, data: Any) -> Any:
        """A scenario without a title is shown by its name."""
        if isinstance(data, dict) and not data.get("title") and isinstance(data.get("name"), str):
            return {**data, "title": data["name"]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not self.arrivals.streams():
            raise ValueError("arrivals: at least one of ed_walk_in, ed_ambulance, gp_referral is needed")
        for route, stream in self.arrivals.streams().items():
            unknown = sorted(set(stream.groups) - set(self.groups))
            if unknown:
                raise ValueError(
                    f"arrivals.{route}.groups names {', '.join(unknown)}, not in groups ({', '.join(self.groups)})"
                )
        unknown = sorted(set(self.population.older_groups) - set(self.groups))
        if unknown:
            raise ValueError(f"population.older_groups names {', '.join(unknown)}, not in groups ({', '.join(self.groups)})")
        for name, group in self.groups.items():
            needs = {"reablement": group.pathway.p1, "home_care": group.pathway.p1, "step_down": group.pathway.p2}
            for service, share in needs.items():
                if share > 0 and getattr(self, service) is None:
                    raise ValueError(f"groups.{name}.pathway sends patients to {service}, which is not defined")
            if group.choice_share > 0 and self.discharge.choice_days is None:
                raise ValueError(f"groups.{name}.choice_share > 0 needs discharge.choice_days")
            if group.short_stay_share > 0 and self.wards.short_stay_beds == 0:
                raise ValueError(f"groups.{name}.short_stay_share > 0 needs wards.short_stay_beds > 0")
        onward = self.step_down.onward if self.step_down is not None else None
        if onward is not None and onward.home_with_support + onward.home_care > 0 and (
            self.reablement is None or self.home_care is None
        ):
            raise ValueError("step_down.onward.home_with_support or home_care > 0 needs reablement and home_care")
        self._check_capacity_changes()
        self._check_escalation_rules()
        self._check_initial_state()
        for index, target in enumerate(self.validation):
            if target.per_100k and getattr(self.population, target.per_100k) is None:
                raise ValueError(f"validation.{index}.per_100k {target.per_100k} needs population.{target.per_100k}")
        return self

    def _check_initial_state(self) -> None:
        """Each row names a known group and a defined service, and no bed pool starts over capacity."""
        capacity = {
            "short_stay": self.wards.short_stay_beds,
            "general": self.wards.general_beds + self.wards.escalation.beds,
            "step_down": self.step_down.beds if self.step_down else None,
            "reablement": month_hours_to_week(self.reablement.hours_per_month) if self.reablement else None,
            "home_care": month_hours_to_week(self.home_care.hours_per_month) if self.home_care else None,
        }
        per_patient = {
            "reablement": self.reablement.hours_per_week.mean() if self.reablement else 1.0,
            "home_care": self.home_care.hours_per_week.mean() if self.home_care else 1.0,
        }
        used: dict[str, float] = {}
        for index, row in enumerate(self.initial_state.patients):
            where = f"initial_state.patients.{index}"
            if row.group not in self.groups:
                raise ValueError(f"{where}.group {row.group!r} is not in groups ({', '.join(self.groups)})")
            if capacity[row.place] is None:
                raise ValueError(f"{where}.place {row.place} needs {row.place} to be defined")
            if row.place == "short_stay" and self.groups[row.group].short_stay_los_days is None:
                raise ValueError(f"{where}.place short_stay needs groups.{row.group}.short_stay_los_days")
            if (row.medically_fit or row.pathway is not None) and row.place not in ("short_stay", "general"):
                raise ValueError(f"{where}: medically_fit and pathway apply to acute beds only")
            used[row.place] = used.get(row.place, 0.0) + row.count * per_patient.get(row.place, 1.0)
        for place, units in used.items():
            if units > capacity[place] + 1e-9:
                raise ValueError(
                    f"initial_state puts {units:g} in {place}, more than its capacity {capacity[place]:g} "
                    "(care hours: patients x mean hours_per_week)"
                )

    def _check_capacity_changes(self) -> None:
        """Each change must name a service the scenario has, on a date inside the run."""
        needs = {
            "reablement_hours_per_month": ("reablement", self.reablement),
            "home_care_hours_per_month": ("home_care", self.home_care),
            "step_down_beds": ("step_down", self.step_down),
            "avoidance_places": ("admission_avoidance.stay_days", self.admission_avoidance.stay_days),
            "care_home_vacancies_per_week": ("care_home.vacancies_per_week", self.care_home.vacancies_per_week),
            "discharges_per_weekday": ("discharge.discharges_per_weekday", self.discharge.discharges_per_weekday),
            "supported_discharges_per_weekday": (
                "discharge.supported_discharges_per_weekday",
                self.discharge.supported_discharges_per_weekday,
            ),
        }
        for index, change in enumerate(self.capacity_changes):
            where = f"capacity_changes.{index}"
            if change.capacity in needs and needs[change.capacity][1] is None:
                raise ValueError(f"{where}.capacity {change.capacity} needs {needs[change.capacity][0]} to be defined")
            if change.date < self.simulation_start:
                raise ValueError(
                    f"{where}.date {change.date} is before the simulation starts ({self.simulation_start}, "
                    "start_date less warm-up); set the capacity itself instead"
                )

    def _check_escalation_rules(self) -> None:
        """Rule names are unique, and each rule reads and acts on services the scenario has."""
        services = {"reablement": self.reablement, "home_care": self.home_care, "step_down": self.step_down}
        seen: set[str] = set()
        for index, rule in enumerate(self.escalation_rules):
            where = f"escalation_rules.{index}"
            if rule.slug in seen:
                raise ValueError(f"{where}.name {rule.name!r}: another rule has the same name")
            seen.add(rule.slug)
            measure = rule.when.measure.removesuffix("_waiting")
            if measure in services and services[measure] is None:
                raise ValueError(f"{where}.when.measure {rule.when.measure} needs {measure} to be defined")
            then = rule.then
            for action, service in (
                ("buy_reablement_hours_per_month", "reablement"),
                ("buy_home_care_hours_per_month", "home_care"),
                ("buy_step_down_beds", "step_down"),
            ):
                if getattr(then, action) and services[service] is None:
                    raise ValueError(f"{where}.then.{action} needs {service} to be defined")
            if then.extra_discharges_per_day and self.discharge.discharges_per_weekday is None:
                raise ValueError(
                    f"{where}.then.extra_discharges_per_day needs discharge.discharges_per_weekday: without a "
                    "daily limit no discharge waits for a slot"
                )
            if then.extra_avoidance_share and self.admission_avoidance.stay_days is None:
                raise ValueError(f"{where}.then.extra_avoidance_share needs admission_avoidance places and stay_days")

    @property
    def warmup_hours(self) -> float:
        return self.warmup_days * HOURS_PER_DAY

    @property
    def horizon_hours(self) -> float:
        """Simulated hours: warm-up plus results."""
        return (self.warmup_days + self.days) * HOURS_PER_DAY

    @property
    def simulation_start(self) -> dt.date:
        """The calendar date at simulation time 0 (start_date less the warm-up)."""
        return self.start_date - dt.timedelta(days=self.warmup_days)

    def content_hash(self) -> str:
        """A short hash of everything that affects results, for caching replications."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
