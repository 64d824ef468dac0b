"""The wards: acute beds, length of stay, stranded patients and escalation.

An admitted patient needs an acute bed: on the short-stay ward if they are
expected to stay one to three days, otherwise a general bed. When none is
free they wait where they are, on a trolley in the ED or in the EAU, keeping
that place; a wait of more than 12 hours from the decision to admit is a
'12-hour trolley wait'.

Once in a bed the patient stays for their clinical length of stay (longer in
winter if the group's `los_month_of_year` says so), after which they are
medically fit (discharge ready) and discharge takes over. The clinical stay
is active days and, if the group names internal waits (`red_days`), red days:
days when nothing moves the patient on because they wait for a scan, a
therapy assessment, a specialist's or a senior review. Each wait is met by a
share of the group after the active days, lasts a drawn time and, if its
service does not work every day, runs on to its next working day. A
red2green programme (`red_to_green.cut`) removes a share of the red days;
seven-day services (`red_to_green.seven_day`) work every day. Red days are
recorded in the delays table as `red day: <wait>`, apart from the delayed
transfers of care that follow fitness.

A share of each group dies in the bed (`deaths.in_hospital`), on a drawn day
of the stay instead of becoming medically fit; the bed is free at once. A patient is
*stranded* once their stay reaches 7 days and *super-stranded* at 21 days.

At each review (`opel_hour`, `reviews_per_day`) the hospital declares an
Operational Pressure Escalation Level (OPEL 1-4) from bed pressure: occupied
beds plus patients waiting for one, over the base beds. Escalation beds open
while an escalation rule says so (the wards' own rule: at OPEL
`escalation.open_at_opel`), and close as their patients leave.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from operator import attrgetter

import numpy as np

from flowsim.engine.clock import Clock
from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import Stream, Streams
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import Process, red_day_reason
from flowsim.scenario import HOURS_PER_DAY
from flowsim.scenario.capacity import Wards as WardsSection
from flowsim.scenario.demand import Group

InternalWaitDraws = tuple[str, Callable[[], bool], Stream, tuple[bool, ...]]
"""An internal wait as the wards draw it: its delays-table reason, whether a patient meets it, its
red days (hours) and the weekdays its service works."""


class Wards:
    """The short-stay ward and the general beds, with escalation and the daily OPEL declaration."""

    def __init__(
        self,
        env: Environment,
        clock: Clock,
        streams: Streams,
        register: Register,
        wards: WardsSection,
        groups: Mapping[str, Group],
        horizon: float,
    ) -> None:
        self.env = env
        self.clock = clock
        self.register = register
        self.settings = wards
        self.groups = groups
        self.short_stay = Pool(env, "short_stay_beds", wards.short_stay_beds, horizon)
        self.general = Pool(env, "general_beds", wards.general_beds, horizon)
        self.beds = {"short_stay": self.short_stay, "general": self.general}
        """Each ward's beds, by the name a patient's `ward` holds."""
        self.base_general_beds = float(wards.general_beds)
        self.escalation_beds = float(wards.escalation.beds)
        self.escalated = False
        """Whether the escalation beds are open."""
        self.extra_beds = 0.0
        """General beds found on top of them by an escalation rule (planned work deferred, outliers)."""
        self.opel = 1
        self.bed_pressure = 0.0
        """The bed pressure today's OPEL level was declared from."""
        self.medically_fit = 0
        """Patients in an acute bed who are medically fit."""
        self._short_stay: dict[str, Callable[[], bool]] = {
            name: streams.chance(f"short_stay.{name}", group.short_stay_share) for name, group in groups.items()
        }
        self._los: dict[tuple[str, str], Stream] = {}
        for name, group in groups.items():
            self._los[name, "general"] = streams.draws(group.general_los_days, f"los_days.general.{name}", HOURS_PER_DAY)
            if group.short_stay_los_days is not None:
                self._los[name, "short_stay"] = streams.draws(
                    group.short_stay_los_days, f"los_days.short_stay.{name}", HOURS_PER_DAY
                )
        self._dies: dict[str, Callable[[], bool]] = {
            name: streams.chance(f"death.in_hospital.{name}", group.deaths.in_hospital) for name, group in groups.items()
        }
        self._death_day = {
            name: streams.draws(days, f"death.in_hospital_days.{name}", HOURS_PER_DAY)
            for name, group in groups.items()
            if (days := group.deaths.in_hospital_days) is not None
        }
        red_to_green = wards.red_to_green
        self._red_day_share = 1.0 - red_to_green.cut
        self._internal_waits: dict[str, list[InternalWaitDraws]] = {
            name: [
                (
                    red_day_reason(wait),
                    streams.chance(f"red_days.{name}.{wait}", internal.share),
                    streams.draws(internal.days, f"red_days_length.{name}.{wait}", HOURS_PER_DAY),
                    (True,) * 7 if wait in red_to_green.seven_day else internal.working_days,
                )
                for wait, internal in group.red_days.items()
            ]
            for name, group in groups.items()
        }

    def pools(self) -> list[Pool]:
        return [self.short_stay, self.general]

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities a scenario can change on a date, by name."""
        return {
            "short_stay_beds": self.short_stay.set_capacity,
            "general_beds": self._set_general_beds,
            "escalation_beds": self._set_escalation_beds,
        }

    def _set_general_beds(self, beds: float) -> None:
        self.base_general_beds = beds
        self._open_beds()

    def _set_escalation_beds(self, beds: float) -> None:
        self.escalation_beds = beds
        self._open_beds()

    def occupied(self) -> float:
        return self.short_stay.in_use + self.general.in_use

    def base_beds(self) -> float:
        return self.short_stay.planned_capacity + self.base_general_beds

    def waiting_for_bed(self) -> int:
        return len(self.short_stay.waiting) + len(self.general.waiting)

    def stay(self, patient: Patient, vacate: Callable[[Patient], None]) -> Process:
        """An acute stay: wait for a bed on the patient's ward (short-stay or general, by the group's share),
        keeping the place they wait in until the bed is theirs (`vacate` gives it up), then the clinical
        stay, longer or shorter by the month of admission; then they are medically fit (True), unless they
        die in the bed first (False: the bed is free). One generator: every event of the stay passes
        through each generator it is nested in."""
        ward = "short_stay" if self._short_stay[patient.group]() else "general"
        granted = self.beds[ward].request()
        if granted is not None:
            yield granted
        patient.ward = ward
        vacate(patient)
        env = self.env
        patient.bed_start = admitted = env.now
        self.register.move(patient, "acute")
        group = patient.group
        stay = self._los[group, ward].next() * self.groups[group].los_month_of_year[self.clock.month(admitted)]
        if self._dies[group]():
            yield env.timeout(self._death_day[group].next())
            patient.death = env.now
            self.beds[ward].release()
            return False
        yield env.timeout(stay)
        for reason, meets, days, working_days in self._internal_waits[group]:
            if meets():
                yield from self.register.red_days(patient, reason, self._red_hours(days.next(), working_days))
        patient.medically_fit = env.now
        self.medically_fit += 1
        return True

    def _red_hours(self, hours: float, working_days: tuple[bool, ...]) -> float:
        """The red hours of an internal wait of `hours` starting now: run on to the same hour of the next
        day its service works, then cut by the red2green programme."""
        end = self.env.now + hours
        first_weekday = self.clock.weekday(0.0)
        while not working_days[(first_weekday + int(end // HOURS_PER_DAY)) % 7]:
            end += HOURS_PER_DAY
        return (end - self.env.now) * self._red_day_share

    def resume(self, patient: Patient, ward: str, elapsed: float, fit: bool, generator: np.random.Generator) -> Process:
        """A patient of today's census, `elapsed` hours into their stay: the rest of it is drawn given that."""
        granted = self.beds[ward].request()
        if granted is not None:
            yield granted
        env = self.env
        patient.ward = ward
        patient.bed_start = env.now - elapsed
        self.register.move(patient, "acute")
        if not fit:
            group = self.groups[patient.group]
            stay = group.short_stay_los_days if ward == "short_stay" else group.general_los_days
            assert stay is not None, "the scenario checks short-stay rows have a short-stay length of stay"
            yield env.timeout(stay.beyond(generator, elapsed / HOURS_PER_DAY) * HOURS_PER_DAY - elapsed)
        patient.medically_fit = env.now
        self.medically_fit += 1

    def discharge(self, patient: Patient) -> None:
        """The patient leaves their acute bed."""
        patient.acute_discharge = self.env.now
        self.medically_fit -= 1
        self.beds[patient.ward].release()

    def pressure(self) -> float:
        """Occupied beds plus those waiting for one, over the base beds."""
        return (self.occupied() + self.waiting_for_bed()) / max(self.base_beds(), 1.0)

    def declare_opel(self) -> int:
        """Declare the OPEL level from bed pressure now."""
        self.bed_pressure = self.pressure()
        self.opel = 1 + bisect_right(self.settings.opel_thresholds, self.bed_pressure)
        return self.opel

    def escalate(self, open_beds: bool, extra_beds: float = 0.0) -> None:
        """Open the escalation beds and `extra_beds` more, or close them as their patients leave."""
        self.escalated = open_beds
        self.extra_beds = extra_beds
        self._open_beds()

    def _open_beds(self) -> None:
        self.general.set_capacity(self.base_general_beds + (self.escalation_beds if self.escalated else 0.0) + self.extra_beds)

    def stranded(self) -> tuple[int, int]:
        """Patients in an acute bed whose stay so far is 7 days or more (stranded), and 21 or more (super-stranded)."""
        now = self.env.now
        week, three_weeks = now - 7 * HOURS_PER_DAY, now - 21 * HOURS_PER_DAY
        starts = sorted(map(_bed_start, self.register.present["acute"]))  # in C: the census takes this every day
        return bisect_right(starts, week), bisect_right(starts, three_weeks)


_bed_start = attrgetter("bed_start")
