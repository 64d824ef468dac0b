"""Care homes: pathway 3, a new care home placement.

Finding and agreeing a placement takes a while (`wait_days`). Where the
scenario limits vacancies (`vacancies_per_week`), they arise as a Poisson
stream and go to whoever has waited longest; one that nobody is waiting for
is lost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import simpy

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_CARE_HOME, Process
from flowsim.scenario import HOURS_PER_DAY
from flowsim.scenario.capacity import CareHome as CareHomeSection

HOURS_PER_WEEK = 7 * HOURS_PER_DAY


class CareHomes:
    """The search for a placement and, where limited, the vacancies that arise."""

    def __init__(self, env: Environment, streams: Streams, register: Register, care_home: CareHomeSection) -> None:
        self.env = env
        self.streams = streams
        self.register = register
        self._wait = streams.draws(care_home.wait_days, "care_home.wait_days", HOURS_PER_DAY) if care_home.wait_days else None
        self.vacancies_per_week = care_home.vacancies_per_week
        self.awaiting_vacancy: deque[simpy.Event] = deque()
        self._vacancy_rate_changed = env.event()

    def start(self) -> None:
        """Begin the stream of vacancies, where they are limited."""
        if self.vacancies_per_week is not None:
            self.env.start(self._vacancies())

    def pools(self) -> list[Pool]:
        """Care homes are not a pool: vacancies arise and are lost if nobody waits."""
        return []

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {} if self.vacancies_per_week is None else {"care_home_vacancies_per_week": self._set_vacancies}

    def _set_vacancies(self, per_week: float) -> None:
        self.vacancies_per_week = per_week
        if not self._vacancy_rate_changed.triggered:
            self._vacancy_rate_changed.succeed()

    def secure(self, patient: Patient, place: str) -> Process:
        """Wait in `place` until a placement is found and, where vacancies are limited, one arises."""
        if self._wait is not None:
            yield from self.register.delay(patient, place, AWAITING_CARE_HOME, self._wait.next())
        if self.vacancies_per_week is not None:
            vacancy = self.env.event()
            self.awaiting_vacancy.append(vacancy)
            yield from self.register.wait(patient, place, AWAITING_CARE_HOME, vacancy)

    def _vacancies(self) -> Process:
        """Vacancies arising as a Poisson stream; one not taken at once is lost."""
        env = self.env
        gaps = self.streams.exponential("care_home.vacancy_gap")
        while True:
            rate = self.vacancies_per_week or 0.0
            if rate <= 0:
                self._vacancy_rate_changed = env.event()
                yield self._vacancy_rate_changed
                continue
            yield env.timeout(gaps.next() * HOURS_PER_WEEK / rate)
            if self.awaiting_vacancy:
                self.awaiting_vacancy.popleft().succeed()
