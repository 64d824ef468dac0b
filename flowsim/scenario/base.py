"""What every part of a scenario shares: strict frozen models, shares, month profiles and units.

A share is a fraction from 0 to 1; a month profile is twelve multipliers,
January first. Times are in the unit their field's name gives (`_days`,
`_hours`); care hours are stated a month and used a week (a month is 52/12
weeks).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeFloat

Probability = Annotated[float, Field(ge=0, le=1)]


Occupancy = Annotated[float, Field(gt=0)]


PROBABILITY_TOLERANCE = 1e-6


HOURS_PER_DAY = 24.0


WEEKS_PER_MONTH = 52.0 / 12.0


class Model(BaseModel):
    """A frozen, strict part of a scenario: unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def check_sums_to_one(shares: dict[Any, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, but sum to {total:g}")


def twelve_months(multipliers: tuple[float, ...]) -> tuple[float, ...]:
    if len(multipliers) != 12:
        raise ValueError(f"needs exactly 12 values, January first, got {len(multipliers)}")
    if sum(multipliers) <= 0:
        raise ValueError("needs at least one value above 0")
    return multipliers


MonthProfile = Annotated[tuple[NonNegativeFloat, ...], AfterValidator(twelve_months)]
"""Twelve multipliers, January first."""


def normalised(weights: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


def month_hours_to_week(hours_per_month: float) -> float:
    """Care hours a month as hours a week (a month is 52/12 weeks)."""
    return hours_per_month / WEEKS_PER_MONTH
