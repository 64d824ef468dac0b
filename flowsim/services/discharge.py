"""Discharge: from medically fit to leaving the acute bed, by pathway.

When a patient no longer needs an acute bed they are *medically fit* (or
'discharge ready'). Every hour from then until they leave is a delayed
transfer of care (DTOC), recorded with the reason they are still there.
What they wait for depends on their discharge pathway:

- **Pathway 0**: home with no new support. Leaves at the next discharge slot.
- **Pathway 1**: home with support: a reablement episode from HART, or for
  some a home care package straight away. Waits for the care hours.
- **Pathway 2**: a step-down bed for bed-based rehabilitation.
- **Pathway 3**: a new care home placement.

Pathway 1-3 patients may first wait for an assessment or referral, and some
wait on patient or family choice. Longer stays can decondition people so
they need more support (`deconditioning_per_day`, off unless set).

Discharges happen only inside discharge hours and, if the hospital's
discharge capacity is limited, only as many a day as it can make, less at
weekends (`day_of_week_capacity`). Discharges to a service (pathways 1-3)
can have a capacity of their own, `supported_discharges_per_weekday` with
`supported_day_of_week_capacity`: care providers that accept fewer people at
weekends (the 'seven-day services' target is Saturday 60%, Sunday 40% of a
weekday). A patient whose service is ready waits for the next slot, under the
reason 'awaiting discharge slot'.

After leaving, a share of patients are readmitted within `readmission_days`:
a new episode through the same door, admitted to a bed again.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from flowsim.services.community import HOME
from flowsim.engine.patient import Patient
from flowsim.engine.vocabulary import AWAITING_ASSESSMENT, AWAITING_DISCHARGE_SLOT, PATIENT_CHOICE
from flowsim.scenario import HOURS_PER_DAY

if TYPE_CHECKING:
    from flowsim.model.system import System

Process = Generator[simpy.Event, Any, Any]



class DischargeSlots:
    """A capacity to discharge: open hours and a number a day, a weekday's times each day's share."""

    def __init__(self, system: System, per_weekday: int | None, day_share: tuple[float, ...]) -> None:
        self.system = system
        self.opens, self.closes = system.scenario.discharge.hours
        self.per_weekday = per_weekday
        self.day_share = day_share
        self.always_open = (self.opens, self.closes) == (0, 24) and self.per_weekday is None
        self.is_open = False
        self.slots_left = math.inf
        self.waiting: deque[simpy.Event] = deque()
        self._carry = 0.0
        if not self.always_open:
            system.env.process(self._days())

    def request(self) -> simpy.Event | None:
        """None if the patient can leave now, else an event that fires at their slot."""
        if self.always_open or (self.is_open and not self.waiting and self.slots_left >= 1):
            self.slots_left -= 1
            return None
        slot = self.system.env.event()
        self.waiting.append(slot)
        return slot

    def _days(self) -> Process:
        env, clock = self.system.env, self.system.clock
        day = 0
        while True:
            yield env.timeout(day * HOURS_PER_DAY + self.opens - env._now)
            self.is_open = True
            if self.per_weekday is None:
                self.slots_left = math.inf
            else:
                allowance = self.per_weekday * self.day_share[clock.weekday(env._now)] + self._carry
                self.slots_left = math.floor(allowance)
                self._carry = allowance - self.slots_left
            while self.waiting and self.slots_left >= 1:
                self.slots_left -= 1
                self.waiting.popleft().succeed()
            yield env.timeout(self.closes - self.opens)
            self.is_open = False
            day += 1


class Discharge:
    """Turns a medically fit patient into a discharge, recording every delay."""

    def __init__(self, system: System) -> None:
        self.system = system
        rules = system.scenario.discharge
        streams = system.streams
        self.slots = DischargeSlots(system, rules.discharges_per_weekday, rules.day_of_week_capacity)
        self.supported_slots = (
            DischargeSlots(system, rules.supported_discharges_per_weekday, rules.supported_day_of_week_capacity)
            if rules.supported_discharges_per_weekday is not None
            else self.slots
        )
        self._assessment = (
            streams.draws(rules.assessment_days, "discharge.assessment_days", HOURS_PER_DAY)
            if rules.assessment_days
            else None
        )
        self._choice = (
            streams.draws(rules.choice_days, "discharge.choice_days", HOURS_PER_DAY) if rules.choice_days else None
        )
        self._readmission_time = streams.uniform("readmission.time")
        groups = system.scenario.groups.items()
        self._pathway_mix = {name: streams.choice(f"pathway.{name}", group.pathway.shares()) for name, group in groups}
        self._deconditioned = {name: streams.varying_chance(f"deconditioning.{name}") for name, _ in groups}
        self._chooses = {name: streams.chance(f"choice.{name}", group.choice_share) for name, group in groups}
        self._readmitted = {
            name: streams.chance(f"readmission.{name}", group.readmission_share) for name, group in groups
        }

    def set_capacity(self, capacity: str, value: float) -> bool:
        slots = {"discharges_per_weekday": self.slots, "supported_discharges_per_weekday": self.supported_slots}.get(capacity)
        if slots is not None:
            slots.per_weekday = int(value)
        return slots is not None

    def leave_hospital(self, patient: Patient, pathway: int | None = None) -> Process:
        """From medically fit to out of the acute bed, then on to the pathway's service.

        `pathway` is given only for patients of today's census already known to wait for one.
        """
        system = self.system
        if pathway is None:
            pathway = self._pathway(patient)
        patient.pathway = pathway
        if self._assessment is not None and pathway in system.scenario.discharge.assessment_pathways:
            yield from system.delay(patient, "acute", AWAITING_ASSESSMENT, self._assessment.next())
        if self._choice is not None and self._chooses[patient.group]():
            yield from system.delay(patient, "acute", PATIENT_CHOICE, self._choice.next())
        grant = HOME if pathway == 0 else (yield from system.community.secure(patient, pathway, "acute"))
        slots = self.slots if grant[0] in ("home", "alternative") else self.supported_slots
        slot = slots.request()
        if slot is not None:
            yield from system.wait(patient, "acute", AWAITING_DISCHARGE_SLOT, slot)
        system.wards.discharge(patient)
        if self._readmitted[patient.group]():
            self._readmit(patient)
        yield from system.community.receive(patient, grant)

    def _pathway(self, patient: Patient) -> int:
        """The group's pathway mix, one step more support with deconditioning from a long stay."""
        pathway = self._pathway_mix[patient.group]()
        per_day = self.system.scenario.discharge.deconditioning_per_day
        if per_day > 0 and pathway < 3:  # off, or already the most support: nothing to draw
            days_in = (patient.medically_fit - patient.bed_start) / HOURS_PER_DAY
            if self._deconditioned[patient.group](min(1.0, per_day * days_in)):
                pathway += 1
        return pathway

    def _readmit(self, patient: Patient) -> None:
        """Back through the door they came in by, some time within `readmission_days`; today's census
        patients, whose door is unknown, walk in. A timeout with a callback, not a process: nothing
        happens in between."""
        env = self.system.env
        route = "ed_walk_in" if patient.route == "initial" else patient.route
        back = env.timeout(self._readmission_time.next() * self.system.scenario.readmission_days * HOURS_PER_DAY)
        back.callbacks.append(
            lambda _: self.system.front_door.arrive(
                Patient(patient.patient_id, patient.episode + 1, patient.group, route, env._now, readmission=True)
            )
        )
