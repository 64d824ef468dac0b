"""Reablement (HART, the Home Assessment Reablement Team): pathway 1 support at home, in care hours.

Reablement is capacity in care hours a week, not in places. An episode needs
some hours a week for some days and starts only when those hours are free;
the hours may taper week by week as the person regains independence. Some
pathway 1 patients go straight to a home care package instead. When an
episode ends some people need a long-term home care package, and they keep
their reablement hours until it starts: a slow home care market blocks
reablement, which blocks acute beds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_REABLEMENT, Process
from flowsim.scenario import HOURS_PER_DAY, month_hours_to_week
from flowsim.scenario.capacity import Reablement as ReablementSection

HOURS_PER_WEEK = 7 * HOURS_PER_DAY


class Reablement:
    """Reablement's weekly care hours and the episodes that use them."""

    def __init__(
        self, env: Environment, streams: Streams, register: Register, reablement: ReablementSection, horizon: float
    ) -> None:
        self.env = env
        self.register = register
        self.settings = reablement
        self.hours = Pool(env, "reablement_hours", month_hours_to_week(reablement.hours_per_month), horizon, reablement.queue)
        self.planned_per_week = month_hours_to_week(reablement.hours_per_month)
        """Care hours a week from the scenario and its capacity changes."""
        self.bought_per_week = 0.0
        """Care hours a week bought at short notice by an escalation rule."""
        self._hours_per_week = streams.draws(reablement.hours_per_week, "reablement.hours_per_week")
        self._duration = streams.draws(reablement.duration_days, "reablement.duration_days", HOURS_PER_DAY)
        self._patience = (
            streams.draws(reablement.alternative_after_days, "reablement.alternative_after_days", HOURS_PER_DAY)
            if reablement.alternative_after_days
            else None
        )
        self.refers_to_home_care: Callable[[], bool] = streams.chance(
            "reablement.direct_to_home_care", reablement.direct_to_home_care_share
        )
        """Whether a pathway 1 patient goes straight to a home care package instead of reablement."""
        self.needs_package_after: Callable[[], bool] = streams.chance(
            "reablement.package_after", reablement.package_share_after
        )
        """Whether a person needs a long-term home care package when their episode ends."""
        self.dies: Callable[[], bool] = streams.chance("reablement.death", reablement.death_share)
        """Whether an episode ends in the person's death."""

    def pools(self) -> list[Pool]:
        return [self.hours]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name (care hours a month)."""
        return {"reablement_hours_per_month": self._set_planned}

    def _set_planned(self, hours_per_month: float) -> None:
        self.planned_per_week = month_hours_to_week(hours_per_month)
        self.hours.set_capacity(self.planned_per_week + self.bought_per_week)

    def buy(self, hours_per_month: float) -> None:
        """Hold `hours_per_month` more care hours bought at short notice (0: none), from now on."""
        self.bought_per_week = month_hours_to_week(hours_per_month)
        self.hours.set_capacity(self.planned_per_week + self.bought_per_week)

    def ask(self) -> tuple[float, float | None]:
        """The care hours a week of the next episode asked for, and how long its patient waits for it before
        other arrangements are made (None: as long as it takes)."""
        return self._hours_per_week.next(), self._patience.next() if self._patience else None

    def secure(self, patient: Patient, place: str) -> Process:
        """Wait in `place` for the hours of an episode; return them, or None if other arrangements
        were made first."""
        hours, limit = self.ask()
        if (yield from self.register.wait_or_give_up(patient, place, AWAITING_REABLEMENT, self.hours, hours, limit)):
            return hours
        return None

    def episode(self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        """An episode holding `hours` a week, tapering; return the hours still held at its end (the
        caller releases them). `elapsed` and `remaining`: an episode of today's census, part-way through."""
        env = self.env
        self.register.move(patient, "reablement")
        patient.reablement_start = env.now - elapsed
        duration = self._duration.next() if remaining is None else remaining
        held = yield from self._tapered(hours, self.settings.final_share, duration)
        patient.reablement_end = env.now
        return held

    def _tapered(self, hours: float, final_share: float, duration: float) -> Process:
        """Hold hours for `duration`, falling linearly week by week to `final_share` of the start;
        return the hours still held at the end."""
        env = self.env
        weeks = max(1, math.ceil(duration / HOURS_PER_WEEK))
        held = hours
        for week in range(1, weeks):
            yield env.timeout(HOURS_PER_WEEK)
            now_needed = hours * (1.0 - (1.0 - final_share) * week / (weeks - 1))
            self.hours.release(held - now_needed)
            held = now_needed
        yield env.timeout(duration - HOURS_PER_WEEK * (weeks - 1))
        return held

    def resume(self, patient: Patient, elapsed: float, generator: np.random.Generator) -> Process:
        """Take the hours of someone of today's census `elapsed` hours into an episode (the mean a week,
        their own being unknown) and return (hours, hours of the episode still to run), the rest of
        the episode drawn given what they have had so far."""
        hours = self.settings.hours_per_week.mean()
        yield from self.hours.take(hours)
        total = self.settings.duration_days.beyond(generator, elapsed / HOURS_PER_DAY)
        return hours, total * HOURS_PER_DAY - elapsed
