"""Escalation rules: what the county does when it is under pressure, as the winter plan writes it.

Each rule has a trigger and actions. The trigger reads one measure of the
county's state at each review (the hospital reviews `wards.reviews_per_day`
times a day from `wards.opel_hour`, declaring its OPEL level first): the rule
starts when the measure has been at least `at_least` at every review for
`for_hours`, and stands down when it falls below `stand_down_below`, once it
has been active for `min_active_hours`. While active, its actions hold:
escalation beds and beds freed from planned work open, extra discharges, same-day discharge of medically fit
pathway 0 patients, more would-be admissions offered admission avoidance,
care hours and step-down beds bought at a premium, ambulances diverted.

The wards' own escalation beds (`wards.escalation`) are the first rule, as
hospitals have always run them: open at OPEL `open_at_opel`, closed below it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from flowsim.scenario.base import Model, NonNegative, NonNegativeCount, Number, Probability

MEASURES = (
    "opel",
    "occupancy",
    "bed_pressure",
    "boarders",
    "medically_fit",
    "ed_occupancy",
    "reablement_waiting",
    "home_care_waiting",
    "step_down_waiting",
)
"""What a trigger can read: the OPEL level just declared; acute beds occupied over base beds; bed pressure
(occupied and waiting for a bed, over base beds); patients waiting for a bed; medically fit patients in
acute beds; people in the ED (in cubicles, boarding or waiting for a cubicle) over its cubicles; people
waiting for reablement, home care or a step-down bed."""


class Trigger(Model):
    """When a rule starts and stands down."""

    measure: Literal[MEASURES] = Field(description="the measure of the county's state it reads")  # type: ignore[valid-type]
    at_least: Number = Field(description="it starts when the measure is at least this ...")
    for_hours: NonNegative = Field(default=0.0, description="... at every review for this many hours (0: at once)")
    stand_down_below: Number | None = Field(
        default=None, description="it stands down when the measure falls below this (none: `at_least`)"
    )
    min_active_hours: NonNegative = Field(default=0.0, description="once started, it stays active at least this long")

    @model_validator(mode="after")
    def _stand_down_not_above_start(self) -> Trigger:
        if self.stand_down_below is not None and self.stand_down_below > self.at_least:
            raise ValueError(f"stand_down_below ({self.stand_down_below:g}) must not be above at_least ({self.at_least:g})")
        return self

    @property
    def stand_down(self) -> float:
        return self.at_least if self.stand_down_below is None else self.stand_down_below


class Actions(Model):
    """What a rule does while it is active. Several active rules add up (shares are capped at 1)."""

    open_escalation_beds: bool = Field(default=False, description="open the wards' escalation beds")
    extra_acute_beds: NonNegativeCount = Field(
        default=0,
        description="general beds found for emergency patients on top of those, by deferring planned operations "
        "or placing patients in other specialties' beds (as NHS England asked of trusts in January 2018)",
    )
    extra_discharges_per_day: NonNegativeCount = Field(
        default=0, description="discharges the wards can make each day, weekends included, on top of their usual number"
    )
    same_day_discharge: bool = Field(
        default=False,
        description="patients ready to go home leave at once, without waiting for the wards' discharge slots "
        "(pathway 0, and every pathway where the services have no discharge slots of their own)",
    )
    extra_avoidance_share: Probability = Field(
        default=0.0,
        description="share of the would-be admissions not otherwise offered admission avoidance (same-day "
        "emergency care, hospital at home) who are offered it, within its places",
    )
    buy_reablement_hours_per_month: NonNegative = Field(
        default=0.0, description="reablement care hours a month bought at the spot price (`costs.spot_reablement_hour`)"
    )
    buy_home_care_hours_per_month: NonNegative = Field(
        default=0.0, description="home care hours a month bought at the spot price (`costs.spot_home_care_hour`)"
    )
    buy_step_down_beds: NonNegativeCount = Field(
        default=0, description="step-down beds bought at the spot price (`costs.spot_step_down_bed_day`)"
    )
    divert_ambulance_share: Probability = Field(
        default=0.0, description="share of ambulance arrivals diverted to other hospitals (they leave the county's system)"
    )


class EscalationRule(Model):
    """One rule of the escalation plan: a trigger and what it does."""

    name: str = Field(min_length=1, description="the rule's name in tables and reports")
    when: Trigger
    then: Actions

    @property
    def slug(self) -> str:
        return rule_slug(self.name)


def rule_slug(name: str) -> str:
    """A rule's name as it appears in KPI names: lower case, words joined by underscores."""
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
