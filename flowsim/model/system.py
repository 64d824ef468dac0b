"""The county's system of care, built from a scenario and one seed, and run.

`System` wires the services together (front door, wards, discharge,
community capacity) and runs each patient's journey as one SimPy process:

    arrive -> ED / EAU -> decision to admit -> acute bed -> medically fit
           -> wait for a discharge pathway -> home, step-down bed,
              reablement, home care or care home

It also keeps the register every part shares: where each patient is, how
many have arrived and left, and the waits of people who are medically fit.
At the end of a run it checks that every patient who arrived is accounted for.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import simpy

from flowsim.engine.pool import Pool
from flowsim.engine.clock import Clock
from flowsim.services.community import Community
from flowsim.services.discharge import Discharge
from flowsim.services.front_door import FrontDoor
from flowsim.engine.patient import Patient
from flowsim.engine.randomness import Streams
from flowsim.engine.vocabulary import DELAY_REASONS
from flowsim.model.census import Census
from flowsim.results.tables import RunResult
from flowsim.scenario import HOURS_PER_DAY, InitialPatients, Scenario
from flowsim.services.wards import Wards

Process = Generator[simpy.Event, Any, Any]

Delay = tuple[int, int, str, str, float, float]
"""(patient_id, episode, place, reason, start, end) of one wait while medically fit or between services."""

IN_SYSTEM = ("ed", "eau", "admission_avoidance", "acute", "step_down", "reablement", "home_care")
EXITS = ("home", "care_home")


class ConservationError(RuntimeError):
    """Patients were lost or invented: a bug in the model, never a result."""


class System:
    """One replication of one scenario: the services, the register and the clock."""

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        """SimPy's event loop. The model reads its clock as `env._now`, the attribute behind SimPy's
        `env.now` property: a property costs a Python call on every read (Python 3.11), and a patient's
        journey reads the clock about fifteen times, 5% of an M/M/c run (benchmarks/README.md). The
        journeys of tests/test_journeys.py, stamped at exact hours, fail if the two ever differ."""
        self.clock = Clock(scenario.simulation_start, scenario.warmup_days + scenario.days)
        self.streams = Streams(seed, replication)
        self.patients: list[Patient] = []
        self.delays: list[Delay] = []
        self.arrived = 0
        self.present: dict[str, set[Patient]] = {place: set() for place in IN_SYSTEM}
        self.exits: dict[str, int] = dict.fromkeys(EXITS, 0)
        self.waiting: dict[str, dict[str, int]] = {place: dict.fromkeys(DELAY_REASONS, 0) for place in IN_SYSTEM}
        """How many patients in each place are waiting now, by reason: every reason the census counts, from zero."""
        self.front_door = FrontDoor(self)
        self.wards = Wards(self)
        self.community = Community(self)
        self.discharge = Discharge(self)
        self.census = Census(self)

    def run(self, progress: Callable[[int], None] | None = None) -> RunResult:
        """Simulate warm-up plus results period and return the results.

        `progress`, if given, is called with the number of days simulated so far, once a day.
        """
        self._start_from_census()
        self.front_door.start_arrivals()
        self.census.start()
        self._schedule_capacity_changes()
        if self.scenario.warmup_hours > 0:
            self.env.process(self._end_warmup())
        with cyclic_gc_paused():
            if progress is None:
                self.env.run(until=self.scenario.horizon_hours)
            else:
                for day in range(1, self.scenario.warmup_days + self.scenario.days + 1):
                    self.env.run(until=day * HOURS_PER_DAY)
                    progress(day)
            self.check_conservation()
            for patient in self.patients:  # in arrival order: sets of `present` have no fixed order
                if patient.waiting_for and patient.place in IN_SYSTEM:
                    self._record_delay(patient, patient.place, patient.waiting_for, patient.waiting_since)
            return RunResult.from_system(self)

    def journey(self, patient: Patient) -> Process:
        """One episode, from the front door to wherever the patient ends up."""
        front_door = self.front_door
        holding = yield from front_door.attend(patient)
        if holding is None:  # home from the ED or the EAU
            return
        if front_door.diverted(patient):
            yield from front_door.avoid_admission(patient, holding)
            return
        yield from self.wards.stay(patient, holding)
        yield from self.discharge.leave_hospital(patient)

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
                patient = Patient(-self.arrived - 1, 1, row.group, "initial", -row.days_so_far * HOURS_PER_DAY)
                self.arrived += 1
                self.patients.append(patient)
                self.env.process(self._resume(patient, row, generator))

    def _resume(self, patient: Patient, row: InitialPatients, generator: np.random.Generator) -> Process:
        elapsed = row.days_so_far * HOURS_PER_DAY
        if row.place in ("short_stay", "general"):
            yield from self.wards.resume(patient, row.place, elapsed, row.medically_fit, generator)
            yield from self.discharge.leave_hospital(patient, row.pathway)
        else:
            yield from self.community.resume(patient, row.place, elapsed, generator)

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
        self.patients.clear()
        self.delays.clear()
        self.census.rows.clear()
        for patients in self.present.values():
            patients.clear()

    # The register -----------------------------------------------------------

    def admit_patient(self, patient: Patient) -> None:
        """A new episode enters the county's urgent care system."""
        self.arrived += 1
        self.patients.append(patient)
        self.move(patient, "ed" if patient.route != "gp_referral" else "eau")

    def move(self, patient: Patient, place: str) -> None:
        """Record that `patient` is now in `place`, one of the services (`IN_SYSTEM`)."""
        present = self.present
        if patient.place:
            present[patient.place].remove(patient)  # a KeyError here is a patient the register lost
        patient.place = place
        present[place].add(patient)

    def leave(self, patient: Patient, exit: str, destination: str) -> None:
        """Record that `patient` has left the system by `exit` (`EXITS`), for `destination`."""
        self.present[patient.place].remove(patient)
        self.exits[exit] += 1
        patient.place = exit
        patient.destination = destination
        patient.left = self.env._now
        patient.waiting_for = ""

    @property
    def places(self) -> dict[str, int]:
        """How many patients the register has in each place: every service, then every exit."""
        return {**{place: len(patients) for place, patients in self.present.items()}, **self.exits}

    def wait(self, patient: Patient, place: str, reason: str, event: simpy.Event | None) -> Process:
        """Wait for `event` in `place`, recording the wait under `reason` if it takes any time.

        `event` None means what the patient waits for is already theirs (a free bed, say).
        """
        if event is None:
            return None
        start = patient.waiting_since = self.env._now
        patient.waiting_for = reason
        waiting = self.waiting[place]
        waiting[reason] += 1
        value = yield event
        waiting[reason] -= 1
        patient.waiting_for = ""
        if self.env._now > start:
            self._record_delay(patient, place, reason, start)
        return value

    def wait_or_give_up(
        self, patient: Patient, place: str, reason: str, pool: Pool, units: float, patience: float | None
    ) -> Process:
        """Ask `pool` for `units` and wait for them, at most `patience` hours (None: as long as it takes).

        Returns True if the units were granted, False if the patient gave up and
        made other arrangements (their request is withdrawn).
        """
        granted = pool.request(units)
        if granted is None:
            return True
        if patience is None:
            yield from self.wait(patient, place, reason, granted)
            return True
        yield from self.wait(patient, place, reason, granted | self.env.timeout(patience))
        if granted.triggered:
            return True
        pool.cancel(granted)
        return False

    def _record_delay(self, patient: Patient, place: str, reason: str, start: float) -> None:
        self.delays.append((patient.patient_id, patient.episode, place, reason, start, self.env._now))

    def delay(self, patient: Patient, place: str, reason: str, hours: float) -> Process:
        """A wait of a known length, recorded like any other."""
        if hours > 0:
            yield from self.wait(patient, place, reason, self.env.timeout(hours))

    # Checks and schedules ---------------------------------------------------

    def check_conservation(self) -> None:
        """Arrived = still in the system + left, and each service holds whom the register says."""
        places = self.places
        counted = sum(places.values())
        problems = []
        if counted != self.arrived or len(self.patients) != self.arrived:
            problems.append(f"{self.arrived} arrived but {counted} are accounted for")
        for place, held in self.occupants().items():
            if not math.isclose(held, places[place]):
                problems.append(f"{place}: the register says {places[place]}, the service holds {held:g}")
        if problems:
            raise ConservationError("; ".join(problems))

    def occupants(self) -> dict[str, float]:
        """Patients each bed-based service holds by its own count."""
        return {
            "acute": self.wards.occupied(),
            "admission_avoidance": self.front_door.avoidance.in_use,
            "step_down": self.community.step_down.in_use - self.community.step_down_reserved
            if self.community.step_down
            else 0.0,
        }

    def _schedule_capacity_changes(self) -> None:
        for change in self.scenario.capacity_changes:
            at = self.clock.hours_at(change.date)
            if 0 <= at < self.scenario.horizon_hours:
                self.env.process(self._change_capacity(at, change.capacity, change.value))

    def _change_capacity(self, at: float, capacity: str, value: float) -> Process:
        yield self.env.timeout(at - self.env._now)
        for part in (self.front_door, self.wards, self.community, self.discharge):
            if part.set_capacity(capacity, value):
                return

    def _end_warmup(self) -> Process:
        yield self.env.timeout(self.scenario.warmup_hours)
        for pool in self.pools():
            pool.reset_statistics()

    def pools(self) -> list[Any]:
        """Every capacity pool in the system, for statistics."""
        return [*self.front_door.pools(), *self.wards.pools(), *self.community.pools()]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the event loop runs.

    A run keeps every patient record alive until its end, so the collector
    would traverse a growing heap again and again without finding garbage
    (about a quarter of a run's time, measured by benchmarks/). Reference
    counting still frees everything else at once. Inside a pause already
    under way (a run inside `simulate`), this does nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def simulate(
    scenario: Scenario, seed: int = 0, replication: int = 0, progress: Callable[[int], None] | None = None
) -> RunResult:
    """Run one replication of `scenario` and return its tables and KPIs (`progress`: see `System.run`).

    A finished model lives in reference cycles (each service points back to
    its system; SimPy's processes and the events they wait for point at each
    other), which only the cycle collector frees. Everything the model made
    was made while the collector was paused, so all of it is still in the
    youngest generation: once the model is released (`System.release`), a
    collection of that generation alone frees it, without traversing the
    rest of the process's objects (a full collection cost about 0.1 s a run,
    most of it on modules such as pandas and scipy).
    """
    with cyclic_gc_paused():
        system = System(scenario, seed, replication)
        result = system.run(progress)
        system.release()
        del system
        gc.collect(0)
    return result
