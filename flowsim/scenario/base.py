"""What every part of a scenario shares: strict frozen models, numbers, shares, month profiles and units.

A number in a scenario is finite, at most `LARGEST` in size and written as
a number: `true`, `yes`, `on`, `.nan`, `.inf` and quoted strings are refused
wherever a number is expected, because YAML would otherwise read `yes` as
1. A count (beds, places, days) is a whole number. A share is a fraction
from 0 to 1; a month profile is twelve multipliers, January first. Times are
in the unit their field's name gives (`_days`, `_hours`); care hours are
stated a month and used a week (a month is 52/12 weeks).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AllowInfNan, BaseModel, ConfigDict, Field, Strict

LARGEST = 1e12
"""No number in a scenario is larger than this (a million million): enough for any county, and small
enough that sums and products of a few of them stay finite."""


def _not_huge(value: float) -> float:
    if abs(value) > LARGEST:
        raise ValueError(f"must be at most {LARGEST:g} in size")
    return value


Number = Annotated[float, Strict(), AllowInfNan(False), AfterValidator(_not_huge)]
"""A finite number (a whole number is fine too), never a boolean or a string."""
NonNegative = Annotated[Number, Field(ge=0)]
Positive = Annotated[Number, Field(gt=0)]
Probability = Annotated[Number, Field(ge=0, le=1)]
Occupancy = Positive

Count = Annotated[int, Strict(), AfterValidator(_not_huge)]
"""A whole number, never a boolean, a string or a number with a fraction."""
NonNegativeCount = Annotated[Count, Field(ge=0)]
PositiveCount = Annotated[Count, Field(gt=0)]


PROBABILITY_TOLERANCE = 1e-6


HOURS_PER_DAY = 24.0


WEEKS_PER_MONTH = 52.0 / 12.0


class Model(BaseModel):
    """A frozen, strict part of a scenario: unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldError(ValueError):
    """A mistake found by comparing fields, raised with the path of the field to blame.

    Loading names the file that set that field, and the field, as it does
    for a mistake in one field.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def check_sums_to_one(shares: dict[Any, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise ValueError(f"{what} must sum to 1, but sum to {total:g}")


def profile(length: int, order: str) -> AfterValidator:
    """The check of a profile: exactly `length` weights (`order` says which comes first), not all zero."""

    def check(values: tuple[float, ...]) -> tuple[float, ...]:
        if len(values) != length:
            raise ValueError(f"needs exactly {length} values, {order}, got {len(values)}")
        if not sum(values) > 0:
            raise ValueError("needs at least one value above 0")
        return values

    return AfterValidator(check)


MonthProfile = Annotated[tuple[NonNegative, ...], profile(12, "January first")]
"""Twelve multipliers, January first."""


def normalised(weights: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


def month_hours_to_week(hours_per_month: float) -> float:
    """Care hours a month as hours a week (a month is 52/12 weeks)."""
    return hours_per_month / WEEKS_PER_MONTH
