"""Discharge: from medically fit to leaving the acute bed, by pathway.

When a patient no longer needs an acute bed they are *medically fit* (or
'discharge ready'). Every hour from then until they leave is a delayed
transfer of care (DTOC), recorded with the reason they are still there.
What they wait for depends on their discharge pathway:

- **Pathway 0**: home with no new support. Leaves at the next discharge slot.
- **Pathway 1**: home with support: a reablement episode (HART), or for some
  a home care package straight away. Waits for the care hours.
- **Pathway 2**: a step-down bed for bed-based rehabilitation.
- **Pathway 3**: a new care home placement.

This module decides the pathway and the waits that belong to the hospital:
pathway 1-3 patients may first wait for an assessment or referral, and some
wait on patient or family choice. Longer stays can decondition people so
they need more support (`deconditioning_per_day`, off unless set). The
services of each pathway have modules of their own.

Discharges happen only inside discharge hours and, if the hospital's
discharge capacity is limited, only as many a day as it can make, less at
weekends (`day_of_week_capacity`). Discharges to a service (pathways 1-3)
can have a capacity of their own, `supported_discharges_per_weekday` with
`supported_day_of_week_capacity`: care providers that accept fewer people at
weekends (the 'seven-day services' target is Saturday 60%, Sunday 40% of a
weekday). A patient whose service is ready waits for the next slot, under the
reason 'awaiting discharge slot'.

Real wards discharge mostly in the afternoon: the morning ward round decides,
then take-home medicines, transport and the discharge letter take the day, so
beds free up after the morning's admissions need them. With
`hourly_profile` a patient who may leave waits, under the same reason, until
an hour drawn from that profile among the hours of the day not yet past (the
next day's, if none is left); a patient fit overnight leaves in the afternoon
rather than at 08:00. A rule's same-day discharge lets them leave at once.

After leaving, a share of patients are readmitted within `readmission_days`:
a new episode through the same door, admitted to a bed again. A share of
each group dies within 91 days of leaving (`deaths.after_discharge`):
whichever comes first, the readmission or the death, happens, and the
other does not.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Mapping
from itertools import accumulate

import simpy

from flowsim.engine.clock import Clock
from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_ASSESSMENT, AWAITING_DISCHARGE_SLOT, PATIENT_CHOICE, Process
from flowsim.scenario import HOURS_PER_DAY
from flowsim.scenario.capacity import Discharge as DischargeSection
from flowsim.scenario.demand import Group


class DischargeSlots:
    """A capacity to discharge: open hours and a number a day, a weekday's times each day's share."""

    def __init__(
        self,
        env: Environment,
        clock: Clock,
        hours: tuple[int, int],
        per_weekday: int | None,
        day_share: tuple[float, ...],
    ) -> None:
        self.env = env
        self.clock = clock
        self.opens, self.closes = hours
        self.per_weekday = per_weekday
        self.day_share = day_share
        self.always_open = (self.opens, self.closes) == (0, 24) and self.per_weekday is None
        self.is_open = False
        self.slots_left = math.inf
        self.extra_per_day = 0
        """Discharges added to every day's allowance by an escalation rule."""
        self.unlimited = False
        """Whether an escalation rule lets everyone ready leave at once, whatever the hour or the count."""
        self.brought_forward = 0
        """Patients who left at once because of it, who would have waited for a slot."""
        self.waiting: deque[simpy.Event] = deque()
        self._carry = 0.0

    def start(self) -> None:
        """Open and close the slots each day (nothing to do when they are always open)."""
        if not self.always_open:
            self.env.start(self._days())

    def set_per_weekday(self, discharges: float) -> None:
        self.per_weekday = int(discharges)

    def set_unlimited(self, unlimited: bool) -> None:
        """Let everyone ready leave at once (an escalation rule), those waiting for a slot first."""
        self.unlimited = unlimited
        while unlimited and self.waiting:
            self.brought_forward += 1
            self.waiting.popleft().succeed()

    def request(self) -> simpy.Event | None:
        """None if the patient can leave now, else an event that fires at their slot."""
        if self.always_open or (self.is_open and not self.waiting and self.slots_left >= 1):
            self.slots_left -= 1
            return None
        if self.unlimited:
            self.brought_forward += 1
            return None
        slot = self.env.event()
        self.waiting.append(slot)
        return slot

    def _days(self) -> Process:
        env, clock = self.env, self.clock
        day = 0
        while True:
            yield env.timeout(day * HOURS_PER_DAY + self.opens - env.now)
            self.is_open = True
            if self.per_weekday is None:
                self.slots_left = math.inf
            else:
                allowance = self.per_weekday * self.day_share[clock.weekday(env.now)] + self.extra_per_day + self._carry
                self.slots_left = math.floor(allowance)
                self._carry = allowance - self.slots_left
            while self.waiting and self.slots_left >= 1:
                self.slots_left -= 1
                self.waiting.popleft().succeed()
            yield env.timeout(self.closes - self.opens)
            self.is_open = False
            day += 1


