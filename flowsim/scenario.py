"""Scenario files: the demand and capacity of a county, validated before anything runs.

A scenario is a YAML file in two halves. *Demand*: who arrives (`arrivals`),
by which door, and what each group of patients needs (`groups`: treatment
times, admission chances, lengths of stay, discharge pathways). *Capacity*:
how much of each service there is (`ed`, `eau`, `wards`, `reablement`,
`home_care`, `step_down`, `care_home`, ...), and when it changes
(`capacity_changes`).

A variant names its parent with `extends: baseline.yaml` and writes only what
it changes; the two are deep-merged (mappings merge, anything else is
replaced). Every file is checked by the pydantic models below, and a mistake
is reported with the file, the field's path and what is allowed.

A `Scenario` is frozen data. Running it never changes it; the model built
from it keeps its own state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from flowsim.distributions import Distribution

Probability = Annotated[float, Field(ge=0, le=1)]
Occupancy = Annotated[float, Field(gt=0)]
PROBABILITY_TOLERANCE = 1e-6
HOURS_PER_DAY = 24.0
WEEKS_PER_MONTH = 52.0 / 12.0

ARRIVAL_ROUTES = ("ed_walk_in", "ed_ambulance", "gp_referral")
PATHWAYS = (0, 1, 2, 3)
CAPACITY_FIELDS = {
    "ed_cubicles": "ed.cubicles",
    "eau_places": "eau.places",
    "avoidance_places": "admission_avoidance.places",
    "short_stay_beds": "wards.short_stay_beds",
    "general_beds": "wards.general_beds",
    "escalation_beds": "wards.escalation.beds",
    "hart_hours_per_month": "reablement.hours_per_month",
    "home_care_hours_per_month": "home_care.hours_per_month",
    "step_down_beds": "step_down.beds",
    "care_home_vacancies_per_week": "care_home.vacancies_per_week",
    "discharges_per_weekday": "discharge.discharges_per_weekday",
    "supported_discharges_per_weekday": "discharge.supported_discharges_per_weekday",
}
"""Each capacity that `capacity_changes` can change on a date, and the scenario field that sets it."""
CAPACITIES = tuple(CAPACITY_FIELDS)


class Model(BaseModel):
    """A frozen, strict part of a scenario: unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_sums_to_one(shares: dict[Any, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, but sum to {total:g}")


def _twelve_months(multipliers: tuple[float, ...]) -> tuple[float, ...]:
    if len(multipliers) != 12:
        raise ValueError(f"needs exactly 12 values, January first, got {len(multipliers)}")
    if sum(multipliers) <= 0:
        raise ValueError("needs at least one value above 0")
    return multipliers


MonthProfile = Annotated[tuple[NonNegativeFloat, ...], AfterValidator(_twelve_months)]
"""Twelve multipliers, January first."""


def _normalised(weights: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


class ArrivalStream(Model):
    """One door into the hospital: a non-stationary Poisson stream of patients.

    The rate at a moment is `daily / 24` times the hour-of-day weight, the
    day-of-week weight (both rescaled to average 1, so they shape the week
    without changing its volume), the month-of-year multiplier and the
    scenario's `demand_multiplier`.
    """

    daily: NonNegativeFloat = Field(description="mean arrivals per day (patients/day)")
    hour_of_day: tuple[NonNegativeFloat, ...] = Field(
        default=(1.0,) * 24, description="24 relative weights, midnight first"
    )
    day_of_week: tuple[NonNegativeFloat, ...] = Field(
        default=(1.0,) * 7, description="7 relative weights, Monday first"
    )
    month_of_year: MonthProfile = Field(
        default=(1.0,) * 12, description="12 multipliers of `daily`, January first (1 = as `daily`)"
    )
    groups: dict[str, Probability] = Field(description="share of this stream's patients in each group; sums to 1")

    @field_validator("hour_of_day", "day_of_week")
    @classmethod
    def _length(cls, weights: tuple[float, ...], info: Any) -> tuple[float, ...]:
        expected = {"hour_of_day": 24, "day_of_week": 7}[info.field_name]
        if len(weights) != expected:
            raise ValueError(f"needs exactly {expected} values, got {len(weights)}")
        if sum(weights) <= 0:
            raise ValueError("needs at least one value above 0")
        return weights

    @field_validator("groups")
    @classmethod
    def _mix(cls, groups: dict[str, float]) -> dict[str, float]:
        _check_sums_to_one(groups, "group shares")
        return groups

    def hour_of_week(self) -> list[float]:
        """168 rate multipliers, Monday 00:00 first, averaging 1."""
        hours, days = _normalised(self.hour_of_day), _normalised(self.day_of_week)
        return [days[d] * hours[h] for d in range(7) for h in range(24)]


class Arrivals(Model):
    """The three doors: ED walk-ins, ED ambulance arrivals, GP referrals straight to the EAU."""

    ed_walk_in: ArrivalStream | None = None
    ed_ambulance: ArrivalStream | None = None
    gp_referral: ArrivalStream | None = Field(default=None, description="direct GP referrals to the EAU")

    def streams(self) -> dict[str, ArrivalStream]:
        """The doors that are open, by route name."""
        return {route: s for route in ARRIVAL_ROUTES if (s := getattr(self, route)) is not None}


class EDOutcome(Model):
    """Where a patient goes when ED treatment ends; shares sum to 1."""

    home: Probability
    eau: Probability = Field(description="referred to the Emergency Assessment Unit")
    ward: Probability = Field(description="admitted straight to a ward")

    @model_validator(mode="after")
    def _sum(self) -> EDOutcome:
        _check_sums_to_one(self.model_dump(), "ED outcome shares (home, eau, ward)")
        return self


class PathwayMix(Model):
    """Share of medically fit patients needing each discharge pathway; sums to 1."""

    p0: Probability = Field(description="home, no new support")
    p1: Probability = Field(default=0.0, description="home with support (reablement or home care)")
    p2: Probability = Field(default=0.0, description="step-down bed-based rehabilitation")
    p3: Probability = Field(default=0.0, description="new care home placement")

    @model_validator(mode="after")
    def _sum(self) -> PathwayMix:
        _check_sums_to_one(self.model_dump(), "pathway shares (p0..p3)")
        return self

    def shares(self) -> tuple[float, float, float, float]:
        return (self.p0, self.p1, self.p2, self.p3)


class Group(Model):
    """A group of patients (an age band, a frailty level) and everything it needs."""

    month_of_year: MonthProfile = Field(
        default=(1.0,) * 12,
        description="this group's demand each month relative to the rest of the year, January first: "
        "multiplies its share of every door (older people's admissions peak in winter)",
    )
    ed_treatment_hours: Distribution = Field(description="ED assessment and treatment time (hours)")
    ed_outcome: EDOutcome
    eau_assessment_hours: Distribution = Field(description="time in the EAU until the admit-or-home decision (hours)")
    eau_admit_share: Probability = Field(description="share of EAU patients admitted to a ward")
    avoidance_share: Probability = Field(
        default=0.0, description="share of would-be admissions offered admission avoidance when a place is free"
    )
    short_stay_share: Probability = Field(default=0.0, description="share of admissions to the short-stay ward")
    short_stay_los_days: Distribution | None = Field(
        default=None, description="clinical length of stay on the short-stay ward (days)"
    )
    general_los_days: Distribution = Field(description="clinical length of stay in a general acute bed (days)")
    los_month_of_year: MonthProfile = Field(
        default=(1.0,) * 12,
        description="multiplies the clinical length of stay of admissions in each month, January first "
        "(winter illness keeps older people in longer)",
    )
    pathway: PathwayMix = Field(default=PathwayMix(p0=1.0))
    choice_share: Probability = Field(
        default=0.0, description="share of medically fit patients whose discharge waits on patient or family choice"
    )
    readmission_share: Probability = Field(
        default=0.0, description="share of patients leaving an acute bed readmitted as an emergency within `readmission_days`"
    )

    @model_validator(mode="after")
    def _short_stay(self) -> Group:
        if self.short_stay_share > 0 and self.short_stay_los_days is None:
            raise ValueError("short_stay_share > 0 needs short_stay_los_days")
        return self


class ED(Model):
    """The Emergency Department's treatment spaces."""

    cubicles: PositiveInt = Field(description="cubicles / treatment spaces (a patient keeps one until they leave ED)")


class EAU(Model):
    """The Emergency Assessment Unit's places."""

    places: PositiveInt = Field(description="assessment places (kept until the patient leaves the EAU)")


class AdmissionAvoidance(Model):
    """Ambulatory care, hospital at home or a virtual ward: places instead of a bed."""

    places: NonNegativeInt = Field(default=0, description="patients it can hold at once")
    stay_days: Distribution | None = Field(default=None, description="time a patient spends in it (days)")

    @model_validator(mode="after")
    def _stay(self) -> AdmissionAvoidance:
        if self.places > 0 and self.stay_days is None:
            raise ValueError("places > 0 needs stay_days")
        return self


class Escalation(Model):
    """Extra general beds opened under pressure and closed when it eases."""

    beds: NonNegativeInt = Field(default=0, description="escalation beds")
    open_at_opel: Annotated[int, Field(ge=2, le=4)] = Field(
        default=3, description="OPEL level (2-4) at which they open; they close as they empty when it falls"
    )


class Wards(Model):
    """Acute beds: a short-stay ward, general beds, escalation beds, and the OPEL thresholds."""

    short_stay_beds: NonNegativeInt = Field(default=0, description="short-stay ward beds (stays of 1-3 days)")
    general_beds: PositiveInt = Field(description="general and acute beds")
    escalation: Escalation = Escalation()
    opel_thresholds: tuple[Occupancy, Occupancy, Occupancy] = Field(
        default=(0.85, 0.92, 0.97),
        description="bed pressure (occupied + waiting for a bed) / base beds at which OPEL 2, 3 and 4 begin",
    )

    @field_validator("opel_thresholds")
    @classmethod
    def _increasing(cls, t: tuple[float, float, float]) -> tuple[float, float, float]:
        if not t[0] < t[1] < t[2]:
            raise ValueError("thresholds must increase: OPEL 2 < OPEL 3 < OPEL 4")
        return t


class Discharge(Model):
    """When and how fast people can leave an acute bed, and what holds them up."""

    hours: tuple[Annotated[int, Field(ge=0, le=24)], Annotated[int, Field(ge=0, le=24)]] = Field(
        default=(0, 24), description="discharge hours [start, end) of each day (0-24)"
    )
    discharges_per_weekday: PositiveInt | None = Field(
        default=None, description="discharges the hospital can make on a weekday (none: no limit)"
    )
    day_of_week_capacity: tuple[Probability, ...] = Field(
        default=(1.0,) * 7,
        description="capacity each day as a share of a weekday's, Monday first (e.g. Saturday 0.6, Sunday 0.4)",
    )
    supported_discharges_per_weekday: PositiveInt | None = Field(
        default=None,
        description="discharges to a service (pathways 1-3) the services can take on a weekday "
        "(none: they share `discharges_per_weekday`)",
    )
    supported_day_of_week_capacity: tuple[Probability, ...] = Field(
        default=(1.0,) * 7,
        description="the services' capacity each day as a share of a weekday's, Monday first",
    )
    assessment_days: Distribution | None = Field(
        default=None, description="assessment or referral delay before a pathway can start (days)"
    )
    assessment_pathways: tuple[Annotated[int, Field(ge=1, le=3)], ...] = Field(
        default=(1, 2, 3), description="pathways that need that assessment"
    )
    choice_days: Distribution | None = Field(
        default=None, description="extra delay for patient or family choice (days)"
    )
    deconditioning_per_day: NonNegativeFloat = Field(
        default=0.0,
        description="chance per day in hospital before fitness that the patient needs one pathway more support (0: off)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Discharge:
        if self.hours[0] >= self.hours[1]:
            raise ValueError(f"discharge hours must start before they end, got {list(self.hours)}")
        for per_weekday, shares in (
            ("discharges_per_weekday", "day_of_week_capacity"),
            ("supported_discharges_per_weekday", "supported_day_of_week_capacity"),
        ):
            if len(getattr(self, shares)) != 7:
                raise ValueError(f"{shares} needs exactly 7 values, Monday first")
            if getattr(self, per_weekday) is None and any(c < 1 for c in getattr(self, shares)):
                raise ValueError(f"{shares} below 1 needs {per_weekday} to be set")
        return self


class Reablement(Model):
    """The Home Assessment Reablement Team (HART): pathway 1 capacity in care hours.

    An episode starts only when the hours it needs are free. Hours taper
    linearly, week by week, from `hours_per_week` to `final_share` of it.
    Because every episode's hours only fall, an episode whose first week fits
    fits for its whole length (unless capacity itself is cut on a date).
    """

    hours_per_month: NonNegativeFloat = Field(description="care hours HART can deliver a month")
    hours_per_week: Distribution = Field(description="care hours a week an episode needs at its start")
    final_share: Probability = Field(default=1.0, description="hours in the last week as a share of the first (1: no taper)")
    duration_days: Distribution = Field(description="length of a reablement episode (days)")
    package_share_after: Probability = Field(
        default=0.0, description="share who need a long-term home care package when reablement ends"
    )
    direct_to_home_care_share: Probability = Field(
        default=0.0, description="share of pathway 1 who go straight to a home care package, without reablement"
    )
    alternative_after_days: Distribution | None = Field(
        default=None,
        description="how long someone waits for HART before other arrangements are made for them "
        "(hospital at home, family, a home care package bought privately); none: they wait as long as it takes",
    )
    queue: Literal["fifo", "first_fit"] = Field(
        default="fifo",
        description="fifo: strictly in order, a large episode holds up smaller ones behind it; "
        "first_fit: any waiting episode that fits starts",
    )


class HomeCare(Model):
    """The home care (domiciliary care) market: long-term packages in care hours."""

    hours_per_month: NonNegativeFloat = Field(description="care hours a month the market can deliver")
    hours_per_week: Distribution = Field(description="care hours a week one package needs")
    duration_days: Distribution = Field(description="how long a package lasts (days)")
    queue: Literal["fifo", "first_fit"] = Field(default="fifo", description="as for reablement")
    alternative_after_days: Distribution | None = Field(
        default=None,
        description="how long someone waits for a package before other arrangements are made for them "
        "(an interim care home bed, family care, self-funded care); none: they wait as long as it takes",
    )


class Onward(Model):
    """Where people go from a step-down bed; shares sum to 1."""

    home: Probability
    home_with_support: Probability = Field(
        default=0.0, description="home with a pathway 1 service (HART, or a package, by the pathway 1 mix)"
    )
    home_care: Probability = Field(default=0.0, description="home with a long-term home care package, no more reablement")
    care_home: Probability = 0.0

    @model_validator(mode="after")
    def _sum(self) -> Onward:
        _check_sums_to_one(self.model_dump(), "onward shares (home, home_with_support, home_care, care_home)")
        return self

    def shares(self) -> tuple[float, float, float, float]:
        return (self.home, self.home_with_support, self.home_care, self.care_home)


class StepDown(Model):
    """Pathway 2: community hospital, hub and discharge-to-assess beds."""

    beds: NonNegativeInt = Field(description="step-down beds")
    los_days: Distribution = Field(description="rehabilitation stay before the patient is ready to move on (days)")
    onward: Onward = Field(default=Onward(home=1.0))
    alternative_after_days: Distribution | None = Field(
        default=None,
        description="how long someone waits in an acute bed for a step-down bed before other arrangements are made "
        "(home with interim support, a bed bought outside the modelled pool); none: they wait as long as it takes",
    )


class CareHome(Model):
    """Pathway 3: a new care home placement."""

    wait_days: Distribution | None = Field(default=None, description="time to find and agree a placement (days)")
    vacancies_per_week: PositiveFloat | None = Field(
        default=None, description="new placements arising a week, as a Poisson stream (none: no limit)"
    )


class CapacityChange(Model):
    """A change of one capacity from a date on, e.g. winter funding from 1 December."""

    date: dt.date = Field(description="first day of the new capacity (00:00); changes after the run's end have no effect")
    capacity: Literal[CAPACITIES] = Field(description="which capacity changes")  # type: ignore[valid-type]
    value: NonNegativeFloat = Field(description="the new capacity, in that capacity's own unit")


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


class Population(Model):
    """Who the system serves, so counts can be reported per 100,000 as published."""

    adults: PositiveInt | None = Field(default=None, description="residents aged 18+ (for delayed days per 100,000 adults)")
    aged_65_plus: PositiveInt | None = Field(
        default=None, description="residents aged 65+ (for care home admissions per 100,000 aged 65+)"
    )
    older_groups: tuple[str, ...] = Field(
        default=(), description="patient groups aged 65+: the older people's KPIs (`older_...`) are theirs"
    )


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


class Costs(Model):
    """Unit costs (GBP) of capacity, paid for whether it is used or not (block contracts).

    With them the KPI table prices the capacity a scenario provides a year, so an
    options appraisal can give the cost of each delayed bed day saved.
    """

    acute_bed_day: NonNegativeFloat | None = Field(default=None, description="an open acute bed for a day, escalation beds included")
    step_down_bed_day: NonNegativeFloat | None = Field(default=None, description="a step-down bed for a day")
    hart_hour: NonNegativeFloat | None = Field(default=None, description="an hour of HART reablement capacity")
    home_care_hour: NonNegativeFloat | None = Field(default=None, description="an hour of home care capacity")
    avoidance_place_day: NonNegativeFloat | None = Field(
        default=None, description="an admission avoidance place (virtual ward, hospital at home) for a day"
    )


class Scenario(Model):
    """A county's demand and capacity, and how long to simulate it."""

    name: str = Field(description="short name shown in tables")
    description: str = Field(default="", description="what this scenario represents")
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
    initial_state: InitialState = Field(
        default=InitialState(), description="today's census to start from (default: start empty and warm up)"
    )
    validation: tuple[Target, ...] = Field(
        default=(), description="published figures to check the scenario against (`flowsim validate`)"
    )
    costs: Costs = Field(default_factory=lambda: Costs(), description="unit costs, to price the capacity an option provides")

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
            "hart_hours_per_month": ("reablement", self.reablement),
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


class ScenarioError(Exception):
    """A scenario file that cannot be run; the message names file, field and what is allowed."""


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key, except that one with a different `type` (a distribution
    changed from lognormal to mixture, say) replaces the parent's whole; all else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        parent = merged.get(key)
        if isinstance(value, dict) and isinstance(parent, dict) and value.get("type", parent.get("type")) == parent.get("type"):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve_files(node: Any, folder: Path) -> Any:
    """Make every `file:` (empirical distributions, initial state) relative to the file that names it."""
    if isinstance(node, dict):
        resolved = {k: _resolve_files(v, folder) for k, v in node.items()}
        if isinstance(resolved.get("file"), str):
            resolved["file"] = str((folder / resolved["file"]).resolve())
        return resolved
    if isinstance(node, list):
        return [_resolve_files(v, folder) for v in node]
    return node


def _provenance(node: Any, file: Path, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Path]:
    """Which file set each field, so an error in a merged scenario names the right file."""
    found = {path: file}
    if isinstance(node, dict):
        for key, value in node.items():
            found.update(_provenance(value, file, (*path, key)))
    return found


def _read_chain(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[tuple[Any, ...], Path]]:
    """The merged raw mapping of `path` and its `extends` ancestors, and who set what."""
    path = path.resolve()
    if path in seen:
        raise ScenarioError(f"{path}: extends: the chain of files loops back to itself")
    if not path.is_file():
        if seen:
            raise ScenarioError(f"{seen[-1]}: extends: file {path} does not exist")
        raise ScenarioError(f"{path}: file does not exist")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario file must be a mapping of field: value")
    raw = _resolve_files(raw, path.parent)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, _provenance(raw, path)
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: must be the path of one scenario file, relative to this one")
    base, who = _read_chain(path.parent / parent, (*seen, path))
    who.update(_provenance(raw, path))
    return _deep_merge(base, raw), who


_UNION_TAGS = {"fixed", "exponential", "lognormal", "gamma", "uniform", "empirical", "mixture"}


def _describe(error: dict[str, Any], who: dict[tuple[Any, ...], Path], default: Path) -> str:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part in _UNION_TAGS))
    file = next((who[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in who), default)
    field = ".".join(str(part) for part in loc) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (check its spelling against docs/scenarios.md)"
    elif error["type"] == "missing":
        message = "required field is missing"
    elif "input" in error and error["type"] not in ("value_error",):
        message = f"{message}; got {error['input']!r}"
    return f"{file}: {field}: {message}"


def load_scenario(
    path: str | Path, overrides: dict[str, Any] | None = None, overrides_from: str = "command line"
) -> Scenario:
    """Read, merge and validate a scenario file; raise ScenarioError naming what is wrong.

    `overrides` is deep-merged last, as if it were one more `extends` layer
    (for command-line options and sweeps); a dotted key such as
    "reablement.hours_per_month" sets one nested field. Errors in them are
    attributed to `overrides_from`.
    """
    path = Path(path)
    raw, who = _read_chain(path)
    for key, value in (overrides or {}).items():
        for part in reversed(key.split(".")):
            value = {part: value}
        raw = _deep_merge(raw, value)
        who.update(_provenance(value, Path(overrides_from)))
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        lines = [_describe(e, who, path.resolve()) for e in error.errors()]
        raise ScenarioError("\n".join(lines)) from None


def scenario_from_dict(raw: dict[str, Any]) -> Scenario:
    """Validate a scenario written as a Python mapping (tests, notebooks)."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError("\n".join(_describe(e, {}, Path("<dict>")) for e in error.errors())) from None


def month_hours_to_week(hours_per_month: float) -> float:
    """Care hours a month as hours a week (a month is 52/12 weeks)."""
    return hours_per_month / WEEKS_PER_MONTH

