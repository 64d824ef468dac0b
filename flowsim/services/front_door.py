"""The front door: arrivals, ambulance handover, the ED, the EAU and admission avoidance.

People come in by three doors. Walk-ins and ambulance patients arrive at the
Emergency Department (ED); GP referrals go straight to the Emergency
Assessment Unit (EAU). Each door is a non-stationary Poisson stream whose
rate follows the hour of the week and the month of the year; each patient
group may have a season of its own (older people's admissions peak in
winter), which shifts both the door's rate and its mix of groups by month.

An ambulance crew hands its patient over when the ED has a cubicle free; the
handover time is how long the crew waited. In the ED a patient is assessed
and treated, then goes home, to the EAU, or is admitted straight to a ward.
The 4-hour clock runs from arrival until the patient leaves the ED, and a
patient waiting for an EAU place or a bed keeps their cubicle meanwhile, so
a full hospital shows up as ED crowding and then as delayed handovers.

The EAU assesses patients and admits some (about 60% in the reference
county); the rest go home. A readmission is an emergency admission by
definition: it is admitted from the ED or the EAU, whatever the usual mix. Before anyone is admitted, a share of would-be
admissions is offered admission avoidance (an ambulatory unit, hospital at
home or a virtual ward) if one of its places is free; otherwise they are
admitted as usual.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from flowsim.engine.pool import Pool
from flowsim.engine.patient import Patient
from flowsim.engine.randomness import BATCH
from flowsim.scenario import HOURS_PER_DAY, ArrivalStream

if TYPE_CHECKING:
    from flowsim.model.system import System

Process = Generator[simpy.Event, Any, Any]
ED_OUTCOMES = ("home", "eau", "ward")


class FrontDoor:
    """The ED's cubicles, the EAU's places and admission avoidance, and the doors into them."""

    def __init__(self, system: System) -> None:
        self.system = system
        scenario = system.scenario
        env, until = system.env, scenario.horizon_hours
        self.cubicles = Pool(env, "ed_cubicles", scenario.ed.cubicles, until)
        self.eau = Pool(env, "eau_places", scenario.eau.places, until)
        self.avoidance = Pool(env, "avoidance_places", scenario.admission_avoidance.places, until)
        streams = system.streams
        groups = scenario.groups.items()
        self._treatment = {name: streams.draws(group.ed_treatment_hours, f"ed_treatment_hours.{name}") for name, group in groups}
        self._assessment = {
            name: streams.draws(group.eau_assessment_hours, f"eau_assessment_hours.{name}") for name, group in groups
        }
        self._ed_outcome = {
            name: streams.choice(f"ed_outcome.{name}", (group.ed_outcome.home, group.ed_outcome.eau, group.ed_outcome.ward))
            for name, group in groups
        }
        self._eau_admits = {
            name: streams.chance(f"eau_admit.{name}", group.eau_admit_share) for name, group in groups
        }
        self._avoidance_offered = {
            name: streams.chance(f"avoidance_offer.{name}", group.avoidance_share) for name, group in groups
        }
        stay = scenario.admission_avoidance.stay_days
        self._avoidance_stay = streams.draws(stay, "avoidance_stay_days", HOURS_PER_DAY) if stay else None
        self._next_id = 0

    def pools(self) -> list[Pool]:
        return [self.cubicles, self.eau, self.avoidance]

    def set_capacity(self, capacity: str, value: float) -> bool:
        pool = {"ed_cubicles": self.cubicles, "eau_places": self.eau, "avoidance_places": self.avoidance}.get(capacity)
        if pool is not None:
            pool.set_capacity(value)
        return pool is not None

    # Arrivals ---------------------------------------------------------------

    def start_arrivals(self) -> None:
        for route, stream in self.system.scenario.arrivals.streams().items():
            if stream.daily > 0:
                self.system.env.process(self._arrivals(route, stream))

    def _arrivals(self, route: str, stream: ArrivalStream) -> Process:
        """A non-stationary Poisson stream by thinning against its maximum rate.

        Candidates are drawn and thinned a batch at a time with numpy, and the
        accepted ones given their group, each stream consumed in the same
        order as one draw at a time (the times are summed left to right), so
        only the accepted arrivals cost Python work.
        """
        system, env = self.system, self.system.env
        scenario = system.scenario
        groups = np.array(tuple(stream.groups), dtype=object)
        # Each month, the groups' seasonal multipliers scale the door's rate and reshape its mix.
        weights = [[share * scenario.groups[g].month_of_year[m] for g, share in stream.groups.items()] for m in range(12)]
        seasonal = [stream.month_of_year[m] * sum(weights[m]) for m in range(12)]
        mix = [[w / sum(row) for w in row] if sum(row) else row for row in weights]
        cumulative_mix = np.cumsum(mix, axis=1)  # a group is chosen when the draw falls in its part of [0, 1)
        last_group = np.array([max((i for i, w in enumerate(row) if w > 0), default=0) for row in mix])
        horizon = scenario.horizon_hours
        weekdays, months = system.clock.calendar(math.ceil(horizon / HOURS_PER_DAY))
        rates = self._hourly_rates(stream, seasonal, weekdays, months)[: math.ceil(horizon)]
        months = np.repeat(months, 24)  # the month of each hour
        max_rate = float(rates.max())
        last_hour = len(rates) - 1
        gaps = system.streams.generator(f"arrivals.{route}.gap")
        accept = system.streams.generator(f"arrivals.{route}.accept")
        group_draws = system.streams.generator(f"arrivals.{route}.group") if len(groups) > 1 else None
        t = 0.0
        while t < horizon:
            times = np.add.accumulate(np.concatenate(([t], gaps.standard_exponential(BATCH) / max_rate)))[1:]
            t = float(times[-1])
            hours = np.minimum(times.astype(np.int64), last_hour)
            accepted = (times < horizon) & (accept.random(BATCH) * max_rate < rates[hours])
            month = months[hours[accepted]]
            if group_draws is None:
                chosen = np.zeros(len(month), dtype=np.int64)
            else:
                draws = group_draws.random(len(month))
                chosen = np.minimum((cumulative_mix[month] <= draws[:, None]).sum(axis=1), last_group[month])
            for at, group in zip(times[accepted].tolist(), groups[chosen].tolist()):
                yield env.timeout(at - env._now)
                self._next_id += 1
                self.arrive(Patient(self._next_id, 1, group, route, env._now))

    def _hourly_rates(
        self, stream: ArrivalStream, seasonal: list[float], weekdays: np.ndarray, months: np.ndarray
    ) -> np.ndarray:
        """The stream's rate in each hour of the days whose `weekdays` and `months` are given, patients an
        hour: each day's 24 hours of its weekday's profile times its month's multiplier (`seasonal`)."""
        scale = stream.daily / HOURS_PER_DAY * self.system.scenario.demand_multiplier
        week = scale * np.array(stream.hour_of_week()).reshape(7, 24)
        return (week[weekdays] * np.array(seasonal)[months][:, None]).ravel()

    def arrive(self, patient: Patient) -> None:
        """Start the journey of a new arrival or a readmission."""
        self.system.admit_patient(patient)
        self.system.env.process(self.system.journey(patient))

    # The journey through the front door ------------------------------------

    def attend(self, patient: Patient) -> Process:
        """ED and/or EAU, by the patient's door. The journey returns the pool whose place the patient
        keeps while waiting for a bed (they are a would-be admission), or None if they went home.

        Not a generator itself: the caller's `yield from` drives the door's own journey directly.
        """
        if patient.route == "gp_referral":
            return self._referral(patient)
        return self._emergency_department(patient)

    def _referral(self, patient: Patient) -> Process:
        granted = self.eau.request()
        if granted is not None:
            yield granted
        return (yield from self._assess(patient))

    def _emergency_department(self, patient: Patient) -> Process:
        system, env = self.system, self.system.env
        granted = self.cubicles.request()
        if granted is not None:
            yield granted
        patient.ed_start = env._now
        if patient.route == "ed_ambulance":
            patient.handover = patient.ed_start - patient.arrival
        treatment = self._treatment[patient.group].next()
        if treatment > 0:  # a zero-length step costs no event (textbook scenarios use them)
            yield env.timeout(treatment)
        outcome = "ward" if patient.readmission else ED_OUTCOMES[self._ed_outcome[patient.group]()]
        if outcome == "home":
            self._leave_ed(patient)
            system.leave(patient, "home", "home from ED")
            return None
        if outcome == "eau":
            granted = self.eau.request()
            if granted is not None:
                yield granted
            self._leave_ed(patient)
            system.move(patient, "eau")
            return (yield from self._assess(patient))
        patient.decision_to_admit = env._now
        return self.cubicles

    def _leave_ed(self, patient: Patient) -> None:
        patient.ed_end = self.system.env._now
        self.cubicles.release()

    def _assess(self, patient: Patient) -> Process:
        """The EAU stay of a patient who already holds an EAU place."""
        system, env = self.system, self.system.env
        patient.eau_start = env._now
        assessment = self._assessment[patient.group].next()
        if assessment > 0:
            yield env.timeout(assessment)
        if patient.readmission or self._eau_admits[patient.group]():
            patient.decision_to_admit = env._now
            return self.eau
        self.leave_front_door(patient, self.eau)
        system.leave(patient, "home", "home from EAU")
        return None

    def diverted(self, patient: Patient) -> bool:
        """Whether a would-be admission is offered admission avoidance and a place is free."""
        offered = self._avoidance_offered[patient.group]()
        return offered and self.avoidance.free >= 1 and self._avoidance_stay is not None

    def avoid_admission(self, patient: Patient, holding: Pool) -> Process:
        """A stay in admission avoidance instead of an acute bed, then home."""
        system, env = self.system, self.system.env
        assert self._avoidance_stay is not None
        self.avoidance.request()  # a place is free, so it is granted at once
        self.leave_front_door(patient, holding)
        system.move(patient, "admission_avoidance")
        patient.avoidance_start = env._now
        yield env.timeout(self._avoidance_stay.next())
        patient.avoidance_end = env._now
        self.avoidance.release()
        system.leave(patient, "home", "home after admission avoidance")
        return None

    def leave_front_door(self, patient: Patient, holding: Pool) -> None:
        """Give back the ED cubicle or EAU place the patient held."""
        if holding is self.cubicles:
            self._leave_ed(patient)
        else:
            patient.eau_end = self.system.env._now
            self.eau.release()
