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

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_REABLEMENT, Process
from flowsim.scenario import HOURS_PER_DAY
from flowsim.scenario.capacity import Reablement as ReablementSection
from flowsim.services.care_hours import CareHours

HOURS_PER_WEEK = 7 * HOURS_PER_DAY


class Reablement(CareHours):
    """Reablement's weekly care hours and the episodes that use them."""

    settings: ReablementSection

    def __init__(
        self, env: Environment, streams: Streams, register: Register, reablement: ReablementSection, horizon: float
    ) -> None:
        super().__init__(env, streams, register, "reablement", reablement, horizon, AWAITING_REABLEMENT)
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
