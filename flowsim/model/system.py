"""The county's system of care, built from a scenario and one seed, and run.

`System` builds each service from what it needs (the event loop, the
calendar, the random streams, the register and its own part of the
scenario) and runs each patient's journey as one process on SimPy's event
loop, in the shape of the picture in docs/model.md:

    arrive -> ED and/or EAU -> decision to admit -> admission avoidance or an acute bed
           -> medically fit -> discharge pathway 0-3 -> home, reablement, home care,
              step-down bed or care home -> home or care home

with, where the scenario allows it (`switching`), a switch to a service with
room to spare: home on reablement until a home care package starts
(bridging), home with reablement instead of a step-down bed (discharge to
assess), or a step-down bed instead of reablement; and, where the scenario
gives death rates, death in the acute bed, a step-down
bed or reablement (the exit "died", leaving every pool at once), or at home
within 91 days of leaving the acute bed (recorded; the person has left).

The services own their capacity and their steps; the journey decides where a
patient goes next, and records each exit. The escalation plan
(`flowsim.model.escalation`) reviews the county's state and acts on the
services; the runaway watch (`flowsim.model.runaway`) stops a run whose
queues grow without bound. Capacity changes on a date go to
the service that names that capacity. At the end of a run the register
checks that every patient who arrived is accounted for, and the results are
built from the run's records.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np
import simpy

from flowsim.engine.clock import Clock
from flowsim.engine.environment import Environment, cyclic_gc_paused
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import (
    AWAITING_HOME_CARE,
    AWAITING_REABLEMENT,
    AWAITING_STEP_DOWN,
    DIED_IN_HOSPITAL,
    DIED_IN_REABLEMENT,
    DIED_IN_STEP_DOWN,
    OTHER_ARRANGEMENTS,
    Process,
)
from flowsim.model.census import Census
from flowsim.model.escalation import Escalation, Levers, wards_rule
from flowsim.model.runaway import RunawayWatch, ceiling
from flowsim.results.tables import RunRecords, RunResult
from flowsim.scenario import HOURS_PER_DAY, InitialPatients, Scenario
from flowsim.services import Service
from flowsim.services.admission_avoidance import AdmissionAvoidance
from flowsim.services.arrivals import Arrivals
from flowsim.services.care_homes import CareHomes
from flowsim.services.discharge import Discharge
from flowsim.services.eau import AssessmentUnit
from flowsim.services.ed import EmergencyDepartment
from flowsim.services.home_care import HomeCare
from flowsim.services.reablement import Reablement
from flowsim.services.step_down import StepDown
from flowsim.services.wards import Wards

Grant = tuple[str, float]
"""The service secured for a patient leaving a bed, and the units it holds: ("reablement", 12.0)."""
HOME: Grant = ("home", 0.0)
"""Home with no new support, which needs nothing secured."""
ALTERNATIVE: Grant = ("alternative", 0.0)
"""Other arrangements, made while the patient waited for a service."""

BEDS = ("acute", "step_down")
"""The places a patient waits in a bed, from which bridging takes them home."""

FrontDoorPlace = EmergencyDepartment | AssessmentUnit
"""Where a would-be admission waits for a bed: their ED cubicle or EAU place."""

T = TypeVar("T")


@dataclass(frozen=True)
class Parts:
    """What every service is built from: the event loop, the calendar, the random streams, the
    register, the scenario and the run's length in hours."""

    env: Environment
    clock: Clock
    streams: Streams
    register: Register
    scenario: Scenario
    horizon: float


class SpareRoom:
    """Spare capacity of `pool` for a patient who may switch to it: asked for (`ask`) only if they have
    to wait for their own service, and given back (`withdraw`) if that service comes first."""

    def __init__(self, pool: Pool, units: float) -> None:
        self.pool = pool
        self.units = units
        self.asked = False
        self.event: simpy.Event | None = None

    def ask(self) -> simpy.Event | None:
        """Ask for the spare units: None if they are the patient's now, else the event of their grant."""
        self.asked = True
        self.event = self.pool.spare(self.units)
        return self.event

    @property
    def taken(self) -> bool:
        """Whether the spare units were granted."""
        return self.asked and (self.event is None or self.event.triggered)

    def withdraw(self) -> None:
        """Give the units back if granted, else withdraw the request."""
        if self.taken:
            self.pool.release(self.units)
        elif self.event is not None:
            self.pool.cancel(self.event)


