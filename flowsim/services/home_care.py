"""Home care (domiciliary care): the market's long-term packages, in care hours.

The home care market has so many care hours a week. A package needs some
hours a week and holds them for as long as it lasts; it starts only when
those hours are free. People wait for a package in an acute bed (pathway 1),
in a step-down bed, or at the end of reablement, still holding its hours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_HOME_CARE, Process
from flowsim.scenario import HOURS_PER_DAY, month_hours_to_week
from flowsim.scenario.capacity import HomeCare as HomeCareSection


class HomeCare:
    """The home care market's weekly care hours and the packages that use them."""

    def __init__(
        self, env: Environment, streams: Streams, register: Register, home_care: HomeCareSection, horizon: float
    ) -> None:
        self.env = env
        self.register = register
        self.settings = home_care
        self.hours = Pool(env, "home_care_hours", month_hours_to_week(home_care.hours_per_month), horizon, home_care.queue)
        self.planned_per_week = month_hours_to_week(home_care.hours_per_month)
        """Care hours a week from the scenario and its capacity changes."""
        self.bought_per_week = 0.0
        """Care hours a week bought at short notice by an escalation rule."""
        self._hours_per_week = streams.draws(home_care.hours_per_week, "home_care.hours_per_week")
        self._duration = streams.draws(home_care.duration_days, "home_care.duration_days", HOURS_PER_DAY)
        self._patience = (
            streams.draws(home_care.alternative_after_days, "home_care.alternative_after_days", HOURS_PER_DAY)
            if home_care.alternative_after_days
            else None
        )

    def pools(self) -> list[Pool]:
        return [self.hours]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name (care hours a month)."""
        return {"home_care_hours_per_month": self._set_planned}

    def _set_planned(self, hours_per_month: float) -> None:
        self.planned_per_week = month_hours_to_week(hours_per_month)
        self.hours.set_capacity(self.planned_per_week + self.bought_per_week)

    def buy(self, hours_per_month: float) -> None:
        """Hold `hours_per_month` more care hours bought at short notice (0: none), from now on."""
        self.bought_per_week = month_hours_to_week(hours_per_month)
        self.hours.set_capacity(self.planned_per_week + self.bought_per_week)

    def ask(self) -> tuple[float, float | None]:
        """The care hours a week of the next package asked for, and how long its patient waits for it before
        other arrangements are made (None: as long as it takes)."""
        return self._hours_per_week.next(), self._patience.next() if self._patience else None

    def secure(self, patient: Patient, place: str) -> Process:
        """Wait in `place` for the hours of a package; return them, or None if other arrangements were
        made first."""
        hours, limit = self.ask()
        if (yield from self.register.wait_or_give_up(patient, place, AWAITING_HOME_CARE, self.hours, hours, limit)):
            return hours
        return None

    def package(self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        """A package holding `hours` a week until it ends, then its hours are free again. `elapsed` and
        `remaining`: a package of today's census, part-way through."""
        env = self.env
        self.register.move(patient, "home_care")
        patient.home_care_start = env.now - elapsed
        yield env.timeout(self._duration.next() if remaining is None else remaining)
        patient.home_care_end = env.now
        self.hours.release(hours)

    def resume(self, patient: Patient, elapsed: float, generator: np.random.Generator) -> Process:
        """Take the hours of someone of today's census `elapsed` hours into a package (the mean a week)
        and return (hours, hours of the package still to run)."""
        hours = self.settings.hours_per_week.mean()
        yield from self.hours.take(hours)
        total = self.settings.duration_days.beyond(generator, elapsed / HOURS_PER_DAY)
        return hours, total * HOURS_PER_DAY - elapsed
