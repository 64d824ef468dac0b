"""Home care (domiciliary care): the market's long-term packages, in care hours.

The home care market has so many care hours a week. A package needs some
hours a week and holds them for as long as it lasts; it starts only when
those hours are free. People wait for a package in an acute bed (pathway 1),
in a step-down bed, or at the end of reablement, still holding its hours.
"""

from __future__ import annotations

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_HOME_CARE, Process
from flowsim.scenario.capacity import HomeCare as HomeCareSection
from flowsim.services.care_hours import CareHours


class HomeCare(CareHours):
    """The home care market's weekly care hours and the packages that use them."""

    def __init__(
        self, env: Environment, streams: Streams, register: Register, home_care: HomeCareSection, horizon: float
    ) -> None:
        super().__init__(env, streams, register, "home_care", home_care, horizon, AWAITING_HOME_CARE)

    def package(self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        """A package holding `hours` a week until it ends, then its hours are free again. `elapsed` and
        `remaining`: a package of today's census, part-way through."""
        env = self.env
        self.register.move(patient, "home_care")
        patient.home_care_start = env.now - elapsed
        yield env.timeout(self._duration.next() if remaining is None else remaining)
        patient.home_care_end = env.now
        self.hours.release(hours)
