"""The study: a whole scenario, how long to run it, where it starts and what it should reproduce.

`Scenario` joins demand and capacity with the run's settings (dates, warm-up,
census hour), today's census to start from (`initial_state`), the published
figures it is checked against (`validation`), and checks that the parts
agree with one another.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from flowsim.scenario.base import (
    HOURS_PER_DAY,
    WEEKS_PER_MONTH,
    Count,
    FieldError,
    Model,
    NonNegative,
    Number,
    Positive,
    PositiveCount,
    month_hours_to_week,
)
from flowsim.scenario.capacity import (
    CAPACITY_FIELDS,
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
from flowsim.scenario.reading import read_table
from flowsim.scenario.switching import Switching

class InitialPatients(Model):
    """Patients already in a bed or service when the simulation starts (a row of today's census)."""

    place: Literal["short_stay", "general", "step_down", "reablement", "home_care"] = Field(
        description="the bed pool or service they are in"
    )
    group: str = Field(description="their patient group (a key of `groups`)")
    count: PositiveCount = Field(default=1, description="how many such patients")
    days_so_far: NonNegative = Field(
        description="days already spent there; the rest of the stay is drawn given it has lasted this long"
    )
    medically_fit: bool = Field(default=False, description="acute beds only: already medically fit, waiting to leave")
    pathway: Annotated[Count, Field(ge=0, le=3)] | None = Field(
        default=None, description="medically fit patients: the pathway they wait for (drawn from the group's mix if blank)"
    )


class InitialState(Model):
    """Start from today's census instead of empty: rows inline, or a CSV with the same columns."""

    file: Path | None = Field(default=None, description="CSV of rows (relative to the scenario file)")
    patients: tuple[InitialPatients, ...] = Field(default=(), description="rows written in the scenario")

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, data: Any) -> Any:
        """Rows of `file` first, each checked as it is read, then those written in the scenario."""
        if isinstance(data, dict) and isinstance(data.get("file"), str):
            file = Path(data["file"])
            try:
                rows = tuple(_census_row(line, cells) for line, cells in read_table(file, tuple(InitialPatients.model_fields)))
            except ValueError as error:
                raise ValueError(f"{file} {error}") from None
            written = data.get("patients", ())
            data = {**data, "patients": (*rows, *written) if isinstance(written, (list, tuple)) else written}
        return data


def _census_row(line: int, cells: dict[str, str]) -> InitialPatients:
    """One row of a census CSV, or a ValueError naming its line and column (never the cell: the file may hold anything)."""
    try:
        return InitialPatients.model_validate_strings(cells)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ValueError(f"line {line}: {problems}") from None


class Measured(Model):
    """A model measure as a published figure is counted: a KPI, or daily measures over chosen months.

    `measure` is a KPI of the results period, or daily measures of the census and flows
    (`occupancy`, `dtoc`, `opel_3_or_4`, ...) averaged over `months`, several added with `+`
    (`dtoc_awaiting_reablement + dtoc_awaiting_step_down_bed`); with `per`, the total is divided
    by another daily measure's over the same days (`handovers_over_15_min` per `ambulance_arrivals`).
    """

    unit: str = Field(description="the unit of the published figure and the measure, as shown in the table")
    measure: str = Field(description="the KPI, or daily measures joined by +, it is compared with (see above)")
    per: str | None = Field(default=None, description="daily measures only: divide by this daily measure's total")
    months: tuple[Annotated[Count, Field(ge=1, le=12)], ...] = Field(
        default=(), description="daily measures only: the calendar months it covers (none: the whole results period)"
    )
    per_100k: Literal["adults", "aged_65_plus"] | None = Field(
        default=None, description="divide by this `population` over 100,000, as rates are published"
    )


class Target(Measured):
    """A published figure the scenario should reproduce, and how close counts as reproducing it."""

    figure: str = Field(description="what was published, in words")
    source: str = Field(description="where it was published: a quote and its document")
    published: NonNegative = Field(description="the published value, in the measure's unit (shares as 0-1)")
    tolerance: NonNegative = Field(description="the largest difference, in the unit, that counts as reproducing it")
    tolerance_reason: str = Field(description="why that tolerance")
    role: Literal["fitted", "check", "context"] = Field(
        default="check",
        description="fitted: a parameter was tuned to it, so agreement is by construction; check: not tuned to, "
        "so agreement is evidence (a figure held back from the fit on purpose is a check); context: published "
        "on another basis, shown for comparison, not expected to match",
    )
    note: str = Field(default="", description="what the comparison means, or why it cannot match")


