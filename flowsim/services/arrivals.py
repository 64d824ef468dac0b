"""Arrivals: the three doors into the county's urgent care, as streams of patients.

Walk-ins and ambulance patients arrive at the Emergency Department (ED); GP
referrals go straight to the Emergency Assessment Unit (EAU). Each door is a
non-stationary Poisson stream whose rate follows the hour of the week and the
month of the year, times the scenario's `demand_multiplier`; each patient
group may have a season of its own (older people's admissions peak in
winter), which shifts both the door's rate and its mix of groups by month.

Arrivals are made by thinning: candidates come at the door's highest rate
and each is kept with the ratio of the rate at its hour to that maximum. A
kept arrival becomes a new patient, handed to the model (`arrive`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from flowsim.engine.clock import Clock
from flowsim.engine.environment import Environment
from flowsim.engine.patient import Patient
from flowsim.engine.pool import Pool
from flowsim.engine.randomness import BATCH, Streams
from flowsim.engine.vocabulary import Process
from flowsim.scenario import HOURS_PER_DAY, ArrivalStream
from flowsim.scenario.demand import Arrivals as ArrivalsSection
from flowsim.scenario.demand import Group


class Arrivals:
    """The open doors, each a process that hands new patients to `arrive`."""

    def __init__(
        self,
        env: Environment,
        clock: Clock,
        streams: Streams,
        doors: ArrivalsSection,
        groups: Mapping[str, Group],
        demand_multiplier: float,
        horizon: float,
        arrive: Callable[[Patient], None],
    ) -> None:
        self.env = env
        self.clock = clock
        self.streams = streams
        self.doors = doors
        self.groups = groups
        self.demand_multiplier = demand_multiplier
        self.horizon = horizon
        self.arrive = arrive
        self._next_id = 0
        self.divert_share = 0.0
        """Share of ambulance arrivals diverted to other hospitals, while an escalation rule says so."""
        self.diverted = 0
        """Ambulance arrivals diverted, since the warm-up."""
        self._diverted = streams.varying_chance("arrivals.ed_ambulance.diverted")

    def start(self) -> None:
        """Open every door with arrivals, in the order of `ARRIVAL_ROUTES`."""
        for route, stream in self.doors.streams().items():
            if stream.daily > 0:
                self.env.start(self._door(route, stream))

    def pools(self) -> list[Pool]:
        return []

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """Arrivals have no capacity: demand is changed by `demand_multiplier` and the doors' rates."""
        return {}

    def _door(self, route: str, stream: ArrivalStream) -> Process:
        """A non-stationary Poisson stream by thinning against its maximum rate.

        Candidates are drawn and thinned a batch at a time with numpy, and the
        accepted ones given their group, each stream consumed in the same
        order as one draw at a time (the times are summed left to right), so
        only the accepted arrivals cost Python work.
        """
        env, horizon = self.env, self.horizon
        groups = np.array(tuple(stream.groups), dtype=object)
        # Each month, the groups' seasonal multipliers scale the door's rate and reshape its mix.
        weights = [[share * self.groups[g].month_of_year[m] for g, share in stream.groups.items()] for m in range(12)]
        seasonal = [stream.month_of_year[m] * sum(weights[m]) for m in range(12)]
        mix = [[w / sum(row) for w in row] if sum(row) else row for row in weights]
        cumulative_mix = np.cumsum(mix, axis=1)  # a group is chosen when the draw falls in its part of [0, 1)
        last_group = np.array([max((i for i, w in enumerate(row) if w > 0), default=0) for row in mix])
        weekdays, months = self.clock.calendar(math.ceil(horizon / HOURS_PER_DAY))
        rates = self._hourly_rates(stream, seasonal, weekdays, months)[: math.ceil(horizon)]
        max_rate = float(rates.max())
        if max_rate <= 0:  # the door is closed for the whole run
            return
        months = np.repeat(months, 24)  # the month of each hour
        last_hour = len(rates) - 1
        gaps = self.streams.generator(f"arrivals.{route}.gap")
        accept = self.streams.generator(f"arrivals.{route}.accept")
        group_draws = self.streams.generator(f"arrivals.{route}.group") if len(groups) > 1 else None
        ambulance = route == "ed_ambulance"
        t = 0.0
        while t < horizon:
            times = np.add.accumulate(np.concatenate(([t], gaps.standard_exponential(BATCH) / max_rate)))[1:]
            t = float(times[-1])
            hours = np.minimum(times, last_hour).astype(np.int64)  # capped first: a huge gap casts to a negative index
            accepted = (times < horizon) & (accept.random(BATCH) * max_rate < rates[hours])
            month = months[hours[accepted]]
            if group_draws is None:
                chosen = np.zeros(len(month), dtype=np.int64)
            else:
                draws = group_draws.random(len(month))
                chosen = np.minimum((cumulative_mix[month] <= draws[:, None]).sum(axis=1), last_group[month])
            for at, group in zip(times[accepted].tolist(), groups[chosen].tolist()):
                yield env.timeout(at - env.now)
                self._next_id += 1
                if ambulance and self.divert_share > 0 and self._diverted(self.divert_share):
                    self.diverted += 1  # taken to another hospital: never enters the county's system
                    continue
                self.arrive(Patient(self._next_id, 1, group, route, env.now))

    def _hourly_rates(
        self, stream: ArrivalStream, seasonal: list[float], weekdays: np.ndarray, months: np.ndarray
    ) -> np.ndarray:
        """The stream's rate in each hour of the days whose `weekdays` and `months` are given, patients an
        hour: each day's 24 hours of its weekday's profile times its month's multiplier (`seasonal`)."""
        scale = stream.daily / HOURS_PER_DAY * self.demand_multiplier
        week = scale * np.array(stream.hour_of_week()).reshape(7, 24)
        return (week[weekdays] * np.array(seasonal)[months][:, None]).ravel()
