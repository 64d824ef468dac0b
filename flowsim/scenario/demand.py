"""Demand: who arrives, by which door, and what each group of patients needs.

`arrivals` gives the three doors (ED walk-ins, ambulances, GP referrals to the
EAU), each a non-stationary Poisson stream shaped by hour, weekday and month;
`groups` gives each group of patients (an age band, a frailty level) its
treatment times, admission chances, lengths of stay and discharge pathway
mix; `population` turns counts into the published rates per 100,000.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from flowsim.scenario.base import (
    Model,
    MonthProfile,
    NonNegative,
    PositiveCount,
    Probability,
    check_sums_to_one,
    normalised,
    profile,
)
from flowsim.scenario.distributions import Distribution

ARRIVAL_ROUTES = ("ed_walk_in", "ed_ambulance", "gp_referral")


PATHWAYS = (0, 1, 2, 3)


INTERNAL_WAITS = ("diagnostics", "therapy_assessment", "specialist_review", "senior_review")
"""The named internal waits that make red days inside a clinical stay (NHS Improvement's SAFER and
red2green: a red day is one on which nothing moves the patient towards discharge)."""


class InternalWait(Model):
    """A wait inside the hospital that adds red days to a patient's clinical stay.

    A share of the group meets it, at the end of their active treatment (the
    scan, assessment or review that declares them fit). It lasts `days`; if
    the service that ends it works only on some weekdays (`working_days`), a
    wait that would end on a day off runs on to the same hour of its next
    working day: no senior review at weekends keeps Friday's patients until
    Monday.
    """

    share: Probability = Field(description="share of the group's admissions who meet this wait")
    days: Distribution = Field(description="red days the wait adds (days)")
    working_days: tuple[bool, ...] = Field(
        default=(True,) * 7, description="7 flags, Monday first: the days the service that ends the wait works"
    )

    @field_validator("working_days")
    @classmethod
    def _week(cls, days: tuple[bool, ...]) -> tuple[bool, ...]:
        if len(days) != 7 or not any(days):
            raise ValueError("needs exactly 7 flags, Monday first, at least one True")
        return days


class ArrivalStream(Model):
    """One door into the hospital: a non-stationary Poisson stream of patients.

    The rate at a moment is `daily / 24` times the hour-of-day weight, the
    day-of-week weight (both rescaled to average 1, so they shape the week
    without changing its volume), the month-of-year multiplier and the
    scenario's `demand_multiplier`.
    """

    daily: NonNegative = Field(description="mean arrivals per day (patients/day)")
    hour_of_day: Annotated[tuple[NonNegative, ...], profile(24, "midnight first")] = Field(
        default=(1.0,) * 24, description="24 relative weights, midnight first"
    )
    day_of_week: Annotated[tuple[NonNegative, ...], profile(7, "Monday first")] = Field(
        default=(1.0,) * 7, description="7 relative weights, Monday first"
    )
    month_of_year: MonthProfile = Field(
        default=(1.0,) * 12, description="12 multipliers of `daily`, January first (1 = as `daily`)"
    )
    groups: dict[str, Probability] = Field(description="share of this stream's patients in each group; sums to 1")

    @field_validator("groups")
    @classmethod
    def _mix(cls, groups: dict[str, float]) -> dict[str, float]:
        check_sums_to_one(groups, "group shares")
        return groups

    def hour_of_week(self) -> list[float]:
        """168 rate multipliers, Monday 00:00 first, averaging 1."""
        hours, days = normalised(self.hour_of_day), normalised(self.day_of_week)
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
        check_sums_to_one(self.model_dump(), "ED outcome shares (home, eau, ward)")
        return self


class PathwayMix(Model):
    """Share of medically fit patients needing each discharge pathway; sums to 1."""

    p0: Probability = Field(description="home, no new support")
    p1: Probability = Field(default=0.0, description="home with support (reablement or home care)")
    p2: Probability = Field(default=0.0, description="step-down bed-based rehabilitation")
    p3: Probability = Field(default=0.0, description="new care home placement")

    @model_validator(mode="after")
    def _sum(self) -> PathwayMix:
        check_sums_to_one(self.model_dump(), "pathway shares (p0..p3)")
        return self

    def shares(self) -> tuple[float, float, float, float]:
        return (self.p0, self.p1, self.p2, self.p3)


class Deaths(Model):
    """Deaths of a group's admitted patients: in the acute bed, and within 91 days of leaving it alive.

    Sourced rates for older people are in docs/model.md ("Deaths"); 0 (the default) is off.
    """

    in_hospital: Probability = Field(default=0.0, description="share of the group's admissions who die in the acute bed")
    in_hospital_days: Distribution | None = Field(
        default=None, description="day of the stay on which they die, from taking the bed (days)"
    )
    after_discharge: Probability = Field(
        default=0.0, description="share of those leaving an acute bed alive who die within 91 days of leaving it"
    )
    after_discharge_days: Distribution | None = Field(
        default=None, description="time from leaving the acute bed to death, for them (days, within 91)"
    )

    @model_validator(mode="after")
    def _when(self) -> Deaths:
        for share, days in (("in_hospital", "in_hospital_days"), ("after_discharge", "after_discharge_days")):
            if getattr(self, share) > 0 and getattr(self, days) is None:
                raise ValueError(f"{share} > 0 needs {days}")
        return self


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
    red_days: dict[str, InternalWait] = Field(
        default={},
        description=f"internal waits that add red days to the clinical stay, by name ({', '.join(INTERNAL_WAITS)}), "
        "met in that order after the active stay (`general_los_days` or `short_stay_los_days`); none: no red days",
    )
    pathway: PathwayMix = Field(default=PathwayMix(p0=1.0))
    choice_share: Probability = Field(
        default=0.0, description="share of medically fit patients whose discharge waits on patient or family choice"
    )
    readmission_share: Probability = Field(
        default=0.0, description="share of patients leaving an acute bed readmitted as an emergency within `readmission_days`"
    )
    deaths: Deaths = Deaths()

    @field_validator("red_days")
    @classmethod
    def _named(cls, waits: dict[str, InternalWait]) -> dict[str, InternalWait]:
        unknown = sorted(set(waits) - set(INTERNAL_WAITS))
        if unknown:
            raise ValueError(f"unknown internal wait {', '.join(unknown)}: choose from {', '.join(INTERNAL_WAITS)}")
        return waits

    @model_validator(mode="after")
    def _short_stay(self) -> Group:
        if self.short_stay_share > 0 and self.short_stay_los_days is None:
            raise ValueError("short_stay_share > 0 needs short_stay_los_days")
        return self


class Population(Model):
    """Who the system serves, so counts can be reported per 100,000 as published."""

    adults: PositiveCount | None = Field(default=None, description="residents aged 18+ (for delayed days per 100,000 adults)")
    aged_65_plus: PositiveCount | None = Field(
        default=None, description="residents aged 65+ (for care home admissions per 100,000 aged 65+)"
    )
    older_groups: tuple[str, ...] = Field(
        default=(), description="patient groups aged 65+: the older people's KPIs (`older_...`) are theirs"
    )
