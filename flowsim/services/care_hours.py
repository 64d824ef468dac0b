"""What reablement and home care share: capacity in care hours a week, asked for and waited for.

Both services are a number of care hours a week (stated a month in the
scenario), planned, changed on dates, and topped up at short notice by an
escalation rule. A person asks for some hours a week; they wait where they
are until the hours are free, or until other arrangements are made after a
while (`alternative_after_days`). Each service's own journey (a tapering
reablement episode, a long-term package) is in its own module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import Process
from flowsim.scenario import HOURS_PER_DAY, month_hours_to_week
from flowsim.scenario.capacity import HomeCare as HomeCareSection
from flowsim.scenario.capacity import Reablement as ReablementSection


class CareHours:
    """A service's care hours a week and the people waiting for them; `name` names its pool, its
    capacity and its random streams, `waiting` is the delay reason of those who wait."""

    def __init__(
        self,
        env: Environment,
        streams: Streams,
        register: Register,
        name: str,
        section: ReablementSection | HomeCareSection,
        horizon: float,
        waiting: str,
    ) -> None:
        self.env = env
        self.register = register
        self.name = name
        self.settings = section
        self.waiting = waiting
        self.hours = Pool(env, f"{name}_hours", month_hours_to_week(section.hours_per_month), horizon, section.queue)
        self.planned_per_week = month_hours_to_week(section.hours_per_month)
        """Care hours a week from the scenario and its capacity changes."""
        self.bought_per_week = 0.0
        """Care hours a week bought at short notice by an escalation rule."""
        self._hours_per_week = streams.draws(section.hours_per_week, f"{name}.hours_per_week")
        self._duration = streams.draws(section.duration_days, f"{name}.duration_days", HOURS_PER_DAY)
        self._patience = (
            streams.draws(section.alternative_after_days, f"{name}.alternative_after_days", HOURS_PER_DAY)
            if section.alternative_after_days
            else None
        )

    def pools(self) -> list[Pool]:
        return [self.hours]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name (care hours a month)."""
        return {f"{self.name}_hours_per_month": self._set_planned}

    def _set_planned(self, hours_per_month: float) -> None:
        self.planned_per_week = month_hours_to_week(hours_per_month)
        self.hours.set_capacity(self.planned_per_week + self.bought_per_week)

    def buy(self, hours_per_month: float) -> None:
        """Hold `hours_per_month` more care hours bought at short notice (0: none), from now on."""
        self.bought_per_week = month_hours_to_week(hours_per_month)
        self.hours.set_capacity(self.planned_per_week + self.bought_per_week)

    def ask(self) -> tuple[float, float | None]:
        """The care hours a week the next person asks for, and how long they wait for them before other
        arrangements are made (None: as long as it takes)."""
        return self._hours_per_week.next(), self._patience.next() if self._patience else None

    def secure(self, patient: Patient, place: str) -> Process:
        """Wait in `place` for the hours asked for; return them, or None if other arrangements were made first."""
        hours, limit = self.ask()
        if (yield from self.register.wait_or_give_up(patient, place, self.waiting, self.hours, hours, limit)):
            return hours
        return None

    def resume(self, patient: Patient, elapsed: float, generator: np.random.Generator) -> Process:
        """Take the hours of someone of today's census `elapsed` hours into the service (the mean a week,
        their own being unknown) and return (hours, hours still to run), the rest drawn given what they
        have had so far."""
        hours = self.settings.hours_per_week.mean()
        yield from self.hours.take(hours)
        total = self.settings.duration_days.beyond(generator, elapsed / HOURS_PER_DAY)
        return hours, total * HOURS_PER_DAY - elapsed
