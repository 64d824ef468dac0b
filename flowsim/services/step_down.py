"""Step-down beds: pathway 2, bed-based rehabilitation outside the acute hospital.

Community hospital, hub and discharge-to-assess beds hold a patient for
rehabilitation; then they move on (home, home with support, a home care
package or a care home) and wait in the step-down bed until that onward
service is ready, so delays propagate back to the acute hospital. A bed is
secured while the patient is still in their acute bed, and held for them
until their discharge slot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_STEP_DOWN, Process
from flowsim.scenario import HOURS_PER_DAY
from flowsim.scenario.capacity import StepDown as StepDownSection

ONWARD = ("home", "home_with_support", "home_care", "care_home")
"""Where people go from a step-down bed, in the order of the scenario's `onward` shares."""


class StepDown:
    """The step-down beds and the stays in them."""

    def __init__(
        self, env: Environment, streams: Streams, register: Register, step_down: StepDownSection, horizon: float
    ) -> None:
        self.env = env
        self.register = register
        self.settings = step_down
        self.beds = Pool(env, "step_down_beds", step_down.beds, horizon)
        self.planned = float(step_down.beds)
        """Beds from the scenario and its capacity changes."""
        self.bought = 0.0
        """Beds bought at short notice by an escalation rule."""
        self.reserved = 0
        """Beds secured by patients still in an acute bed, waiting for a discharge slot."""
        self._onward = streams.choice("step_down.onward", step_down.onward.shares())
        self._stay = streams.draws(step_down.los_days, "step_down.los_days", HOURS_PER_DAY)
        self._dies = streams.chance("step_down.death", step_down.death_share)
        self._patience = (
            streams.draws(step_down.alternative_after_days, "step_down.alternative_after_days", HOURS_PER_DAY)
            if step_down.alternative_after_days
            else None
        )

    def pools(self) -> list[Pool]:
        return [self.beds]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {"step_down_beds": self._set_planned}

    def _set_planned(self, beds: float) -> None:
        self.planned = beds
        self.beds.set_capacity(self.planned + self.bought)

    def buy(self, beds: float) -> None:
        """Hold `beds` more beds bought at short notice (0: none), from now on."""
        self.bought = beds
        self.beds.set_capacity(self.planned + self.bought)

    def occupants(self) -> float:
        """Patients in a step-down bed (beds secured but not yet taken are not)."""
        return self.beds.in_use - self.reserved

    def patience(self) -> float | None:
        """How long the next patient waits for a bed before other arrangements are made (None: as long as it takes)."""
        return self._patience.next() if self._patience else None

    def secure(self, patient: Patient, place: str) -> Process:
        """Wait in `place` for a bed and hold it for the patient; False if other arrangements were made first."""
        limit = self.patience()
        if not (yield from self.register.wait_or_give_up(patient, place, AWAITING_STEP_DOWN, self.beds, 1.0, limit)):
            return False
        self.hold()
        return True

    def hold(self) -> None:
        """A bed granted to a patient still in an acute bed is theirs until they claim it."""
        self.reserved += 1

    def claim(self) -> None:
        """A patient leaves their acute bed for the step-down bed secured for them."""
        self.reserved -= 1

    def stay(self, patient: Patient, elapsed: float = 0.0, remaining: float | None = None) -> Process:
        """Rehabilitation in the bed; return where the patient goes next (one of `ONWARD`), or None if the
        stay ended in their death. They keep the bed until `leave`. `elapsed` and `remaining`: a stay of
        today's census, part-way through."""
        env = self.env
        self.register.move(patient, "step_down")
        patient.step_down_start = env.now - elapsed
        yield env.timeout(self._stay.next() if remaining is None else remaining)
        onward = ONWARD[self._onward()]
        if self._dies():
            patient.death = env.now
            return None
        return onward

    def leave(self, patient: Patient) -> None:
        """The patient leaves their step-down bed."""
        patient.step_down_end = self.env.now
        self.beds.release()

    def resume(self, patient: Patient, elapsed: float, generator: np.random.Generator) -> Process:
        """Take the bed of someone of today's census `elapsed` hours into their stay and return the
        hours of it still to run, drawn given what they have had so far."""
        yield from self.beds.take()
        total = self.settings.los_days.beyond(generator, elapsed / HOURS_PER_DAY)
        return total * HOURS_PER_DAY - elapsed
