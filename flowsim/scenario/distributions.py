"""Distributions of durations and amounts, as a scenario file writes them.

A planner states a length of stay by its mean and standard deviation, not by
a lognormal's mu and sigma, so every distribution here is written in the units
of the field that holds it (the field's name says which: `los_days`,
`treatment_hours`, `hours_per_week`) and by its mean where it has one.
Empirical distributions resample a column of a CSV file, for example last
year's lengths of stay from the patient administration system.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from scipy import stats

from flowsim.scenario.base import NonNegative, Number, Positive
from flowsim.scenario.reading import read_table


class _Distribution(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def frozen(self) -> Any:
        """The same distribution as a scipy.stats frozen distribution."""
        raise NotImplementedError(type(self).__name__)

    def survival(self, value: float) -> float:
        """P(X > value)."""
        return float(self.frozen().sf(value))

    def beyond(self, generator: np.random.Generator, elapsed: float) -> float:
        """A value drawn given that it exceeds `elapsed`: the whole stay of someone `elapsed` in.

        Inverse transform on the upper tail, x = F^-1(1 - u S(elapsed)); if
        there is no mass beyond `elapsed`, the stay ends now.
        """
        distribution = self.frozen()
        tail = float(distribution.sf(elapsed))
        if tail <= 0.0:
            return elapsed
        return max(elapsed, float(distribution.isf(generator.uniform() * tail)))


SPREAD_LIMIT = 1e12
"""The largest squared coefficient of variation, (sd / mean)^2, a distribution is drawn with (and 1 over
it the smallest: a gamma's shape is its inverse)."""


_AMOUNT = TypeAdapter(NonNegative)


def _amount(cell: str, line: int) -> float:
    try:
        return _AMOUNT.validate_strings(cell)
    except ValidationError as error:
        raise ValueError(f"line {line}: {error.errors()[0]['msg']}") from None


class Fixed(_Distribution):
    """Always the same value: for tests and for deterministic what-ifs."""

    type: Literal["fixed"]
    value: NonNegative

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def mean(self) -> float:
        return self.value

    def survival(self, value: float) -> float:
        return 1.0 if self.value > value else 0.0

    def beyond(self, generator: np.random.Generator, elapsed: float) -> float:
        return max(self.value, elapsed)


class Exponential(_Distribution):
    """Memoryless: the textbook service time of queueing theory."""

    type: Literal["exponential"]
    mean_value: Positive = Field(alias="mean")

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.exponential(self.mean_value, size)

    def mean(self) -> float:
        return self.mean_value

    def frozen(self) -> Any:
        return stats.expon(scale=self.mean_value)


class _MeanAndSd(_Distribution):
    """A distribution written by its mean and standard deviation, which can be drawn from only if the
    two are not too far apart (`SPREAD_LIMIT`)."""

    type: str
    mean_value: Positive = Field(alias="mean")
    sd: Positive

    @model_validator(mode="after")
    def _drawable(self) -> _MeanAndSd:
        if not SPREAD_LIMIT**-0.5 <= self.sd / self.mean_value <= SPREAD_LIMIT**0.5:  # squared, it could overflow
            raise ValueError(
                f"sd ({self.sd:g}) must be between {SPREAD_LIMIT ** -0.5:g} and {SPREAD_LIMIT ** 0.5:g} "
                f"times the mean ({self.mean_value:g})"
            )
        return self

    def mean(self) -> float:
        return self.mean_value


class Lognormal(_MeanAndSd):
    """Right-skewed with a long tail: the usual shape of a length of stay."""

    type: Literal["lognormal"]

    def _mu_sigma(self) -> tuple[float, float]:
        sigma2 = math.log(1.0 + (self.sd / self.mean_value) ** 2)
        return math.log(self.mean_value) - sigma2 / 2.0, math.sqrt(sigma2)

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        mu, sigma = self._mu_sigma()
        return generator.lognormal(mu, sigma, size)

    def frozen(self) -> Any:
        mu, sigma = self._mu_sigma()
        return stats.lognorm(s=sigma, scale=math.exp(mu))


class Gamma(_MeanAndSd):
    """Right-skewed with a lighter tail than the lognormal."""

    type: Literal["gamma"]

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        shape = (self.mean_value / self.sd) ** 2
        return generator.gamma(shape, self.mean_value / shape, size)

    def frozen(self) -> Any:
        shape = (self.mean_value / self.sd) ** 2
        return stats.gamma(shape, scale=self.mean_value / shape)


class Uniform(_Distribution):
    """Any value between `low` and `high` equally likely."""

    type: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must not be above high ({self.high:g})")
        return self

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.uniform(self.low, self.high, size)

    def mean(self) -> float:
        return (self.low + self.high) / 2.0

    def frozen(self) -> Any:
        return stats.uniform(self.low, self.high - self.low)


class Empirical(_Distribution):
    """Resamples observed values: column `column` of CSV `file` (relative to the scenario file)."""

    type: Literal["empirical"]
    file: Path
    column: str
    values: tuple[NonNegative, ...] = Field(default=(), repr=False, description="read from the file")

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, data: Any) -> Any:
        """The column's non-blank cells, each a finite number >= 0, refused by line (never by content)."""
        if isinstance(data, dict) and not data.get("values") and isinstance(data.get("file"), str):
            file, column = Path(data["file"]), data.get("column")
            if not isinstance(column, str):
                return data  # reported as a wrong `column`
            values = []
            try:
                for line, cells in read_table(file, needed=(column,)):
                    if column in cells:
                        values.append(_amount(cells[column], line))
            except ValueError as error:
                raise ValueError(f"{file} {error}") from None
            if not values:
                raise ValueError(f"column {column!r} of {file} holds no numbers")
            data = {**data, "values": tuple(values)}
        return data

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.choice(np.asarray(self.values), size)

    def mean(self) -> float:
        return float(np.mean(self.values))

    def survival(self, value: float) -> float:
        return float(np.mean(np.asarray(self.values) > value))

    def beyond(self, generator: np.random.Generator, elapsed: float) -> float:
        longer = np.asarray([v for v in self.values if v > elapsed])
        return float(generator.choice(longer)) if len(longer) else elapsed


