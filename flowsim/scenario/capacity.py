"""Capacity: how much of each service the county has, when it changes, and what it costs.

One section per service a planner names: the ED's cubicles, the EAU's
places, admission avoidance, the wards (with escalation beds and OPEL),
discharge (hours, daily slots, assessment, choice), reablement (HART) and home
care in care hours, step-down beds and care homes. `capacity_changes` change
one of them from a date; `costs` price them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from flowsim.scenario.base import (
    Count,
    Model,
    NonNegative,
    NonNegativeCount,
    Occupancy,
    Positive,
    PositiveCount,
    Probability,
    check_sums_to_one,
    profile,
)
from flowsim.scenario.demand import INTERNAL_WAITS
from flowsim.scenario.distributions import Distribution

CAPACITY_FIELDS = {
    "ed_cubicles": "ed.cubicles",
    "ed_boarding_spaces": "ed.boarding_spaces",
    "eau_places": "eau.places",
    "avoidance_places": "admission_avoidance.places",
    "short_stay_beds": "wards.short_stay_beds",
    "general_beds": "wards.general_beds",
    "escalation_beds": "wards.escalation.beds",
    "reablement_hours_per_month": "reablement.hours_per_month",
    "home_care_hours_per_month": "home_care.hours_per_month",
    "step_down_beds": "step_down.beds",
    "care_home_vacancies_per_week": "care_home.vacancies_per_week",
    "discharges_per_weekday": "discharge.discharges_per_weekday",
    "supported_discharges_per_weekday": "discharge.supported_discharges_per_weekday",
}
"""Each capacity that `capacity_changes` can change on a date, and the scenario field that sets it."""


CAPACITIES = tuple(CAPACITY_FIELDS)


class ED(Model):
    """The Emergency Department's treatment spaces, where admitted patients wait, and ambulance handover."""

    cubicles: PositiveCount = Field(description="cubicles / treatment spaces (a patient keeps one until they leave ED)")
    boarding_spaces: NonNegativeCount = Field(
        default=0,
        description="trolley spaces outside the cubicles (a corridor, a boarding area) where patients the ED has "
        "decided to admit wait for a bed, so their cubicle is free for the next patient; when they are full, "
        "the next such patient keeps their cubicle and moves out when a space frees (0: all keep their cubicle)",
    )
    max_handover_hours: Positive | None = Field(
        default=None,
        description="the longest an ambulance crew waits to hand over: then the crew is released and the "
        "patient waits for a cubicle in the ED's care (0.75: NHS England's 45-minute release to respond; "
        "none: crews wait until a cubicle is free)",
    )
    minutes_per_boarder: NonNegative = Field(
        default=0.0,
        description="minutes added to a patient's ED treatment for each admitted patient waiting in the ED when "
        "it starts: crowding by boarders slows the department (0: no effect; see docs/model.md for the evidence)",
    )


class EAU(Model):
    """The Emergency Assessment Unit's places."""

    places: PositiveCount = Field(description="assessment places (kept until the patient leaves the EAU)")


class AdmissionAvoidance(Model):
    """Ambulatory care, hospital at home or a virtual ward: places instead of a bed."""

    places: NonNegativeCount = Field(default=0, description="patients it can hold at once")
    stay_days: Distribution | None = Field(default=None, description="time a patient spends in it (days)")

    @model_validator(mode="after")
    def _stay(self) -> AdmissionAvoidance:
        if self.places > 0 and self.stay_days is None:
            raise ValueError("places > 0 needs stay_days")
        return self


class Escalation(Model):
    """Extra general beds opened under pressure and closed when it eases."""

    beds: NonNegativeCount = Field(default=0, description="escalation beds")
    open_at_opel: Annotated[Count, Field(ge=2, le=4)] = Field(
        default=3, description="OPEL level (2-4) at which they open; they close as they empty when it falls"
    )


class RedToGreen(Model):
    """What a scenario does about red days: a red2green programme and seven-day services."""

    cut: Probability = Field(
        default=0.0, description="share of every internal wait's red days removed (a red2green programme; 0: none)"
    )
    seven_day: tuple[str, ...] = Field(
        default=(), description="internal waits whose service works seven days (e.g. therapy_assessment, senior_review)"
    )

    @field_validator("seven_day")
    @classmethod
    def _named(cls, waits: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(waits) - set(INTERNAL_WAITS))
        if unknown:
            raise ValueError(f"unknown internal wait {', '.join(unknown)}: choose from {', '.join(INTERNAL_WAITS)}")
        return waits


class Wards(Model):
    """Acute beds: a short-stay ward, general beds, escalation beds, and the OPEL thresholds."""

    short_stay_beds: NonNegativeCount = Field(default=0, description="short-stay ward beds (stays of 1-3 days)")
    general_beds: PositiveCount = Field(description="general and acute beds")
    escalation: Escalation = Escalation()
    opel_thresholds: tuple[Occupancy, Occupancy, Occupancy] = Field(
        default=(0.85, 0.92, 0.97),
        description="bed pressure (occupied + waiting for a bed) / base beds at which OPEL 2, 3 and 4 begin",
    )
    opel_hour: Annotated[Count, Field(ge=0, le=23)] = Field(
        default=0,
        description="hour of each day of the hospital's first review: it declares its OPEL level and its "
        "escalation rules start or stand down (0: midnight), whatever the census hour",
    )
    reviews_per_day: Annotated[Count, Field(ge=1, le=24)] = Field(
        default=1, description="reviews a day, evenly spaced from `opel_hour` (1: once a day)"
    )
    red_to_green: RedToGreen = RedToGreen()

    @field_validator("opel_thresholds")
    @classmethod
    def _increasing(cls, t: tuple[float, float, float]) -> tuple[float, float, float]:
        if not t[0] < t[1] < t[2]:
            raise ValueError("thresholds must increase: OPEL 2 < OPEL 3 < OPEL 4")
        return t