class BackcastSide(Model):
    """One side of a published change: the scenario file that represents it and the figure published for it."""

    file: Path = Field(description="the scenario file (relative to the file that names it), usually `extends` the baseline")
    published: NonNegative = Field(description="the figure published for that time, in the measure's unit")

    @model_validator(mode="after")
    def _exists(self) -> BackcastSide:
        if not self.file.is_file():
            raise FieldError("file", f"{self.file} is not a scenario file")
        return self


class BackcastChange(Measured):
    """A change the county made and the change in a published figure that followed (`flowsim validate --backcast`).

    Both sides run with the same seeds (common random numbers); the model's predicted change
    in `measure` (after less before) is set against the published one. No parameter is tuned to it.
    """

    change: str = Field(description="what changed, in words, with its dates")
    source: str = Field(description="where the change and the figures were published: quotes and documents")
    before: BackcastSide = Field(description="the scenario before the change and the figure published then")
    after: BackcastSide = Field(description="the scenario after the change and the figure published then")
    note: str = Field(default="", description="what the comparison can and cannot show")

    @property
    def published_change(self) -> float:
        return self.after.published - self.before.published


class RunawaySettings(Model):
    """When a replication's queues count as growing without bound (see `flowsim.model.runaway`)."""

    ceiling_days: Positive = Field(
        default=2.0,
        description="a queue holding more than this many days' worth of the county's expected arrivals has run "
        "away: the replication is stopped that day and flagged",
    )
    ceiling_floor: Positive = Field(default=200.0, description="the ceiling is never below this many people")
    trend_days: PositiveCount = Field(
        default=28, description="at the end of a run, a queue still rising through these last days is flagged"
    )
    trend_correlation: Annotated[Number, Field(gt=0, le=1)] = Field(
        default=0.9,
        description="how steadily it must rise: the rank correlation of its daily lengths with time, "
        "and only above half the ceiling",
    )
MAX_DAYS = 36_525
"""The longest results period, and the longest warm-up: a century each."""


Organisation = Literal["nhs", "social_care", "both"]
"""Who a delayed transfer of care is attributed to, as NHS England's monthly return counts it."""


