"""Admission avoidance: ambulatory care, hospital at home or a virtual ward, instead of a bed.

Before a would-be admission takes an acute bed, a share of them (by group)
is offered admission avoidance if one of its places is free; they stay in it
for a while and go home. Those not offered, or offered when it is full, are
admitted as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import Process
from flowsim.scenario import HOURS_PER_DAY
from flowsim.scenario.capacity import AdmissionAvoidance as AdmissionAvoidanceSection
from flowsim.scenario.demand import Group


class AdmissionAvoidance:
    """The admission avoidance places and the stays in them."""

    def __init__(
        self,
        env: Environment,
        streams: Streams,
        register: Register,
        avoidance: AdmissionAvoidanceSection,
        groups: Mapping[str, Group],
        horizon: float,
    ) -> None:
        self.env = env
        self.register = register
        self.places = Pool(env, "avoidance_places", avoidance.places, horizon)
        self._offered: dict[str, Callable[[], bool]] = {
            name: streams.chance(f"avoidance_offer.{name}", group.avoidance_share) for name, group in groups.items()
        }
        self._offered_under_pressure: dict[str, Callable[[float], bool]] = {
            name: streams.varying_chance(f"avoidance_offer_escalation.{name}") for name in groups
        }
        self.extra_share = 0.0
        """Share of the would-be admissions not otherwise offered who are, while an escalation rule says so."""
        self._offered_by_group = any(group.avoidance_share > 0 for group in groups.values())
        self.offers = self._offered_by_group
        """Whether any would-be admission can be offered a place now (`takes` draws nothing and answers
        False if not: a county without admission avoidance skips it)."""
        self.taken_under_pressure = 0
        """Would-be admissions who took a place offered so, since the warm-up."""
        stay = avoidance.stay_days
        self._stay = streams.draws(stay, "avoidance_stay_days", HOURS_PER_DAY) if stay else None

    def pools(self) -> list[Pool]:
        return [self.places]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {"avoidance_places": self.places.set_capacity}

    def set_extra_share(self, share: float) -> None:
        """Offer a place to `share` of the would-be admissions not otherwise offered one (an escalation rule)."""
        self.extra_share = share
        self.offers = self._offered_by_group or share > 0

    def takes(self, patient: Patient) -> bool:
        """Whether a would-be admission is offered admission avoidance and a place is free; if so, the
        place is theirs."""
        offered = self._offered[patient.group]()
        under_pressure = not offered and self.extra_share > 0 and self._offered_under_pressure[patient.group](self.extra_share)
        if (offered or under_pressure) and self.places.free >= 1 and self._stay is not None:
            self.places.request()  # a place is free, so it is granted at once
            self.taken_under_pressure += under_pressure
            return True
        return False

    def stay(self, patient: Patient) -> Process:
        """The stay of a patient who took a place; they leave it at the end."""
        assert self._stay is not None, "takes() admits no one without a length of stay"
        env = self.env
        self.register.move(patient, "admission_avoidance")
        patient.avoidance_start = env.now
        yield env.timeout(self._stay.next())
        patient.avoidance_end = env.now
        self.places.release()