class Discharge(Model):
    """When and how fast people can leave an acute bed, and what holds them up."""

    hours: tuple[Annotated[Count, Field(ge=0, le=24)], Annotated[Count, Field(ge=0, le=24)]] = Field(
        default=(0, 24), description="discharge hours [start, end) of each day (0-24)"
    )
    discharges_per_weekday: PositiveCount | None = Field(
        default=None, description="discharges the hospital can make on a weekday (none: no limit)"
    )
    day_of_week_capacity: tuple[Probability, ...] = Field(
        default=(1.0,) * 7,
        description="capacity each day as a share of a weekday's, Monday first (e.g. Saturday 0.6, Sunday 0.4)",
    )
    hourly_profile: Annotated[tuple[NonNegative, ...], profile(24, "midnight first")] | None = Field(
        default=None,
        description="24 relative weights, midnight first: the hour a patient leaves on the day of discharge, drawn "
        "among the hours not yet past once they may leave (none: they leave at once)",
    )
    supported_discharges_per_weekday: PositiveCount | None = Field(
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
    assessment_pathways: tuple[Annotated[Count, Field(ge=1, le=3)], ...] = Field(
        default=(1, 2, 3), description="pathways that need that assessment"
    )
    choice_days: Distribution | None = Field(
        default=None, description="extra delay for patient or family choice (days)"
    )
    deconditioning_per_day: NonNegative = Field(
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
            if not any(getattr(self, shares)):
                raise ValueError(f"{shares} needs at least one day above 0, or nobody could leave hospital")
        return self


class Reablement(Model):
    """The Home Assessment Reablement Team (HART): pathway 1 capacity in care hours.

    An episode starts only when the hours it needs are free. Hours taper
    linearly, week by week, from `hours_per_week` to `final_share` of it.
    Because every episode's hours only fall, an episode whose first week fits
    fits for its whole length (unless capacity itself is cut on a date).
    """

    hours_per_month: NonNegative = Field(description="care hours HART can deliver a month")
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
    death_share: Probability = Field(
        default=0.0, description="share of episodes that end in the person's death (at the episode's end; 0: off)"
    )


class HomeCare(Model):
    """The home care (domiciliary care) market: long-term packages in care hours."""

    hours_per_month: NonNegative = Field(description="care hours a month the market can deliver")
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
        check_sums_to_one(self.model_dump(), "onward shares (home, home_with_support, home_care, care_home)")
        return self

    def shares(self) -> tuple[float, float, float, float]:
        return (self.home, self.home_with_support, self.home_care, self.care_home)


class StepDown(Model):
    """Pathway 2: community hospital, hub and discharge-to-assess beds."""

    beds: NonNegativeCount = Field(description="step-down beds")
    los_days: Distribution = Field(description="rehabilitation stay before the patient is ready to move on (days)")
    onward: Onward = Field(default=Onward(home=1.0))
    alternative_after_days: Distribution | None = Field(
        default=None,
        description="how long someone waits in an acute bed for a step-down bed before other arrangements are made "
        "(home with interim support, a bed bought outside the modelled pool); none: they wait as long as it takes",
    )
    death_share: Probability = Field(
        default=0.0, description="share of stays that end in the patient's death (at the stay's end; 0: off)"
    )


class CareHome(Model):
    """Pathway 3: a new care home placement."""

    wait_days: Distribution | None = Field(default=None, description="time to find and agree a placement (days)")
    vacancies_per_week: Positive | None = Field(
        default=None, description="new placements arising a week, as a Poisson stream (none: no limit)"
    )


class CapacityChange(Model):
    """A change of one capacity from a date on, e.g. winter funding from 1 December."""

    date: dt.date = Field(description="first day of the new capacity (00:00); changes after the run's end have no effect")
    capacity: Literal[CAPACITIES] = Field(description="which capacity changes")  # type: ignore[valid-type]
    value: NonNegative = Field(description="the new capacity, in that capacity's own unit")


class Costs(Model):
    """Unit costs (GBP) of capacity, paid for whether it is used or not (block contracts).

    With them the KPI table prices the capacity a scenario provides a year, so an
    options appraisal can give the cost of each delayed bed day saved.
    """

    acute_bed_day: NonNegative | None = Field(default=None, description="an open acute bed for a day, escalation beds included")
    step_down_bed_day: NonNegative | None = Field(default=None, description="a step-down bed for a day")
    reablement_hour: NonNegative | None = Field(default=None, description="an hour of HART reablement capacity")
    home_care_hour: NonNegative | None = Field(default=None, description="an hour of home care capacity")
    avoidance_place_day: NonNegative | None = Field(
        default=None, description="an admission avoidance place (virtual ward, hospital at home) for a day"
    )
    spot_reablement_hour: NonNegative | None = Field(
        default=None, description="an hour of reablement bought at short notice by an escalation rule"
    )
    spot_home_care_hour: NonNegative | None = Field(
        default=None, description="an hour of home care bought at short notice by an escalation rule"
    )
    spot_step_down_bed_day: NonNegative | None = Field(
        default=None, description="a step-down bed bought at short notice by an escalation rule, for a day"
    )
