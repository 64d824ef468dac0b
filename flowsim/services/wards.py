"""The wards: acute beds, length of stay and escalation.

An admitted patient needs an acute bed: on the short-stay ward if they are
expected to stay one to three days, otherwise a general bed. When none is
free they wait where they are, on a trolley in the ED or in the EAU, keeping
that place; a wait of more than 12 hours from the decision to admit is a
'12-hour trolley wait'.

Once in a bed the patient stays for their clinical length of stay (longer in
winter if the group's `los_month_of_year` says so), after which they are
medically fit (discharge ready) and the discharge module takes over. A patient is *stranded* once their stay reaches 7 days and
*super-stranded* at 21 days.

Every day the hospital declares an Operational Pressure Escalation Level
(OPEL 1-4) from bed pressure: occupied beds plus patients waiting for one,
over the base beds. At the chosen level escalation beds open; when pressure
falls they close as their patients leave.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from flowsim.engine.pool import Pool
from flowsim.engine.patient import Patient
from flowsim.scenario import HOURS_PER_DAY

if TYPE_CHECKING:
    from flowsim.model.system import System

Process = Generator[simpy.Event, Any, Any]


class Wards:
    """The short-stay ward and the general beds, with escalation."""

    def __init__(self, system: System) -> None:
        self.system = system
        wards, until = system.scenario.wards, system.scenario.horizon_hours
        self.short_stay = Pool(system.env, "short_stay_beds", wards.short_stay_beds, until)
        self.general = Pool(system.env, "general_beds", wards.general_beds, until)
        self.beds = {"short_stay": self.short_stay, "general": self.general}
        """Each ward's beds, by the name a patient's `ward` holds."""
        self.base_general_beds = float(wards.general_beds)
        self.escalation_beds = float(wards.escalation.beds)
        self.opel = 1
        self.bed_pressure = 0.0
        """The bed pressure today's OPEL level was declared from."""
        self.medically_fit = 0
        """Patients in an acute bed who are medically fit (the census reads it)."""
        self._los = {}
        self._short_stay = {
            name: system.streams.chance(f"short_stay.{name}", group.short_stay_share)
            for name, group in system.scenario.groups.items()
        }
        self._los_season = {name: group.los_month_of_year for name, group in system.scenario.groups.items()}
        for name, group in system.scenario.groups.items():
            self._los[name, "general"] = system.streams.draws(group.general_los_days, f"los_days.general.{name}", HOURS_PER_DAY
            )
            if group.short_stay_los_days is not None:
                self._los[name, "short_stay"] = system.streams.draws(group.short_stay_los_days, f"los_days.short_stay.{name}", HOURS_PER_DAY
                )

    def pools(self) -> list[Pool]:
        return [self.short_stay, self.general]

    def set_capacity(self, capacity: str, value: float) -> bool:
        if capacity == "short_stay_beds":
            self.short_stay.set_capacity(value)
        elif capacity == "general_beds":
            self.base_general_beds = value
            self._open_beds()
        elif capacity == "escalation_beds":
            self.escalation_beds = value
            self._open_beds()
        else:
            return False
        return True

    def occupied(self) -> float:
        return self.short_stay.in_use + self.general.in_use

    def base_beds(self) -> float:
        return self.short_stay.planned_capacity + self.base_general_beds

    def waiting_for_bed(self) -> int:
        return len(self.short_stay.waiting) + len(self.general.waiting)

    def stay(self, patient: Patient, holding: Pool) -> Process:
        """An acute stay: wait for a bed (keeping the ED cubicle or EAU place), take it, and stay for the
        clinical length of stay, longer or shorter by the month of admission; then medically fit."""
        system, env, group = self.system, self.system.env, patient.group
        ward = "short_stay" if self._short_stay[group]() else "general"
        granted = self.beds[ward].request()
        if granted is not None:
            yield granted
        system.front_door.leave_front_door(patient, holding)
        patient.ward = ward
        patient.bed_start = admitted = env._now
        system.move(patient, "acute")
        yield env.timeout(self._los[group, ward].next() * self._los_season[group][system.clock.month(admitted)])
        patient.medically_fit = env._now
        self.medically_fit += 1

    def resume(self, patient: Patient, ward: str, elapsed: float, fit: bool, generator: np.random.Generator) -> Process:
        """A patient of today's census, `elapsed` hours into their stay: the rest of it is drawn given that."""
        granted = self.beds[ward].request()
        if granted is not None:
            yield granted
        env = self.system.env
        patient.ward = ward
        patient.bed_start = env._now - elapsed
        self.system.move(patient, "acute")
        if not fit:
            group = self.system.scenario.groups[patient.group]
            stay = group.short_stay_los_days if ward == "short_stay" else group.general_los_days
            assert stay is not None, "the scenario checks short-stay rows have a short-stay length of stay"
            yield env.timeout(stay.beyond(generator, elapsed / HOURS_PER_DAY) * HOURS_PER_DAY - elapsed)
        patient.medically_fit = env._now
        self.medically_fit += 1

    def discharge(self, patient: Patient) -> None:
        """The patient leaves their acute bed."""
        patient.acute_discharge = self.system.env._now
        self.medically_fit -= 1
        self.beds[patient.ward].release()

    def pressure(self) -> float:
        """Occupied beds plus those waiting for one, over the base beds."""
        return (self.occupied() + self.waiting_for_bed()) / max(self.base_beds(), 1.0)

    def declare_opel(self) -> int:
        """Set today's OPEL level from bed pressure and open or close escalation beds."""
        self.bed_pressure = self.pressure()
        self.opel = 1 + bisect_right(self.system.scenario.wards.opel_thresholds, self.bed_pressure)
        self._open_beds()
        return self.opel

    def _open_beds(self) -> None:
        escalated = self.opel >= self.system.scenario.wards.escalation.open_at_opel
        self.general.set_capacity(self.base_general_beds + (self.escalation_beds if escalated else 0.0))

    def stranded(self) -> tuple[int, int]:
        """Patients in an acute bed whose stay so far is 7 days or more (stranded), and 21 or more (super-stranded)."""
        now = self.system.env._now
        week, three_weeks = now - 7 * HOURS_PER_DAY, now - 21 * HOURS_PER_DAY
        stranded = super_stranded = 0
        for patient in self.system.present["acute"]:  # one pass: the census takes this every day
            if patient.bed_start <= week:
                stranded += 1
                super_stranded += patient.bed_start <= three_weeks
        return stranded, super_stranded
