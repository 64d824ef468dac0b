"""The Emergency Department (ED): cubicles, handover, treatment, and where admitted patients wait.

An ambulance crew hands its patient over when the ED has a cubicle free; the
handover time is how long the crew waited, at most `max_handover_hours` if
the scenario sets it (then the crew is released and the patient waits for a
cubicle in the ED's care). In the ED a patient is assessed and treated, then
goes home, is referred to the EAU (keeping the cubicle until an EAU place is
free), or is a would-be admission (a decision to admit). The 4-hour clock
runs from arrival until the patient leaves the ED.

A patient the ED has decided to admit waits for a bed in a boarding space
(a corridor trolley, a boarding area) if one is free, giving their cubicle
back; otherwise they keep the cubicle and move out when a space frees. So a
full hospital shows up first as patients on trolleys, then as fewer cubicles
for new patients, then as delayed handovers. Boarders also slow the
department (`minutes_per_boarder`). A readmission is an emergency admission
by definition: it is admitted, whatever the usual mix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Stream, Streams
from flowsim.engine.vocabulary import Process
from flowsim.scenario.capacity import ED as EDSection
from flowsim.scenario.demand import Group

OUTCOMES = ("home", "eau", "ward")
"""Where a patient goes when their ED treatment ends."""


class EmergencyDepartment:
    """The ED's cubicles and the treatment of the patients in them."""

    def __init__(
        self, env: Environment, streams: Streams, ed: EDSection, groups: Mapping[str, Group], horizon: float
    ) -> None:
        self.env = env
        self.cubicles = Pool(env, "ed_cubicles", ed.cubicles, horizon)
        self.boarding_spaces = Pool(env, "ed_boarding_spaces", ed.boarding_spaces, horizon)
        self.max_handover = ed.max_handover_hours
        self.hours_per_boarder = ed.minutes_per_boarder / 60.0
        self.boarders = 0
        """Patients the ED has decided to admit who are still in it, in a cubicle or a boarding space."""
        self._boarding: set[Patient] = set()
        self._in_cubicles: dict[Patient, None] = {}
        """Boarders keeping their cubicle, in order of their decision to admit."""
        self._treatment: dict[str, Stream] = {
            name: streams.draws(group.ed_treatment_hours, f"ed_treatment_hours.{name}") for name, group in groups.items()
        }
        self._outcome: dict[str, Callable[[], int]] = {
            name: streams.choice(f"ed_outcome.{name}", (group.ed_outcome.home, group.ed_outcome.eau, group.ed_outcome.ward))
            for name, group in groups.items()
        }

    def pools(self) -> list[Pool]:
        return [self.cubicles, self.boarding_spaces]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {"ed_cubicles": self.cubicles.set_capacity, "ed_boarding_spaces": self._set_boarding_spaces}

    def _set_boarding_spaces(self, spaces: float) -> None:
        self.boarding_spaces.set_capacity(spaces)
        while self._in_cubicles and self.boarding_spaces.free >= 1:
            self._out_of_cubicle(next(iter(self._in_cubicles)))

    def treat(self, patient: Patient) -> Process:
        """Wait for a cubicle, be treated, and return the outcome (one of `OUTCOMES`); the patient keeps
        the cubicle until `leave`. A would-be admission's decision to admit is stamped."""
        env = self.env
        ambulance = patient.route == "ed_ambulance"
        granted = self.cubicles.request()
        if granted is not None:
            if ambulance and self.max_handover is not None:
                yield env.first_of(granted, env.timeout(self.max_handover))
                if not granted.triggered:  # the crew is released; the patient waits in the ED's care
                    patient.handover = self.max_handover
                    yield granted
            else:
                yield granted
        patient.ed_start = env.now
        if ambulance and patient.handover != patient.handover:  # NaN: not released early
            patient.handover = patient.ed_start - patient.arrival
        treatment = self._treatment[patient.group].next() + self.hours_per_boarder * self.boarders
        if treatment > 0:  # a zero-length step costs no event (textbook scenarios use them)
            yield env.timeout(treatment)
        outcome = "ward" if patient.readmission else OUTCOMES[self._outcome[patient.group]()]
        if outcome == "ward":
            patient.decision_to_admit = env.now
            self._board(patient)
        return outcome

    def _board(self, patient: Patient) -> None:
        """A patient decided to admit waits for a bed: in a boarding space if one is free, else in their cubicle."""
        self.boarders += 1
        self._in_cubicles[patient] = None
        if self.boarding_spaces.free >= 1:
            self._out_of_cubicle(patient)

    def _out_of_cubicle(self, patient: Patient) -> None:
        del self._in_cubicles[patient]
        self.boarding_spaces.request()  # a space is free, so it is granted at once
        self._boarding.add(patient)
        self.cubicles.release()

    def leave(self, patient: Patient) -> None:
        """The patient leaves the ED, giving back their cubicle or boarding space; a boarder still in a
        cubicle takes a space that frees."""
        patient.ed_end = self.env.now
        if patient in self._boarding:
            self._boarding.remove(patient)
            self.boarders -= 1
            self.boarding_spaces.release()
            if self._in_cubicles:
                self._out_of_cubicle(next(iter(self._in_cubicles)))
            return
        if patient in self._in_cubicles:
            del self._in_cubicles[patient]
            self.boarders -= 1
        self.cubicles.release()
