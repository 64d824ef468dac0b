"""The Emergency Department (ED): cubicles, handover, assessment and treatment.

An ambulance crew hands its patient over when the ED has a cubicle free; the
handover time is how long the crew waited. In the ED a patient is assessed
and treated, then goes home, is referred to the EAU, or is a would-be
admission (a decision to admit). The 4-hour clock runs from arrival until the
patient leaves the ED; a patient waiting for an EAU place or a bed keeps
their cubicle meanwhile, so a full hospital shows up as ED crowding and then
as delayed handovers. A readmission is an emergency admission by definition:
it is admitted, whatever the usual mix.
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
        self._treatment: dict[str, Stream] = {
            name: streams.draws(group.ed_treatment_hours, f"ed_treatment_hours.{name}") for name, group in groups.items()
        }
        self._outcome: dict[str, Callable[[], int]] = {
            name: streams.choice(f"ed_outcome.{name}", (group.ed_outcome.home, group.ed_outcome.eau, group.ed_outcome.ward))
            for name, group in groups.items()
        }

    def pools(self) -> list[Pool]:
        return [self.cubicles]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {"ed_cubicles": self.cubicles.set_capacity}

    def treat(self, patient: Patient) -> Process:
        """Wait for a cubicle, be treated, and return the outcome (one of `OUTCOMES`); the patient keeps
        the cubicle until `leave`. A would-be admission's decision to admit is stamped."""
        env = self.env
        granted = self.cubicles.request()
        if granted is not None:
            yield granted
        patient.ed_start = env.now
        if patient.route == "ed_ambulance":
            patient.handover = patient.ed_start - patient.arrival
        treatment = self._treatment[patient.group].next()
        if treatment > 0:  # a zero-length step costs no event (textbook scenarios use them)
            yield env.timeout(treatment)
        outcome = "ward" if patient.readmission else OUTCOMES[self._outcome[patient.group]()]
        if outcome == "ward":
            patient.decision_to_admit = env.now
        return outcome

    def leave(self, patient: Patient) -> None:
        """The patient leaves the ED and gives back their cubicle."""
        patient.ed_end = self.env.now
        self.cubicles.release()