@dataclass(frozen=True)
class Bridge:
    """A home care package asked for from a bed, waited for at home on reablement: its hours a week, its
    request in the line and when the patient stops waiting for it (None: never)."""

    package_hours: float
    package: simpy.Event
    deadline: float | None


ServiceFactory = Callable[[Parts], Any]
"""Builds a service in place of the model's own, for tests and extensions (see `System`)."""


class System:
    """One replication of one scenario: the services, the register and the clock.

    `services` replaces any of the model's services by name (`"wards"`,
    `"reablement"`, ...) with what a factory builds from the run's `Parts`,
    as a collaborator passed in rather than the engine edited.
    `escalation_schedule`, the `Escalation.timeline` of another run, makes
    this run's escalation rules follow that run's (see `simulate`).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        replication: int = 0,
        services: Mapping[str, ServiceFactory] | None = None,
        escalation_schedule: Sequence[tuple[int, tuple[bool, ...]]] | None = None,
    ) -> None:
        self.scenario = scenario
        self.env = env = Environment()
        self.clock = clock = Clock(scenario.simulation_start, scenario.warmup_days + scenario.days)
        self.streams = streams = Streams(seed, replication)
        self.register = register = Register(env)
        horizon = scenario.horizon_hours
        parts = Parts(env, clock, streams, register, scenario, horizon)
        replaced = dict(services or {})

        def build(name: str, default: Callable[[], T]) -> T:
            factory = replaced.pop(name, None)
            return default() if factory is None else factory(parts)

        groups = scenario.groups
        self.arrivals = build(
            "arrivals",
            lambda: Arrivals(env, clock, streams, scenario.arrivals, groups, scenario.demand_multiplier, horizon, self.arrive),
        )
        self.ed = build("ed", lambda: EmergencyDepartment(env, streams, scenario.ed, groups, horizon))
        self.eau = build("eau", lambda: AssessmentUnit(env, streams, scenario.eau, groups, horizon))
        self.admission_avoidance = build(
            "admission_avoidance",
            lambda: AdmissionAvoidance(env, streams, register, scenario.admission_avoidance, groups, horizon),
        )
        self.wards = build("wards", lambda: Wards(env, clock, streams, register, scenario.wards, groups, horizon))
        self.discharge = build(
            "discharge",
            lambda: Discharge(env, clock, streams, register, scenario.discharge, groups, scenario.readmission_days),
        )
        reablement, home_care, step_down = scenario.reablement, scenario.home_care, scenario.step_down
        self.reablement: Reablement | None = build(
            "reablement", lambda: Reablement(env, streams, register, reablement, horizon) if reablement else None
        )
        self.home_care: HomeCare | None = build(
            "home_care", lambda: HomeCare(env, streams, register, home_care, horizon) if home_care else None
        )
        self.step_down: StepDown | None = build(
            "step_down", lambda: StepDown(env, streams, register, step_down, horizon) if step_down else None
        )
        self.care_homes = build("care_homes", lambda: CareHomes(env, streams, register, scenario.care_home))
        if replaced:
            raise ValueError(f"no such service to replace: {', '.join(sorted(replaced))}")
        switching = scenario.switching
        self._suitable = {name: streams.chance(f"switching.{name}", share) for name, share in switching.shares().items()}
        """Whether a patient is suitable for each switch, drawn when they could make it."""
        self._switch_hours = streams.draws(reablement.hours_per_week, "switching.reablement_hours") if reablement else None
        """Reablement hours a week of someone switched to reablement."""
        self._bridges: dict[Patient, Bridge] = {}
        self.switches: list[tuple[str, float]] = []
        """Each switch made: its name (one of `SWITCHES`) and when."""
        care_hours = {name: service.hours for name, service in (("reablement", self.reablement), ("home_care", self.home_care)) if service}
        self.census = Census(
            clock,
            register,
            self.wards,
            (self.ed.cubicles, self.ed.boarding_spaces, self.eau.places, self.admission_avoidance.places),
            care_hours,
            self.step_down.beds if self.step_down else None,
            scenario.census_hour,
            scenario.warmup_days,
        )
        self.watch = RunawayWatch(self.queues(), env.stop)
        levers = Levers(
            self.wards, self.discharge, self.admission_avoidance, self.arrivals, self.reablement, self.home_care, self.step_down
        )
        self.escalation = Escalation(
            env,
            (wards_rule(self.wards), *scenario.escalation_rules),
            self.measures(),
            levers,
            scenario.wards.opel_hour,
            scenario.wards.reviews_per_day,
            scenario.warmup_hours,
            escalation_schedule,
        )

    # Running ----------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None = None) -> RunResult:
        """Simulate warm-up plus results period and return the results (`progress`: see `play`)."""
        self.play(progress)
        with cyclic_gc_paused():
            return RunResult.from_records(self.records())

    def play(self, progress: Callable[[int], None] | None = None) -> None:
        """Simulate warm-up plus results period, or until a queue runs away.

        `progress`, if given, is called with the number of days simulated so far, once a day.
        """
        self._start()
        with cyclic_gc_paused():
            if progress is None:
                self.env.run(until=self.scenario.horizon_hours)
            else:
                for day in range(1, self.scenario.warmup_days + self.scenario.days + 1):
                    self.env.run(until=day * HOURS_PER_DAY)
                    progress(day)
                    if self.watch.found:
                        break
            if self.watch.found is None:
                settings = self.scenario.runaway
                self.watch.found = self.watch.still_growing(settings.trend_days, settings.trend_correlation)
            self.register.check(self.occupants())
            self.register.close()

    def _start(self) -> None:
        """Start the services' own processes, today's patients, the arrivals, the escalation reviews, the
        census, the runaway watch, the capacity changes and the end of the warm-up, in that order (events
        at the same time happen in the order made)."""
        self.care_homes.start()
        self.discharge.start()
        self._start_from_census()
        self.arrivals.start()
        # Each at its hours; those at the same hours (the census and the watch, by default) share an event.
        timetables = (self.escalation.timetable, self.census.timetable, self.watch.timetable)
        for (interval, first), same in groupby(timetables, key=itemgetter(0, 1)):
            self.env.every(interval, first, self.scenario.horizon_hours, *(action for _, _, action in same))
        self._schedule_capacity_changes()
        if self.scenario.warmup_hours > 0:
            self.env.start(self._end_warmup())

    def records(self) -> RunRecords:
        """What the results are built from: plain records of the run, no live objects."""
        pool_means = {}
        for pool in self.pools():
            pool_means[f"{pool.name}_in_use"] = pool.mean_in_use()
            pool_means[f"{pool.name}_waiting"] = pool.mean_waiting()
            pool_means[f"{pool.name}_capacity"] = pool.mean_capacity()
        return RunRecords(
            self.scenario,
            self.streams.seed,
            self.streams.replication,
            self.register.patients,
            self.register.delays,
            self.census.table(),
            pool_means,
            self.watch.found,
            tuple(self.watch.queues),
            self.escalation.use(
                min(self.env.now, self.scenario.horizon_hours),
                self.discharge.slots.brought_forward,
                self.admission_avoidance.taken_under_pressure,
                self.arrivals.diverted,
            ),
            tuple(self.switches),
        )

    def release(self) -> None:
        """Let go of a finished run's records: its patients, delays, census rows and who is where.

        The model lives in reference cycles that only Python's cycle collector
        frees, and collecting them meant traversing every patient record
        again: about 0.5 s a replication of the reference county, and 0.2 s
        more for the collection that follows a run. Emptied first, the records
        are freed at once by reference counting and the cycles left are
        small. The run's result keeps tables of its own; the system is no
        longer fit to inspect.
        """
        self.register.release()
        self.census.rows.clear()

    # The journey --------------------------------------------------------------

    def arrive(self, patient: Patient) -> None:
        """A new episode (an arrival or a readmission) enters at its door and starts its journey."""
        self.register.add(patient, "ed" if patient.route != "gp_referral" else "eau")
        self.env.start(self.journey(patient))

    def journey(self, patient: Patient) -> Process:
        """One episode, from the front door to wherever the patient ends up.

        The front door is written out here rather than in a helper generator: every event of a
        patient's ED stay passes through each generator it is nested in, and the ED is most of
        a county's events (a helper cost about 1% of a run's instructions, valgrind).
        """
        register, ed, eau = self.register, self.ed, self.eau
        outcome = "eau"  # a GP referral goes straight to the EAU
        if patient.route != "gp_referral":
            outcome = yield from ed.treat(patient)
            if outcome == "home":
                ed.leave(patient)
                register.leave(patient, "home", "home from ED")
                return
            if outcome == "eau":
                yield from eau.take_place()  # the ED cubicle is kept until an EAU place is free
                ed.leave(patient)
                register.move(patient, "eau")
        else:
            yield from eau.take_place()
        holding: EmergencyDepartment | AssessmentUnit = ed  # whose place is kept while waiting for a bed
        if outcome == "eau":
            holding = eau
            if not (yield from eau.assess(patient)):
                eau.leave(patient)
                register.leave(patient, "home", "home from EAU")
                return
        avoidance = self.admission_avoidance
        if avoidance.offers and avoidance.takes(patient):
            holding.leave(patient)
            yield from avoidance.stay(patient)
            register.leave(patient, "home", "home after admission avoidance")
            return
        if (yield from self.wards.stay(patient, holding.leave)):
            yield from self.leave_hospital(patient)
        else:
            register.leave(patient, "died", DIED_IN_HOSPITAL)

    def leave_hospital(self, patient: Patient, pathway: int | None = None) -> Process:
        """From medically fit to out of the acute bed, then on to the pathway's service.

        `pathway` is given only for patients of today's census already known to wait for one.
        """
        discharge = self.discharge
        if pathway is None:
            pathway = discharge.pathway(patient)
        patient.pathway = pathway
        if discharge.prepares:
            yield from discharge.prepare(patient, pathway)
        grant = HOME if pathway == 0 else (yield from self._secure(patient, pathway, "acute"))
        if discharge.limits_leaving:
            waiting = discharge.wait_for_slot(patient, supported=grant[0] not in ("home", "alternative"))
            if waiting is not None:
                yield from waiting
        self.wards.discharge(patient)
        if discharge.follows_up:
            self._follow_up(patient)
        if grant == HOME:
            self.register.leave(patient, "home", "home")
        else:
            yield from self._receive(patient, grant)

    def _follow_up(self, patient: Patient) -> None:
        """After the acute bed: the patient dies within 91 days, or is readmitted first, or neither."""
        discharge = self.discharge
        after = discharge.readmission_after(patient)
        death = discharge.death_after(patient)
        if death is not None and (after is None or death < after):
            patient.death = self.env.now + death
        elif after is not None:
            self._readmit(patient, after)

    def _secure(self, patient: Patient, pathway: int, place: str) -> Process:
        """Wait in `place` until the service of `pathway` can take the patient; return the grant."""
        if pathway == 1:
            return (yield from self._secure_home_support(patient, place))
        if pathway == 2:
            assert self.step_down is not None, "the scenario checks pathway 2 has step-down beds"
            if place == "acute" and self._suitable["discharge_to_assess"]():
                return (yield from self._step_down_or_assess_at_home(patient))
            return ("step_down", 1.0) if (yield from self.step_down.secure(patient, place)) else ALTERNATIVE
        yield from self.care_homes.secure(patient, place)
        return ("care_home", 0.0)

    def _secure_home_support(self, patient: Patient, place: str, package: bool = False) -> Process:
        """Wait in `place` for reablement or a home care package (a package if `package`, else as
        reablement refers); ALTERNATIVE if other arrangements came first."""
        reablement, home_care = self.reablement, self.home_care
        assert reablement is not None and home_care is not None, "the scenario checks pathway 1 has both"
        if package or reablement.refers_to_home_care():
            if place in BEDS and self._suitable["bridging"]():
                return (yield from self._package_or_bridge(patient, place))
            hours = yield from home_care.secure(patient, place)
            return ALTERNATIVE if hours is None else ("home_care", hours)
        if place == "acute" and self.step_down is not None and self._suitable["step_down_for_reablement"]():
            return (yield from self._reablement_or_step_down(patient))
        hours = yield from reablement.secure(patient, place)
        return ALTERNATIVE if hours is None else ("reablement", hours)

    # Switches to a service with room to spare -----------------------------------------------

    def _switched(self, name: str) -> None:
        self.switches.append((name, self.env.now))

    def _wait_or_switch(
        self, patient: Patient, place: str, reason: str, own: Pool, units: float, patience: float | None, room: SpareRoom,
        grant: Grant,
    ) -> Process:
        """Wait in `place` for `units` of the patient's own service (`own`), or for `room` if it comes first.
        Returns `grant` if their own came first, ALTERNATIVE if they gave up, or, if the room came first,
        their request still in `own`'s line (the caller keeps or withdraws it)."""
        outcome = yield from self.register.wait_or_switch(patient, place, reason, own, units, patience, room.ask)
        if isinstance(outcome, simpy.Event):
            return outcome
        room.withdraw()
        return grant if outcome else ALTERNATIVE

    def _package_or_bridge(self, patient: Patient, place: str) -> Process:
        """Bridging: wait in the bed for a home care package, or go home on spare reablement hours if they
        come first, keeping the package's place in the line."""
        reablement, home_care = self.reablement, self.home_care
        assert reablement is not None and home_care is not None and self._switch_hours is not None
        hours, limit = home_care.ask()
        room = SpareRoom(reablement.hours, self._switch_hours.next())
        asked = self.env.now
        outcome = yield from self._wait_or_switch(
            patient, place, AWAITING_HOME_CARE, home_care.hours, hours, limit, room, ("home_care", hours)
        )
        if not isinstance(outcome, simpy.Event):
            return outcome
        self._bridges[patient] = Bridge(hours, outcome, None if limit is None else asked + limit)
        self._switched("bridging")
        return ("bridging", room.units)

    def _step_down_or_assess_at_home(self, patient: Patient) -> Process:
        """Discharge to assess: wait in the acute bed for a step-down bed, or go home with spare reablement
        hours if they come first."""
        reablement, step_down = self.reablement, self.step_down
        assert reablement is not None and step_down is not None and self._switch_hours is not None
        room = SpareRoom(reablement.hours, self._switch_hours.next())
        outcome = yield from self._wait_or_switch(
            patient, "acute", AWAITING_STEP_DOWN, step_down.beds, 1.0, step_down.patience(), room, ("step_down", 1.0)
        )
        if not isinstance(outcome, simpy.Event):
            if outcome[0] == "step_down":
                step_down.hold()
            return outcome
        step_down.beds.cancel(outcome)
        self._switched("discharge_to_assess")
        return ("reablement", room.units)

    def _reablement_or_step_down(self, patient: Patient) -> Process:
        """The reverse: wait in the acute bed for reablement, or take a spare step-down bed if one comes first."""
        reablement, step_down = self.reablement, self.step_down
        assert reablement is not None and step_down is not None
        hours, limit = reablement.ask()
        room = SpareRoom(step_down.beds, 1.0)
        outcome = yield from self._wait_or_switch(
            patient, "acute", AWAITING_REABLEMENT, reablement.hours, hours, limit, room, ("reablement", hours)
        )
        if not isinstance(outcome, simpy.Event):
            return outcome
        reablement.hours.cancel(outcome)
        step_down.hold()
        self._switched("step_down_for_reablement")
        return ("step_down", 1.0)

    def _bridge(self, patient: Patient, hours: float) -> Process:
        """Home on reablement hours until the home care package starts; they wait at home, not in a bed (no
        delayed transfer), and make other arrangements if the package comes too late."""
        reablement, home_care = self.reablement, self.home_care
        assert reablement is not None and home_care is not None
        bridge = self._bridges.pop(patient)
        self.register.move(patient, "reablement")
        patient.reablement_start = self.env.now
        package = bridge.package if not bridge.package.triggered else None
        if package is not None and bridge.deadline is not None:
            package = self.env.first_of(package, self.env.timeout(max(bridge.deadline - self.env.now, 0.0)))
        yield from self.register.wait(patient, "reablement", AWAITING_HOME_CARE, package)
        patient.reablement_end = self.env.now
        reablement.hours.release(hours)
        if not bridge.package.triggered:
            home_care.hours.cancel(bridge.package)
            self.register.leave(patient, "home", OTHER_ARRANGEMENTS)
            return
        yield from self._home_care(patient, bridge.package_hours)

    def _receive(self, patient: Patient, grant: Grant) -> Process:
        """The patient, having left their bed, starts the service they were granted (not HOME: they have left)."""
        service, units = grant
        if service == "reablement":
            yield from self._reablement(patient, units)
        elif service == "home_care":
            yield from self._home_care(patient, units)
        elif service == "bridging":
            yield from self._bridge(patient, units)
        elif service == "step_down":
            assert self.step_down is not None
            self.step_down.claim()
            yield from self._step_down(patient)
        elif service == "care_home":
            patient.care_home_start = self.env.now
            self.register.leave(patient, "care_home", "care home")
        else:  # other arrangements came first
            self.register.leave(patient, "home", OTHER_ARRANGEMENTS)

    def _reablement(self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        """A reablement episode, then home, or a home care package for those who need one, waited for
        at home while keeping the reablement hours."""
        reablement, home_care = self.reablement, self.home_care
        assert reablement is not None and home_care is not None
        held = yield from reablement.episode(patient, hours, elapsed, remaining)
        needs_package = reablement.needs_package_after()
        if reablement.dies():
            reablement.hours.release(held)
            patient.death = self.env.now
            self.register.leave(patient, "died", DIED_IN_REABLEMENT)
            return
        if not needs_package:
            reablement.hours.release(held)
            self.register.leave(patient, "home", "home after reablement")
            return
        package = yield from home_care.secure(patient, "reablement")
        reablement.hours.release(held)
        if package is None:
            self.register.leave(patient, "home", OTHER_ARRANGEMENTS)
        else:
            yield from self._home_care(patient, package)

    def _home_care(self, patient: Patient, hours: float, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        assert self.home_care is not None
        yield from self.home_care.package(patient, hours, elapsed, remaining)
        self.register.leave(patient, "home", "home care package ended")

    def _step_down(self, patient: Patient, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        """A step-down stay, then the onward service, waited for in the step-down bed."""
        step_down = self.step_down
        assert step_down is not None
        onward = yield from step_down.stay(patient, elapsed, remaining)
        if onward is None:
            step_down.leave(patient)
            self.register.leave(patient, "died", DIED_IN_STEP_DOWN)
            return
        grant = HOME
        if onward in ("home_with_support", "home_care"):
            grant = yield from self._secure_home_support(patient, "step_down", package=onward == "home_care")
        elif onward == "care_home":
            yield from self.care_homes.secure(patient, "step_down")
            grant = ("care_home", 0.0)
        step_down.leave(patient)
        if grant == HOME:
            self.register.leave(patient, "home", "home from step-down")
        else:
            yield from self._receive(patient, grant)

    def _readmit(self, patient: Patient, after: float) -> None:
        """Back through the door they came in by, `after` hours from now; today's census patients, whose
        door is unknown, walk in. A timeout with a callback, not a process: nothing happens in between."""
        env = self.env
        route = "ed_walk_in" if patient.route == "initial" else patient.route
        back = env.timeout(after)
        back.callbacks.append(
            lambda _: self.arrive(
                Patient(patient.patient_id, patient.episode + 1, patient.group, route, env.now, readmission=True)
            )
        )

    # Today's census -------------------------------------------------------------

    def _start_from_census(self) -> None:
        """Put today's patients (the scenario's initial state) where they are, part-way through."""
        rows = self.scenario.initial_state.patients
        if not rows:
            return
        generator = self.streams.generator("initial_state")
        # People already in step-down, reablement or home care hold their place
        # before anyone in an acute bed can ask for one: start them first.
        for row in sorted(rows, key=lambda row: row.place in ("short_stay", "general")):
            for _ in range(row.count):
                patient = Patient(-self.register.arrived - 1, 1, row.group, "initial", -row.days_so_far * HOURS_PER_DAY)
                self.register.add(patient)
                self.env.start(self._resume(patient, row, generator))

    def _resume(self, patient: Patient, row: InitialPatients, generator: np.random.Generator) -> Process:
        elapsed = row.days_so_far * HOURS_PER_DAY
        if row.place in ("short_stay", "general"):
            yield from self.wards.resume(patient, row.place, elapsed, row.medically_fit, generator)
            yield from self.leave_hospital(patient, row.pathway)
        elif row.place == "step_down":
            assert self.step_down is not None
            remaining = yield from self.step_down.resume(patient, elapsed, generator)
            yield from self._step_down(patient, elapsed, remaining)
        elif row.place == "reablement":
            assert self.reablement is not None
            hours, remaining = yield from self.reablement.resume(patient, elapsed, generator)
            yield from self._reablement(patient, hours, elapsed, remaining)
        else:
            assert self.home_care is not None
            hours, remaining = yield from self.home_care.resume(patient, elapsed, generator)
            yield from self._home_care(patient, hours, elapsed, remaining)

    # Capacity and checks ------------------------------------------------------

    def services(self) -> list[Service]:
        """Every service the county has, in the order of a patient's journey."""
        return [
            s
            for s in (
                self.arrivals,
                self.ed,
                self.eau,
                self.admission_avoidance,
                self.wards,
                self.discharge,
                self.reablement,
                self.home_care,
                self.step_down,
                self.care_homes,
            )
            if s is not None
        ]

    def pools(self) -> list[Pool]:
        """Every capacity pool, for statistics."""
        return [pool for service in self.services() for pool in service.pools()]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """Every capacity a scenario can change on a date, from the services' own tables."""
        return {name: change for service in self.services() for name, change in service.capacities().items()}

    def _schedule_capacity_changes(self) -> None:
        table = self.capacities()
        for change in self.scenario.capacity_changes:
            if change.capacity not in table:
                raise ValueError(f"capacity_changes: {change.capacity} names a service this scenario does not have")
            at = self.clock.hours_at(change.date)
            if 0 <= at < self.scenario.horizon_hours:
                self.env.start(self._change_capacity(at, table[change.capacity], change.value))

    def _change_capacity(self, at: float, change: Callable[[float], None], value: float) -> Process:
        yield self.env.timeout(at - self.env.now)
        change(value)

    def _end_warmup(self) -> Process:
        yield self.env.timeout(self.scenario.warmup_hours)
        for pool in self.pools():
            pool.reset_statistics()
        self.escalation.reset()
        self.discharge.slots.brought_forward = self.admission_avoidance.taken_under_pressure = self.arrivals.diverted = 0

    def measures(self) -> dict[str, Callable[[], float]]:
        """What an escalation rule's trigger can read (`flowsim.scenario.escalation.MEASURES`), by name."""
        wards, ed = self.wards, self.ed

        def waiting(service: Reablement | HomeCare | StepDown | None) -> Callable[[], float]:
            pool = service.pools()[0] if service is not None else None
            return (lambda: float(len(pool.waiting))) if pool is not None else (lambda: 0.0)

        return {
            "opel": lambda: wards.opel,
            "occupancy": lambda: wards.occupied() / max(wards.base_beds(), 1.0),
            "bed_pressure": wards.pressure,
            "boarders": wards.waiting_for_bed,
            "medically_fit": lambda: wards.medically_fit,
            "ed_occupancy": lambda: (ed.cubicles.in_use + len(ed.cubicles.waiting) + ed.boarding_spaces.in_use)
            / max(ed.cubicles.capacity, 1.0),
            "reablement_waiting": waiting(self.reablement),
            "home_care_waiting": waiting(self.home_care),
            "step_down_waiting": waiting(self.step_down),
        }

    def queues(self) -> dict[str, tuple[Callable[[], float], float]]:
        """The queues the runaway watch reads each day, by name, with their ceilings."""
        scenario, ed, eau, measures = self.scenario, self.ed, self.eau, self.measures()
        front_door = scenario.ed.cubicles + scenario.ed.boarding_spaces + scenario.eau.places
        beds = scenario.wards.short_stay_beds + scenario.wards.general_beds + scenario.wards.escalation.beds
        queues: dict[str, tuple[Callable[[], float], float]] = {
            "ed_queue": (ed.cubicles.waiting.__len__, ceiling(scenario)),  # a C call: read every day
            "eau_queue": (eau.places.waiting.__len__, ceiling(scenario)),
            "waiting_for_bed": (measures["boarders"], ceiling(scenario, front_door)),
            "medically_fit": (measures["medically_fit"], ceiling(scenario, beds)),
        }
        in_beds = beds + (scenario.step_down.beds if scenario.step_down else 0)  # where people wait for a service
        for name, service in (("reablement", self.reablement), ("home_care", self.home_care), ("step_down", self.step_down)):
            if service is not None:
                queues[f"{name}_waiting_list"] = (measures[f"{name}_waiting"], ceiling(scenario, in_beds))
        return queues

    def occupants(self) -> dict[str, float]:
        """Patients each bed-based service holds by its own count."""
        return {
            "acute": self.wards.occupied(),
            "admission_avoidance": self.admission_avoidance.places.in_use,
            "step_down": self.step_down.occupants() if self.step_down else 0.0,
        }


def simulate(
    scenario: Scenario, seed: int = 0, replication: int = 0, progress: Callable[[int], None] | None = None
) -> RunResult:
    """Run one replication of `scenario` and return its tables and KPIs (`progress`: see `System.play`)."""
    return _played(scenario, seed, replication, lambda system: system.run(progress))


def escalation_timeline(scenario: Scenario, seed: int = 0, replication: int = 0) -> list[tuple[int, tuple[bool, ...]]]:
    """The reviews of one replication of `scenario` at which its escalation rules changed, with the rules
    active after each (`Escalation.timeline`)."""

    def timeline(system: System) -> list[tuple[int, tuple[bool, ...]]]:
        system.play()
        return system.escalation.timeline

    return _played(scenario, seed, replication, timeline)


def _played(scenario: Scenario, seed: int, replication: int, use: Callable[[System], T]) -> T:
    """What `use` takes from one replication of `scenario`, the model freed afterwards.

    A scenario with `escalation_as_in` first plays that scenario (over this
    one's study period, same seed and replication) for the plan to follow.

    A finished model lives in reference cycles (services point at their
    register and environment; SimPy's processes and the events they wait for
    point at each other), which only the cycle collector frees. Everything the
    model made was made while the collector was paused, so all of it is
    still in the youngest generation: once the model is released
    (`System.release`), a collection of that generation alone frees it,
    without traversing the rest of the process's objects (a full collection
    cost about 0.1 s a run, most of it on modules such as pandas and scipy).
    """
    followed = scenario.followed_plan()
    schedule = None if followed is None else escalation_timeline(followed, seed, replication)
    with cyclic_gc_paused():
        system = System(scenario, seed, replication, escalation_schedule=schedule)
        used = use(system)
        system.release()
        del system
        gc.collect(0)
    return used