Simple = Annotated[Fixed | Exponential | Lognormal | Gamma | Uniform | Empirical, Field(discriminator="type")]


class Component(BaseModel):
    """One part of a mixture: its share of draws and its distribution."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    share: Annotated[Number, Field(gt=0, le=1)] = Field(description="share of draws from this part")
    distribution: Simple


class Mixture(_Distribution):
    """Draws from one of several distributions, chosen by share: for example most patients on a
    short stay and a complex minority on a long one, which no single lognormal can give at once."""

    type: Literal["mixture"]
    components: tuple[Component, ...] = Field(min_length=2, description="the parts; shares sum to 1")

    @model_validator(mode="after")
    def _shares(self) -> Mixture:
        total = sum(c.share for c in self.components)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"component shares must sum to 1, but sum to {total:g}")
        return self

    def draw(self, generator: np.random.Generator, size: int) -> np.ndarray:
        which = generator.choice(len(self.components), size=size, p=[c.share for c in self.components])
        values = np.empty(size)
        for index, component in enumerate(self.components):
            chosen = which == index
            values[chosen] = component.distribution.draw(generator, int(chosen.sum()))
        return values

    def mean(self) -> float:
        return sum(c.share * c.distribution.mean() for c in self.components)

    def survival(self, value: float) -> float:
        return sum(c.share * c.distribution.survival(value) for c in self.components)

    def beyond(self, generator: np.random.Generator, elapsed: float) -> float:
        """Pick the part given the value exceeds `elapsed` (shares weighted by each part's tail), then draw from it."""
        tails = np.array([c.share * c.distribution.survival(elapsed) for c in self.components])
        if tails.sum() <= 0.0:
            return elapsed
        component = self.components[int(generator.choice(len(tails), p=tails / tails.sum()))]
        return component.distribution.beyond(generator, elapsed)


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Uniform | Empirical | Mixture,
    Field(discriminator="type"),
]
