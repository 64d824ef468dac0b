"""The register: who is where, who is waiting for what and since when, and who has left.

Every service records a patient entering its place (`move`), and the model
records each exit (`leave`). A wait is recorded under one of the
vocabulary's delay reasons while it lasts (the census counts them) and, once
it took time, as a row of the delays table. At the end of a run the register
checks that every patient who arrived is accounted for.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.vocabulary import DELAY_REASONS, EXITS, IN_SYSTEM, Process

Delay = tuple[int, int, str, str, float, float]
"""(patient_id, episode, place, reason, start, end) of one wait while medically fit or between services."""


class ConservationError(RuntimeError):
    """Patients were lost or invented: a bug in the model, never a result."""


class Register:
    """Where every patient of one run is, their waits, and the records the results are built from."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.patients: list[Patient] = []
        """Every episode, in the order it entered the system."""
        self.delays: list[Delay] = []
        self.arrived = 0
        self.present: dict[str, set[Patient]] = {place: set() for place in IN_SYSTEM}
        self.exits: dict[str, int] = dict.fromkeys(EXITS, 0)
        self.waiting: dict[str, dict[str, int]] = {place: dict.fromkeys(DELAY_REASONS, 0) for place in IN_SYSTEM}
        """How many patients in each place are waiting now, by reason: every reason the census counts, from zero."""

    def add(self, patient: Patient, place: str = "") -> None:
        """A new episode enters the system at `place` (or nowhere yet: `move` then says where)."""
        self.arrived += 1
        self.patients.append(patient)
        if place:
            self.move(patient, place)

    def move(self, patient: Patient, place: str) -> None:
        """Record that `patient` is now in `place`, one of the places of `IN_SYSTEM`."""
        present = self.present
        if patient.place:
            present[patient.place].remove(patient)  # a KeyError here is a patient the register lost
        patient.place = place
        present[place].add(patient)

    def leave(self, patient: Patient, exit: str, destination: str) -> None:
        """Record that `patient` has left the system by `exit` (one of `EXITS`), for `destination`."""
        self.present[patient.place].remove(patient)
        self.exits[exit] += 1
        patient.place = exit
        patient.destination = destination
        patient.left = self.env.now
        patient.waiting_for = ""

    @property
    def places(self) -> dict[str, int]:
        """How many patients are in each place: every service, then every exit."""
        return {**{place: len(patients) for place, patients in self.present.items()}, **self.exits}

    def wait(
        self,
        patient: Patient,
        place: str,
        reason: str,
        event: simpy.Event | None,
        since: float | None = None,
        record: bool = True,
    ) -> Process:
        """Wait for `event` in `place`, recorded under `reason` if it takes any time.

        `event` None means what the patient waits for is already theirs (a free bed, say). A wait
        in two parts under one reason is one row: the first waited with `record=False`, the second
        recorded `since` the first began (see `delay`).
        """
        if event is None:
            return None
        env = self.env
        start = patient.waiting_since = env.now if since is None else since
        patient.waiting_for = reason
        waiting = self.waiting[place]
        waiting[reason] += 1
        value = yield event
        waiting[reason] -= 1
        patient.waiting_for = ""
        if record and env.now > start:
            self._record(patient, place, reason, start)
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
        yield from self.wait(patient, place, reason, self.env.first_of(granted, self.env.timeout(patience)))
        if granted.triggered:
            return True
        pool.cancel(granted)
        return False

    def wait_or_switch(
        self,
        patient: Patient,
        place: str,
        reason: str,
        pool: Pool,
        units: float,
        patience: float | None,
        switch: Callable[[], simpy.Event | None],
    ) -> Process:
        """Like `wait_or_give_up`, but if the patient must wait, `switch` asks for spare capacity elsewhere
        (None: spare now) and whichever comes first wins.

        Returns True if the units were granted, False if the patient gave up
        (the request is withdrawn), or, if the spare capacity came first, the
        request still in the line (the caller keeps it or withdraws it).
        """
        granted = pool.request(units)
        if granted is None:
            return True
        room = switch()
        if room is None:
            return granted
        env = self.env
        either = env.first_of(granted, room)
        if patience is not None:  # a condition of a condition, as `granted | room | timeout` makes
            either = env.first_of(either, env.timeout(patience))
        yield from self.wait(patient, place, reason, either)
        if granted.triggered:
            return True
        if room.triggered:
            return granted
        pool.cancel(granted)
        return False

    def delay(self, patient: Patient, place: str, reason: str, hours: float, since: float | None = None) -> Process:
        """A wait of a known length, recorded like any other (from `since`, if given: see `wait`).

        It hands back `wait`'s generator rather than being one around it: each event of a wait passes
        through every generator it is nested in, and every discharge in a county with leaving hours
        is a delay. So, like a generator, it is to be run at once (`yield from`)."""
        if hours > 0:
            return self.wait(patient, place, reason, self.env.timeout(hours), since)
        if since is not None and self.env.now > since:
            self._record(patient, place, reason, since)
        return self.wait(patient, place, reason, None)

    def red_days(self, patient: Patient, reason: str, hours: float) -> Process:
        """Red days inside the clinical stay: a delays-table row under `reason`, but not a wait the census
        counts (the patient is not medically fit, so it is no delayed transfer)."""
        if hours > 0:
            start = self.env.now
            yield self.env.timeout(hours)
            self._record(patient, patient.place, reason, start)

    def close(self) -> None:
        """At the end of a run, record the waits still under way, in arrival order."""
        for patient in self.patients:
            if patient.waiting_for and patient.place in IN_SYSTEM:
                self._record(patient, patient.place, patient.waiting_for, patient.waiting_since)

    def _record(self, patient: Patient, place: str, reason: str, start: float) -> None:
        self.delays.append((patient.patient_id, patient.episode, place, reason, start, self.env.now))

    def check(self, occupants: dict[str, float]) -> None:
        """Arrived = still in the system + left, and each bed-based service holds (`occupants`) whom the
        register says it does; raise ConservationError otherwise."""
        places = self.places
        counted = sum(places.values())
        problems = []
        if counted != self.arrived or len(self.patients) != self.arrived:
            problems.append(f"{self.arrived} arrived but {counted} are accounted for")
        for place, held in occupants.items():
            if not math.isclose(held, places[place]):
                problems.append(f"{place}: the register says {places[place]}, the service holds {held:g}")
        if problems:
            raise ConservationError("; ".join(problems))

    def release(self) -> None:
        """Let go of a finished run's records (see `flowsim.model.system.simulate`)."""
        self.patients.clear()
        self.delays.clear()
        for patients in self.present.values():
            patients.clear()
