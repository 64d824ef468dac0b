"""The Emergency Assessment Unit (EAU): places where medical patients are assessed.

GP referrals come straight here; the ED refers others. A patient waits for a
place, is assessed, and is then admitted (a decision to admit; about 60% in
the reference county) or goes home. An admitted patient keeps their EAU place
until a bed is free. A readmission is always admitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Stream, Streams
from flowsim.engine.vocabulary import Process
from flowsim.scenario.capacity import EAU as EAUSection
from flowsim.scenario.demand import Group


class AssessmentUnit:
    """The EAU's places and the assessment of the patients in them."""

    def __init__(
        self, env: Environment, streams: Streams, eau: EAUSection, groups: Mapping[str, Group], horizon: float
    ) -> None:
        self.env = env
        self.places = Pool(env, "eau_places", eau.places, horizon)
        self._assessment: dict[str, Stream] = {
            name: streams.draws(group.eau_assessment_hours, f"eau_assessment_hours.{name}") for name, group in groups.items()
        }
        self._admits: dict[str, Callable[[], bool]] = {
            name: streams.chance(f"eau_admit.{name}", group.eau_admit_share) for name, group in groups.items()
        }

    def pools(self) -> list[Pool]:
        return [self.places]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {"eau_places": self.places.set_capacity}

    def take_place(self) -> Process:
        """Wait until an EAU place is the patient's."""
        granted = self.places.request()
        if granted is not None:
            yield granted

    def assess(self, patient: Patient) -> Process:
        """Assess a patient who holds a place; return True for a decision to admit (they keep the place
        until `leave`), False if they go home (the caller lets them `leave`)."""
        env = self.env
        patient.eau_start = env.now
        assessment = self._assessment[patient.group].next()
        if assessment > 0:
            yield env.timeout(assessment)
        if patient.readmission or self._admits[patient.group]():
            patient.decision_to_admit = env.now
            return True
        return False

    def leave(self, patient: Patient) -> None:
        """The patient leaves the EAU and gives back their place."""
        patient.eau_end = self.env.now
        self.places.release()
