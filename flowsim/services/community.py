"""Community capacity: reablement (HART), home care, step-down beds and care homes.

These are the services people need to leave hospital, and their capacity is
what decides how long medically fit patients wait in acute beds.

- **Reablement (HART)** is capacity in care hours, not in places. An episode
  needs some hours a week for some days; it starts only when those hours are
  free. Hours may taper week by week as the person regains independence.
  When the episode ends some people need a long-term home care package, and
  they keep their HART hours until it starts: a slow home care market
  blocks reablement, which blocks acute beds.
- **Home care** (domiciliary care) is a market with its own weekly hours;
  a package holds its hours for as long as it lasts.
- **Step-down beds** (pathway 2: community hospital, hub, discharge-to-assess
  beds) hold a patient for rehabilitation, then until their onward service
  is ready: delays propagate back to the acute hospital.
- **Care homes** (pathway 3) take a placement after a search, optionally
  only as vacancies arise.

A patient waiting for any of these is recorded with the service as the
reason for their delay, in the place where they wait.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from flowsim.engine.pool import Pool
from flowsim.scenario.distributions import Distribution
from flowsim.engine.patient import Patient
from flowsim.engine.randomness import Stream, Streams
from flowsim.engine.vocabulary import (
    AWAITING_CARE_HOME,
    AWAITING_HOME_CARE,
    AWAITING_REABLEMENT,
    AWAITING_STEP_DOWN,
    OTHER_ARRANGEMENTS,
)
from flowsim.scenario import HOURS_PER_DAY, month_hours_to_week

if TYPE_CHECKING:
    from flowsim.model.system import System

Process = Generator[simpy.Event, Any, Any]
HOURS_PER_WEEK = 7 * HOURS_PER_DAY

Grant = tuple[str, float]
"""The service secured for a patient and the units it holds: ("reablement", 12.0)."""
HOME: Grant = ("home", 0.0)
"""Pathway 0: home with no new support, which needs nothing secured."""



def _patience(distribution: Distribution | None, streams: Streams, name: str) -> Stream | None:
    """Draws of how long someone waits before other arrangements are made (days, in hours); None: no limit."""
    return streams.draws(distribution, name, HOURS_PER_DAY) if distribution else None


class Community:
    """The county's post-hospital services, their capacity and the journeys through them."""

    def __init__(self, system: System) -> None:
        self.system = system
        scenario, env, streams = system.scenario, system.env, system.streams
        until = scenario.horizon_hours
        self.reablement: Pool | None = None
        self.home_care: Pool | None = None
        self.step_down: Pool | None = None
        self.step_down_reserved = 0
        """Step-down beds secured by patients still in an acute bed, waiting for a discharge slot."""
        if scenario.reablement is not None:
            hart = scenario.reablement
            self.reablement = Pool(env, "reablement_hours", month_hours_to_week(hart.hours_per_month), until, hart.queue)
            self._reablement_hours = streams.draws(hart.hours_per_week, "reablement.hours_per_week")
            self._reablement_days = streams.draws(hart.duration_days, "reablement.duration_days", HOURS_PER_DAY)
            self._reablement_patience = _patience(hart.alternative_after_days, streams, "reablement.alternative_after_days")
            self._direct_to_home_care = streams.chance("reablement.direct_to_home_care", hart.direct_to_home_care_share)
            self._package_after = streams.chance("reablement.package_after", hart.package_share_after)
        if scenario.home_care is not None:
            care = scenario.home_care
            self.home_care = Pool(env, "home_care_hours", month_hours_to_week(care.hours_per_month), until, care.queue)
            self._package_hours = streams.draws(care.hours_per_week, "home_care.hours_per_week")
            self._package_days = streams.draws(care.duration_days, "home_care.duration_days", HOURS_PER_DAY)
            self._package_patience = _patience(care.alternative_after_days, streams, "home_care.alternative_after_days")
        if scenario.step_down is not None:
            self.step_down = Pool(env, "step_down_beds", scenario.step_down.beds, until)
            self._onward = streams.choice("step_down.onward", scenario.step_down.onward.shares())
            self._step_down_days = streams.draws(scenario.step_down.los_days, "step_down.los_days", HOURS_PER_DAY)
            self._step_down_patience = _patience(
                scenario.step_down.alternative_after_days, streams, "step_down.alternative_after_days"
            )
        care_home = scenario.care_home
        self._care_home_wait = (
            streams.draws(care_home.wait_days, "care_home.wait_days", HOURS_PER_DAY) if care_home.wait_days else None
        )
        self.vacancies_per_week = care_home.vacancies_per_week
        self.awaiting_vacancy: deque[simpy.Event] = deque()
        self._vacancy_rate_changed = env.event()
        if self.vacancies_per_week is not None:
            env.process(self._vacancies())

    def pools(self) -> list[Pool]:
        return [p for p in (self.reablement, self.home_care, self.step_down) if p is not None]

    def set_capacity(self, capacity: str, value: float) -> bool:
        if capacity == "reablement_hours_per_month" and self.reablement:
            self.reablement.set_capacity(month_hours_to_week(value))
        elif capacity == "home_care_hours_per_month" and self.home_care:
            self.home_care.set_capacity(month_hours_to_week(value))
        elif capacity == "step_down_beds" and self.step_down:
            self.step_down.set_capacity(value)
        elif capacity == "care_home_vacancies_per_week" and self.vacancies_per_week is not None:
            self.vacancies_per_week = value
            if not self._vacancy_rate_changed.triggered:
                self._vacancy_rate_changed.succeed()
        else:
            return False
        return True

    # Securing a service, while the patient waits where they are ------------

    def secure(self, patient: Patient, pathway: int, place: str) -> Process:
        """Wait in `place` until the service of `pathway` can take the patient; return the grant."""
        if pathway == 1:
            return (yield from self._secure_home_support(patient, place))
        if pathway == 2:
            assert self.step_down is not None
            limit = self._step_down_patience.next() if self._step_down_patience else None
            if not (yield from self.system.wait_or_give_up(patient, place, AWAITING_STEP_DOWN, self.step_down, 1.0, limit)):
                return ("alternative", 0.0)
            self.step_down_reserved += 1
            return ("step_down", 1.0)
        if pathway == 3:
            yield from self._secure_care_home(patient, place)
            return ("care_home", 0.0)
        return ("home", 0.0)

    def _secure_home_support(self, patient: Patient, place: str, package: bool = False) -> Process:
        """Wait in `place` for HART or a home care package (a package if `package`, else by the
        pathway 1 mix); ("alternative", 0) if other arrangements came first."""
        assert self.reablement is not None and self.home_care is not None
        if package or self._direct_to_home_care():
            service, pool, reason, hours, patience = (
                "home_care", self.home_care, AWAITING_HOME_CARE, self._package_hours.next(), self._package_patience
            )  # fmt: skip
        else:
            service, pool, reason, hours, patience = (
                "reablement", self.reablement, AWAITING_REABLEMENT, self._reablement_hours.next(), self._reablement_patience
            )  # fmt: skip
        limit = patience.next() if patience else None
        if (yield from self.system.wait_or_give_up(patient, place, reason, pool, hours, limit)):
            return (service, hours)
        return ("alternative", 0.0)

    def _secure_care_home(self, patient: Patient, place: str) -> Process:
        if self._care_home_wait is not None:
            yield from self.system.delay(patient, place, AWAITING_CARE_HOME, self._care_home_wait.next())
        if self.vacancies_per_week is not None:
            vacancy = self.system.env.event()
            self.awaiting_vacancy.append(vacancy)
            yield from self.system.wait(patient, place, AWAITING_CARE_HOME, vacancy)

    # Receiving the service ---------------------------------------------------

    def receive(self, patient: Patient, grant: Grant) -> Process:
        """The patient, having left their bed, starts the service they were granted."""
        service, units = grant
        if service == "home":
            self.system.leave(patient, "home", "home")
        elif service == "reablement":
            yield from self._reablement_episode(patient, units)
        elif service == "home_care":
            yield from self._home_care_package(patient, units)
        elif service == "step_down":
            self.step_down_reserved -= 1
            yield from self._step_down_stay(patient)
        elif service == "care_home":
            patient.care_home_start = self.system.env._now
            self.system.leave(patient, "care_home", "care home")
        else:  # "alternative": other arrangements came first
            self.system.leave(patient, "home", OTHER_ARRANGEMENTS)

    def _reablement_episode(
        self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None
    ) -> Process:
        system, env = self.system, self.system.env
        assert self.reablement is not None and self.home_care is not None and system.scenario.reablement is not None
        hart = system.scenario.reablement
        system.move(patient, "reablement")
        patient.reablement_start = env._now - elapsed
        duration = self._reablement_days.next() if remaining is None else remaining
        held = yield from self._tapered(hours, hart.final_share, duration)
        patient.reablement_end = env._now
        if self._package_after():
            package = self._package_hours.next()
            limit = self._package_patience.next() if self._package_patience else None
            started = yield from system.wait_or_give_up(patient, "reablement", AWAITING_HOME_CARE, self.home_care, package, limit)
            self.reablement.release(held)
            if started:
                yield from self._home_care_package(patient, package)
            else:
                self.system.leave(patient, "home", OTHER_ARRANGEMENTS)
            return
        self.reablement.release(held)
        self.system.leave(patient, "home", "home after reablement")

    def _tapered(self, hours: float, final_share: float, duration: float) -> Process:
        """Hold HART hours for `duration`, falling linearly week by week to
        `final_share` of the start; return the hours still held at the end."""
        assert self.reablement is not None
        env = self.system.env
        weeks = max(1, math.ceil(duration / HOURS_PER_WEEK))
        held = hours
        for week in range(1, weeks):
            yield env.timeout(HOURS_PER_WEEK)
            now_needed = hours * (1.0 - (1.0 - final_share) * week / (weeks - 1))
            self.reablement.release(held - now_needed)
            held = now_needed
        yield env.timeout(duration - HOURS_PER_WEEK * (weeks - 1))
        return held

    def _home_care_package(
        self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None
    ) -> Process:
        assert self.home_care is not None
        env = self.system.env
        self.system.move(patient, "home_care")
        patient.home_care_start = env._now - elapsed
        yield env.timeout(self._package_days.next() if remaining is None else remaining)
        patient.home_care_end = env._now
        self.home_care.release(hours)
        self.system.leave(patient, "home", "home care package ended")

    def _step_down_stay(self, patient: Patient, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        system, env = self.system, self.system.env
        assert self.step_down is not None and system.scenario.step_down is not None
        system.move(patient, "step_down")
        patient.step_down_start = env._now - elapsed
        yield env.timeout(self._step_down_days.next() if remaining is None else remaining)
        choice = self._onward()
        grant: Grant = ("home", 0.0)
        if choice in (1, 2):
            grant = yield from self._secure_home_support(patient, "step_down", package=choice == 2)
        elif choice == 3:
            yield from self._secure_care_home(patient, "step_down")
            grant = ("care_home", 0.0)
        patient.step_down_end = env._now
        self.step_down.release()
        if grant[0] == "home":
            self.system.leave(patient, "home", "home from step-down")
        else:
            yield from self.receive(patient, grant)

    def resume(self, patient: Patient, place: str, elapsed: float, generator: np.random.Generator) -> Process:
        """Continue the service of someone already `elapsed` hours into it when the run starts.

        Their remaining time is drawn given what they have had so far; care
        hours are the mean a week (their own profile is not known), tapering
        over what is left of the episode.
        """
        scenario = self.system.scenario
        days = elapsed / HOURS_PER_DAY
        if place == "step_down":
            assert self.step_down is not None and scenario.step_down is not None
            yield from self.step_down.take()
            total = scenario.step_down.los_days.beyond(generator, days)
            yield from self._step_down_stay(patient, elapsed, total * HOURS_PER_DAY - elapsed)
        elif place == "reablement":
            assert self.reablement is not None and scenario.reablement is not None
            hours = scenario.reablement.hours_per_week.mean()
            yield from self.reablement.take(hours)
            total = scenario.reablement.duration_days.beyond(generator, days)
            yield from self._reablement_episode(patient, hours, elapsed, total * HOURS_PER_DAY - elapsed)
        else:
            assert self.home_care is not None and scenario.home_care is not None
            hours = scenario.home_care.hours_per_week.mean()
            yield from self.home_care.take(hours)
            total = scenario.home_care.duration_days.beyond(generator, days)
            yield from self._home_care_package(patient, hours, elapsed, total * HOURS_PER_DAY - elapsed)

    def _vacancies(self) -> Process:
        """Care home vacancies arising as a Poisson stream; one not taken at once is lost."""
        env = self.system.env
        gaps = self.system.streams.exponential("care_home.vacancy_gap")
        while True:
            rate = self.vacancies_per_week or 0.0
            if rate <= 0:
                self._vacancy_rate_changed = env.event()
                yield self._vacancy_rate_changed
                continue
            yield env.timeout(gaps.next() * HOURS_PER_WEEK / rate)
            if self.awaiting_vacancy:
                self.awaiting_vacancy.popleft().succeed()