class DelayAttribution(Model):
    """The organisation each delayed transfer's reason is attributed to.

    NHS England's monthly DTOC return attributes each delayed day to the NHS,
    social care or both, by who is responsible for what the patient waits for
    (Monthly Delayed Transfer of Care Situation Reports, Definitions and
    Guidance v1.09, 2015; Principles, Definitions and Guidance, November
    2018): further non-acute NHS care to the NHS, a council's care package
    or care home placement to social care, a joint assessment to both. Where
    a service is run by the other side (HART by an NHS trust), say so here.
    """

    awaiting_assessment: Organisation = Field(default="both", description="a joint health and social care assessment")
    patient_or_family_choice: Organisation = Field(default="nhs", description="choice of the onward placement")
    awaiting_reablement: Organisation = Field(
        default="nhs", description="reablement (HART was run by Oxford University Hospitals in 2017; a council's: social_care)"
    )
    awaiting_home_care_package: Organisation = Field(default="social_care", description="a council's home care package")
    awaiting_step_down_bed: Organisation = Field(default="nhs", description="further non-acute NHS care")
    awaiting_care_home: Organisation = Field(default="social_care", description="a council's care home placement")


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
    days: Annotated[Count, Field(ge=1, le=MAX_DAYS)] = Field(default=365, description="days of results")
    warmup_days: Annotated[Count, Field(ge=0, le=MAX_DAYS)] = Field(
        default=0, description="days simulated before start_date and discarded"
    )
    census_hour: Annotated[Count, Field(ge=0, le=23)] = Field(default=0, description="hour of the daily census (0: midnight)")
    demand_multiplier: Positive = Field(default=1.0, description="multiplies every arrival stream")
    readmission_days: Positive = Field(default=30.0, description="window in which readmissions return (days)")
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
    escalation_as_in: Scenario | None = Field(
        default=None,
        description="a scenario file (relative to this one) whose escalation plan this one runs as it ran there: "
        "its rules start and stand down at each review as they did in that scenario, same seed, replication and "
        "study period, whatever this one's own state, so beds an option frees reach the front door instead of "
        "closing escalation beds (`flowsim compare --hold-escalation`); the rules must have the same names and "
        "reviews (default: the plan reads this scenario's own state)",
    )
    delay_attribution: DelayAttribution = Field(
        default=DelayAttribution(), description="the organisation each delay reason is attributed to (NHS England's return)"
    )
    switching: Switching = Field(
        default=Switching(), description="discharges that switch to a service with room to spare (default: none)"
    )
    initial_state: InitialState = Field(
        default=InitialState(), description="today's census to start from (default: start empty and warm up)"
    )
    validation: tuple[Target, ...] = Field(
        default=(), description="published figures to check the scenario against (`flowsim validate`)"
    )
    backcast: tuple[BackcastChange, ...] = Field(
        default=(), description="the county's published changes, run as pairs of scenarios (`flowsim validate --backcast`)"
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
        self._check_calendar()
        if not self.arrivals.streams():
            raise FieldError("arrivals", "at least one of ed_walk_in, ed_ambulance, gp_referral is needed")
        known = ", ".join(self.groups)
        for route, stream in self.arrivals.streams().items():
            unknown = sorted(set(stream.groups) - set(self.groups))
            if unknown:
                raise FieldError(f"arrivals.{route}.groups", f"names {', '.join(unknown)}, not in groups ({known})")
        unknown = sorted(set(self.population.older_groups) - set(self.groups))
        if unknown:
            raise FieldError("population.older_groups", f"names {', '.join(unknown)}, not in groups ({known})")
        for name, group in self.groups.items():
            if group.choice_share > 0 and self.discharge.choice_days is None:
                raise FieldError(f"groups.{name}.choice_share", "above 0 needs discharge.choice_days")
            if group.short_stay_share > 0 and self.wards.short_stay_beds == 0:
                raise FieldError(f"groups.{name}.short_stay_share", "above 0 needs wards.short_stay_beds above 0")
        onward = self.step_down.onward if self.step_down is not None else None
        if onward is not None and onward.home_with_support + onward.home_care > 0 and (
            self.reablement is None or self.home_care is None
        ):
            raise FieldError("step_down.onward", "home_with_support or home_care above 0 needs reablement and home_care")
        self._check_pathways()
        switching = self.switching
        for field, share, services in (
            ("bridging_share", switching.bridging_share, ("reablement", "home_care")),
            ("discharge_to_assess_share", switching.discharge_to_assess_share, ("reablement", "step_down")),
            ("step_down_for_reablement_share", switching.step_down_for_reablement_share, ("reablement", "step_down")),
        ):
            if share > 0 and any(getattr(self, service) is None for service in services):
                raise FieldError(f"switching.{field}", f"above 0 needs {' and '.join(services)}")
        self._check_capacity_changes()
        self._check_escalation_rules()
        if self.escalation_as_in is not None:
            self._check_plan_followed(self.escalation_as_in)
        self._check_needed_capacity()
        self._check_initial_state()
        for field, measured in (("validation", self.validation), ("backcast", self.backcast)):
            for index, target in enumerate(measured):
                if target.per_100k and getattr(self.population, target.per_100k) is None:
                    raise FieldError(f"{field}.{index}.per_100k", f"{target.per_100k} needs population.{target.per_100k}")
        return self

    def _check_calendar(self) -> None:
        """Every day of the run, warm-up included, is a date Python can hold (years 1 to 9999)."""
        try:
            self.start_date - dt.timedelta(days=self.warmup_days)
            self.start_date + dt.timedelta(days=self.days)
        except OverflowError:
            raise FieldError(
                "start_date", f"the run ({self.warmup_days} days of warm-up before it, {self.days} after) must fall in the years 1 to 9999"
            ) from None

    def _pathways(self) -> dict[int, str]:
        """Each discharge pathway patients can be sent to, and the field that sends them: a group's mix,
        one step further by deconditioning, or a patient of today's census."""
        sent: dict[int, str] = {}
        for name, group in self.groups.items():
            for pathway, share in enumerate(group.pathway.shares()):
                if share > 0:
                    sent.setdefault(pathway, f"groups.{name}.pathway")
                    if self.discharge.deconditioning_per_day > 0 and pathway < 3:
                        sent.setdefault(pathway + 1, "discharge.deconditioning_per_day")
        for index, row in enumerate(self.initial_state.patients):
            if row.pathway is not None:
                sent.setdefault(row.pathway, f"initial_state.patients.{index}.pathway")
        return sent

    def _check_pathways(self) -> None:
        """Every pathway patients can be sent to has its services."""
        for pathway, field in sorted(self._pathways().items()):
            for service in PATHWAY_SERVICES.get(pathway, ()):
                if getattr(self, service) is None:
                    raise FieldError(field, f"sends patients to pathway {pathway}, which needs {service} to be defined")

    def _needed(self) -> dict[str, float]:
        """The capacities patients are sent to and wait for as long as it takes (no `alternative_after_days`),
        with the least that can take one of them: a bed, or one episode's mean care hours a week."""
        pathways = self._pathways()
        needed: dict[str, float] = {}
        if any(group.short_stay_share > 0 for group in self.groups.values()):
            needed["short_stay_beds"] = 1.0
        if 2 in pathways and self.step_down is not None and self.step_down.alternative_after_days is None:
            needed["step_down_beds"] = 1.0
        onward = self.step_down.onward if self.step_down is not None and 2 in pathways else None
        home_support = 1 in pathways or (onward is not None and onward.home_with_support > 0)
        hart, care = self.reablement, self.home_care
        if hart is not None and home_support and hart.direct_to_home_care_share < 1 and hart.alternative_after_days is None:
            needed["reablement_hours_per_month"] = hart.hours_per_week.mean()
        if care is not None and care.alternative_after_days is None and (
            (home_support and hart is not None and hart.direct_to_home_care_share + hart.package_share_after > 0)
            or (onward is not None and onward.home_care > 0)
        ):
            needed["home_care_hours_per_month"] = care.hours_per_week.mean()
        return needed

    def _check_needed_capacity(self) -> None:
        """A service patients wait for without limit is open, for one of them at least, some time in the run."""
        end = self.start_date + dt.timedelta(days=self.days)
        for capacity, least in self._needed().items():
            field = CAPACITY_FIELDS[capacity]
            values = [functools.reduce(getattr, field.split("."), self)]
            values += [c.value for c in self.capacity_changes if c.capacity == capacity and c.date < end]
            most = max(month_hours_to_week(v) if capacity.endswith("_per_month") else v for v in values)
            if most < least:
                unit = f"{least:g} care hours a week (one episode's mean), {least * WEEKS_PER_MONTH:g} a month" if capacity.endswith("_per_month") else "1"
                raise FieldError(
                    field,
                    f"patients are sent to it and wait for it (no alternative_after_days), but it is below {unit} "
                    "for the whole run (capacity_changes included): nobody could ever be taken",
                )

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
            where = f"initial_state.patients.{index}"  # rows of `file` first, in its order
            if row.group not in self.groups:
                raise FieldError(f"{where}.group", f"is not one of groups ({', '.join(self.groups)})")
            if capacity[row.place] is None:
                raise FieldError(f"{where}.place", f"{row.place} needs {row.place} to be defined")
            if row.place == "short_stay" and self.groups[row.group].short_stay_los_days is None:
                raise FieldError(f"{where}.place", f"short_stay needs groups.{row.group}.short_stay_los_days")
            if (row.medically_fit or row.pathway is not None) and row.place not in ("short_stay", "general"):
                raise FieldError(where, "medically_fit and pathway apply to acute beds only")
            used[row.place] = used.get(row.place, 0.0) + row.count * per_patient.get(row.place, 1.0)
        for place, units in used.items():
            if units > capacity[place] + 1e-9:
                raise FieldError(
                    "initial_state",
                    f"puts {units:g} in {place}, more than its capacity {capacity[place]:g} "
                    "(care hours: patients x mean hours_per_week)",
                )

    def _check_capacity_changes(self) -> None:
        """Each change names a service the scenario has, on a date inside the run, with a value its field
        allows, and no capacity changes twice on one date."""
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
        first: dict[tuple[str, dt.date], int] = {}
        for index, change in enumerate(self.capacity_changes):
            where = f"capacity_changes.{index}"
            if change.capacity in needs and needs[change.capacity][1] is None:
                raise FieldError(f"{where}.capacity", f"{change.capacity} needs {needs[change.capacity][0]} to be defined")
            if change.date < self.simulation_start:
                raise FieldError(
                    f"{where}.date",
                    f"{change.date} is before the simulation starts ({self.simulation_start}, "
                    "start_date less warm-up); set the capacity itself instead",
                )
            try:
                CHANGE_VALUES[change.capacity].validate_python(int(change.value) if change.value.is_integer() else change.value)
            except ValidationError as error:
                allowed = error.errors()[0]["msg"].removeprefix("Value error, ")
                raise FieldError(
                    f"{where}.value", f"{change.value:g} is not allowed for {CAPACITY_FIELDS[change.capacity]}: {allowed}"
                ) from None
            earlier = first.setdefault((change.capacity, change.date), index)
            if earlier != index:
                raise FieldError(
                    where,
                    f"changes {change.capacity} on {change.date} again: capacity_changes.{earlier} sets it to "
                    f"{self.capacity_changes[earlier].value:g}, this one to {change.value:g}; keep one",
                )

    def _check_escalation_rules(self) -> None:
        """Rule names are unique, and each rule reads and acts on services the scenario has."""
        services = {"reablement": self.reablement, "home_care": self.home_care, "step_down": self.step_down}
        seen: set[str] = set()
        for index, rule in enumerate(self.escalation_rules):
            where = f"escalation_rules.{index}"
            if rule.slug in seen:
                raise FieldError(f"{where}.name", f"{rule.name!r}: another rule has the same name")
            seen.add(rule.slug)
            measure = rule.when.measure.removesuffix("_waiting")
            if measure in services and services[measure] is None:
                raise FieldError(f"{where}.when.measure", f"{rule.when.measure} needs {measure} to be defined")
            then = rule.then
            for action, service in (
                ("buy_reablement_hours_per_month", "reablement"),
                ("buy_home_care_hours_per_month", "home_care"),
                ("buy_step_down_beds", "step_down"),
            ):
                if getattr(then, action) and services[service] is None:
                    raise FieldError(f"{where}.then.{action}", f"needs {service} to be defined")
            if then.extra_discharges_per_day and self.discharge.discharges_per_weekday is None:
                raise FieldError(
                    f"{where}.then.extra_discharges_per_day",
                    "needs discharge.discharges_per_weekday: without a daily limit no discharge waits for a slot",
                )
            if then.extra_avoidance_share and self.admission_avoidance.stay_days is None:
                raise FieldError(f"{where}.then.extra_avoidance_share", "needs admission_avoidance places and stay_days")

    def _check_plan_followed(self, followed: Scenario) -> None:
        """A plan can be followed only by a scenario with the same rules reviewed at the same hours."""
        mine, theirs = (tuple(rule.name for rule in s.escalation_rules) for s in (self, followed))
        if mine != theirs:
            raise FieldError(
                "escalation_as_in",
                f"{followed.name} has the escalation rules {list(theirs)} and this scenario {list(mine)}: "
                "a plan can be followed only with the same rules, in the same order",
            )
        for field in ("opel_hour", "reviews_per_day"):
            if getattr(self.wards, field) != getattr(followed.wards, field):
                raise FieldError(
                    f"wards.{field}",
                    f"{getattr(self.wards, field)} here and {getattr(followed.wards, field)} in {followed.name}, "
                    "whose escalation plan this scenario follows (escalation_as_in): they must be the same",
                )

    def following(self, followed: Scenario) -> Scenario:
        """This scenario with its escalation plan run as it ran in `followed` (see `escalation_as_in`)."""
        self._check_plan_followed(followed)
        return self.model_copy(update={"escalation_as_in": followed})

    def followed_plan(self) -> Scenario | None:
        """The scenario whose escalation plan this one follows, over this one's study period, if any."""
        followed = self.escalation_as_in
        if followed is None:
            return None
        return followed.model_copy(
            update={"start_date": self.start_date, "days": self.days, "warmup_days": self.warmup_days}
        )

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

    def has_red_days(self) -> bool:
        """Whether any group meets internal waits that make red days."""
        return any(group.red_days for group in self.groups.values())

    def has_deaths(self) -> bool:
        """Whether any death rate is above 0: in the acute bed or after it, in step-down or in reablement."""
        deaths = (group.deaths for group in self.groups.values())
        return any(d.in_hospital or d.after_discharge for d in deaths) or any(
            service is not None and service.death_share > 0 for service in (self.step_down, self.reablement)
        )

    def content_hash(self) -> str:
        """A short hash of everything that affects results, for caching replications."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


PATHWAY_SERVICES = {1: ("reablement", "home_care"), 2: ("step_down",)}
"""The services a discharge pathway needs defined: pathway 1 may go to either, pathway 2 to a step-down bed."""


def _field_type(path: str) -> Any:
    """The type, with its constraints, of the scenario field at dotted `path`, without `None`."""
    model: Any = Scenario
    for part in path.split("."):
        field = model.model_fields[part]
        annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        if typing.get_origin(annotation) in (types.UnionType, typing.Union):
            (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        model = annotation
    return model


CHANGE_VALUES = {capacity: TypeAdapter(_field_type(path)) for capacity, path in CAPACITY_FIELDS.items()}
"""What each capacity change's value may be: what the field it changes may be."""