class Discharge:
    """The pathway of a medically fit patient, the hospital's waits before they leave, and readmission."""

    def __init__(
        self,
        env: Environment,
        clock: Clock,
        streams: Streams,
        register: Register,
        discharge: DischargeSection,
        groups: Mapping[str, Group],
        readmission_days: float,
    ) -> None:
        self.env = env
        self.register = register
        self.rules = discharge
        self.readmission_days = readmission_days
        self.slots = DischargeSlots(env, clock, discharge.hours, discharge.discharges_per_weekday, discharge.day_of_week_capacity)
        self.supported_slots = (
            DischargeSlots(
                env,
                clock,
                discharge.hours,
                discharge.supported_discharges_per_weekday,
                discharge.supported_day_of_week_capacity,
            )
            if discharge.supported_discharges_per_weekday is not None
            else self.slots
        )
        self._assessment = (
            streams.draws(discharge.assessment_days, "discharge.assessment_days", HOURS_PER_DAY)
            if discharge.assessment_days
            else None
        )
        self._leaving_hour = streams.uniform("discharge.hour") if discharge.hourly_profile else None
        self._by_hour = list(accumulate(discharge.hourly_profile or ()))
        """The profile's weight up to the end of each hour of the day."""
        self._choice = (
            streams.draws(discharge.choice_days, "discharge.choice_days", HOURS_PER_DAY) if discharge.choice_days else None
        )
        self.prepares = self._assessment is not None or self._choice is not None
        """Whether the hospital has waits of its own before a pathway starts (`prepare` has nothing to do if not)."""
        self.limits_leaving = not (self.slots.always_open and self.supported_slots.always_open) or self._leaving_hour is not None
        """Whether patients leave by discharge slot or at a drawn hour (`wait_for_slot` has nothing to do if not)."""
        self.follows_up = any(group.readmission_share > 0 or group.deaths.after_discharge > 0 for group in groups.values())
        """Whether anyone can be readmitted or die after leaving the acute bed (`readmission_after` and
        `death_after` draw nothing and answer None if not: a textbook county skips them)."""
        self._readmission_time = streams.uniform("readmission.time")
        self._dies_after = {
            name: streams.chance(f"death.after_discharge.{name}", group.deaths.after_discharge) for name, group in groups.items()
        }
        self._death_after = {
            name: streams.draws(days, f"death.after_discharge_days.{name}", HOURS_PER_DAY)
            for name, group in groups.items()
            if (days := group.deaths.after_discharge_days) is not None
        }
        self._pathway_mix = {name: streams.choice(f"pathway.{name}", group.pathway.shares()) for name, group in groups.items()}
        self._deconditioned = {name: streams.varying_chance(f"deconditioning.{name}") for name in groups}
        self._chooses = {name: streams.chance(f"choice.{name}", group.choice_share) for name, group in groups.items()}
        self._readmitted = {name: streams.chance(f"readmission.{name}", group.readmission_share) for name, group in groups.items()}

    def start(self) -> None:
        """Open the discharge slots."""
        self.slots.start()
        if self.supported_slots is not self.slots:
            self.supported_slots.start()

    def pools(self) -> list[Pool]:
        """Discharge slots are not a pool: they open afresh each day."""
        return []

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        table = {"discharges_per_weekday": self.slots.set_per_weekday}
        if self.supported_slots is not self.slots:
            table["supported_discharges_per_weekday"] = self.supported_slots.set_per_weekday
        return table

    def pathway(self, patient: Patient) -> int:
        """The group's pathway mix, one step more support with deconditioning from a long stay."""
        pathway = self._pathway_mix[patient.group]()
        per_day = self.rules.deconditioning_per_day
        if per_day > 0 and pathway < 3:  # off, or already the most support: nothing to draw
            days_in = (patient.medically_fit - patient.bed_start) / HOURS_PER_DAY
            if self._deconditioned[patient.group](min(1.0, per_day * days_in)):
                pathway += 1
        return pathway

    def prepare(self, patient: Patient, pathway: int) -> Process:
        """The hospital's own waits before a pathway can start: assessment or referral, then patient or
        family choice, each recorded in the acute bed."""
        if self._assessment is not None and pathway in self.rules.assessment_pathways:
            yield from self.register.delay(patient, "acute", AWAITING_ASSESSMENT, self._assessment.next())
        if self._choice is not None and self._chooses[patient.group]():
            yield from self.register.delay(patient, "acute", PATIENT_CHOICE, self._choice.next())

    def set_extra_per_day(self, discharges: int) -> None:
        """Add `discharges` to every day's allowance from the next day the wards open (an escalation rule)."""
        self.slots.extra_per_day = discharges

    def set_same_day(self, same_day: bool) -> None:
        """Let patients leave the same day, without waiting for the wards' discharge slots (an escalation
        rule): pathway 0, and every pathway where the services have no slots of their own."""
        self.slots.set_unlimited(same_day)

    def wait_for_slot(self, patient: Patient, supported: bool) -> Process | None:
        """The wait in the acute bed for the next discharge slot (a supported discharge's, if `supported`)
        and then for the hour the patient leaves; None if they may leave now (no generator to run)."""
        slots = self.supported_slots if supported else self.slots
        slot = slots.request()
        if slot is not None:
            return self._wait_for_slot(patient, slots, slot)
        if self._leaving_hour is None or slots.unlimited:
            return None
        return self._to_leaving_hour(patient, slots, self.env.now)  # a slot today: only the hour to wait for

    def _wait_for_slot(self, patient: Patient, slots: DischargeSlots, slot: simpy.Event) -> Process:
        start = self.env.now
        yield from self.register.wait(patient, "acute", AWAITING_DISCHARGE_SLOT, slot, record=self._leaving_hour is None)
        if self._leaving_hour is not None:  # then the hour they leave on the slot's day: one wait, one row
            yield from self._to_leaving_hour(patient, slots, start)

    def _to_leaving_hour(self, patient: Patient, slots: DischargeSlots, since: float) -> Process:
        """The wait from now to the hour the patient leaves (none if everyone may leave at once), recorded
        from `since` as one delays-table row: `register.delay`'s generator, to be run at once."""
        assert self._leaving_hour is not None, "only for a scenario with leaving hours"
        until = 0.0 if slots.unlimited else self._until_leaving_hour(self._leaving_hour.next())
        return self.register.delay(patient, "acute", AWAITING_DISCHARGE_SLOT, until, since=since)

    def _until_leaving_hour(self, uniform: float) -> float:
        """Hours from now to the start of the hour the patient leaves, drawn (by `uniform`) from
        `hourly_profile` among the hours of today not yet past, tomorrow's if today has none left; 0 if
        that hour is this one."""
        now = self.env.now
        day = now - now % HOURS_PER_DAY
        hour = int(now - day)
        past = self._by_hour[hour - 1] if hour else 0.0
        if past >= self._by_hour[-1]:  # no weight left today
            day, past = day + HOURS_PER_DAY, 0.0
        draw = past + uniform * (self._by_hour[-1] - past)
        leaving = min(bisect_right(self._by_hour, draw), HOURS_PER_DAY - 1)
        return max(0.0, day + leaving - now)

    def readmission_after(self, patient: Patient) -> float | None:
        """Hours after leaving at which the patient is readmitted, within `readmission_days`; None if not."""
        if self._readmitted[patient.group]():
            return self._readmission_time.next() * self.readmission_days * HOURS_PER_DAY
        return None

    def death_after(self, patient: Patient) -> float | None:
        """Hours after leaving the acute bed alive at which the patient dies, for the group's share who die
        within 91 days; None if not."""
        if self._dies_after[patient.group]():
            return self._death_after[patient.group].next()
        return None
