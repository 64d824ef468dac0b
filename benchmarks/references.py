"""Reference queueing models that flowsim's benchmarks are measured against.

A validation scenario (`scenarios/validation/mmc.yaml`, `two_stage.yaml`)
reduces flowsim to a textbook network: Poisson arrivals to acute beds with
exponential stays, then, for the two-stage network, a pathway of a few places
with exponential stays, where a patient whose acute stay is over keeps their
bed until a place is free (blocking after service, ciw's type I blocking).
`Network.from_scenario` reads that network's parameters from the scenario
file, so the models here run exactly what flowsim runs:

* `bare_simpy`: the simplest honest SimPy formulation, one process per
  patient and a `simpy.Resource` per stage: the engine's speed limit for a
  process-per-patient model.
* `ciw_model`: the same network in ciw, an independent queueing-network
  simulator.

Wall time covers building the model, running it and reading the two time
averages the benchmarks check out of it (bare SimPy keeps them as it runs;
ciw's are read from its records afterwards), so every engine is timed to
the same answer. Time averages are taken over [warm-up, horizon].
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import NamedTuple

import ciw
import simpy

from flowsim import Scenario, System, load_scenario
from flowsim.scenario.distributions import Exponential, Fixed
from flowsim.scenario import HOURS_PER_DAY
from tests.queueing import MMC, erlang_c


@dataclass(frozen=True)
class Network:
    """Acute beds, then (two-stage only) a pathway with blocking after service; times in hours."""

    arrival_rate: float
    """Patients an hour."""
    acute_mean_stay: float
    acute_beds: int
    horizon: float
    warmup: float
    pathway_mean_stay: float | None = None
    pathway_places: int | None = None
    """None for the one-stage M/M/c network."""

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Network:
        """The network a validation scenario reduces to; ValueError for any other scenario."""
        _check_reduced(scenario)
        group = next(iter(scenario.groups.values()))
        walk_in = scenario.arrivals.ed_walk_in
        assert walk_in is not None and isinstance(group.general_los_days, Exponential)
        pathway = scenario.step_down if group.pathway.p2 == 1 else None
        return cls(
            arrival_rate=walk_in.daily * scenario.demand_multiplier / HOURS_PER_DAY,
            acute_mean_stay=group.general_los_days.mean() * HOURS_PER_DAY,
            acute_beds=scenario.wards.general_beds,
            horizon=scenario.horizon_hours,
            warmup=scenario.warmup_hours,
            pathway_mean_stay=pathway.los_days.mean() * HOURS_PER_DAY if pathway else None,
            pathway_places=pathway.beds if pathway else None,
        )

    def acute_load(self) -> float:
        """Offered load of the acute stage: mean acute beds in clinical use, lambda / mu."""
        return self.arrival_rate * self.acute_mean_stay

    def expected_blocked(self) -> float:
        """Mean patients blocked in acute beds: the queue of the pathway's M/M/c (Erlang C).

        The acute stage never fills, so it is an M/M/infinity queue, whose
        departures are Poisson (Burke's theorem): the pathway is an M/M/c
        queue whose waiting line stands in acute beds.
        """
        if self.pathway_places is None or self.pathway_mean_stay is None:
            return 0.0
        load = self.arrival_rate * self.pathway_mean_stay
        return erlang_c(self.pathway_places, load) * load / (self.pathway_places - load)


def _check_reduced(scenario: Scenario) -> None:
    """Refuse a scenario with anything the textbook network does not have."""
    (group,) = scenario.groups.values()
    stream = scenario.arrivals.ed_walk_in
    problems = {
        "one constant-rate walk-in door": stream is None
        or len(scenario.arrivals.streams()) > 1
        or len({*stream.hour_of_day, *stream.day_of_week, *stream.month_of_year}) > 1,
        "no ED or EAU time": group.ed_treatment_hours != Fixed(type="fixed", value=0) or group.ed_outcome.ward != 1,
        "exponential acute stays in general beds only": not isinstance(group.general_los_days, Exponential)
        or group.short_stay_share > 0,
        "pathway 0 or 2 for everyone": group.pathway.p0 != 1 and group.pathway.p2 != 1,
        "exponential step-down stays, then home": scenario.step_down is not None
        and (not isinstance(scenario.step_down.los_days, Exponential) or scenario.step_down.onward.home != 1),
        "no readmission, choice, assessment, avoidance or discharge limits": group.readmission_share > 0
        or group.choice_share > 0
        or group.avoidance_share > 0
        or scenario.discharge.assessment_days is not None
        or scenario.discharge.hours != (0, 24)
        or scenario.discharge.discharges_per_weekday is not None,
        "no capacity changes or initial state": bool(scenario.capacity_changes or scenario.initial_state.patients),
    }
    broken = [need for need, fails in problems.items() if fails]
    if broken:
        raise ValueError(f"{scenario.name} is not a textbook network; it needs {'; '.join(broken)}")


class RunResult(NamedTuple):
    """Outcome of one run of a network, by any engine."""

    customers: int
    """Patients who left the system before the horizon (warm-up included)."""
    wall_seconds: float
    events: int | None
    """SimPy events scheduled; None where the engine does not expose a count."""
    in_service: float
    """Time-average acute beds in clinical use (occupied, less those blocked)."""
    blocked: float
    """Time-average patients blocked in acute beds, waiting for the pathway (0 for M/M/c)."""


class _WindowIntegral:
    """Integral over [start, end] of a count that steps up and down by one.

    Every ``open(t)`` is credited until ``end``; a matching ``close(t)`` takes
    back the part after ``t``. Intervals still open at ``end`` therefore count
    in full without having to be tracked.
    """

    __slots__ = ("start", "end", "total")

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end
        self.total = 0.0

    def open(self, t: float) -> None:
        self.total += self.end - max(t, self.start)

    def close(self, t: float) -> None:
        self.total -= self.end - max(t, self.start)

    @property
    def mean(self) -> float:
        return self.total / (self.end - self.start)


def scheduled_events(env: simpy.Environment) -> int:
    """Events scheduled so far; SimPy numbers them with the private ``_eid`` counter."""
    return next(env._eid)


def machine_speed() -> float:
    """Bare SimPy's customers per second on the M/M/c network over 2,000 days, median of 3 seeds.

    Shared machines run faster and slower from one minute to the next (by a
    third on the machine of benchmarks/README.md); this reference, printed
    beside a timing, says how fast the machine was running then.
    """
    network = Network.from_scenario(load_scenario(MMC))
    runs = [bare_simpy(network, seed) for seed in (1, 2, 3)]
    return sorted(run.customers / run.wall_seconds for run in runs)[1]


def flowsim_events(scenario: Scenario, seed: int, replication: int = 0) -> int:
    """SimPy events one flowsim replication schedules, counted on a run of its own (not timed)."""
    system = System(scenario, seed, replication)
    system.run()
    return scheduled_events(system.env)


def bare_simpy(network: Network, seed: int) -> RunResult:
    """One SimPy process per patient and a ``simpy.Resource`` per stage; stdlib random draws."""
    draw: Callable[[float], float] = random.Random(seed).expovariate
    acute_rate = 1.0 / network.acute_mean_stay
    pathway_rate = 1.0 / network.pathway_mean_stay if network.pathway_mean_stay else 0.0
    started = time.perf_counter()
    env = simpy.Environment()
    acute = simpy.Resource(env, capacity=network.acute_beds)
    pathway = simpy.Resource(env, capacity=network.pathway_places) if network.pathway_places else None
    in_service = _WindowIntegral(network.warmup, network.horizon)
    blocked = _WindowIntegral(network.warmup, network.horizon)
    completed = 0

    def patient() -> Generator[simpy.Event, None, None]:
        nonlocal completed
        bed = acute.request()
        yield bed
        in_service.open(env.now)
        yield env.timeout(draw(acute_rate))
        in_service.close(env.now)
        if pathway is not None:
            blocked.open(env.now)
            place = pathway.request()
            yield place
            blocked.close(env.now)
        acute.release(bed)
        if pathway is not None:
            yield env.timeout(draw(pathway_rate))
            pathway.release(place)
        completed += 1

    def arrivals() -> Generator[simpy.Event, None, None]:
        while True:
            yield env.timeout(draw(network.arrival_rate))
            env.process(patient())

    env.process(arrivals())
    env.run(until=network.horizon)
    wall = time.perf_counter() - started
    return RunResult(completed, wall, scheduled_events(env), in_service.mean, blocked.mean)


def ciw_model(network: Network, seed: int) -> RunResult:
    """The network in ciw: node 1 the acute beds, node 2 (two-stage) the pathway with no queue.

    Acute beds that can never all be in use (more of them than patients
    expected in the whole run) are given to ciw as an infinite-server node,
    as ciw intends: it then finds the next end of service among the patients
    present instead of scanning every server at every event.
    """
    never_full = network.acute_beds > network.arrival_rate * network.horizon
    acute_servers = math.inf if never_full else network.acute_beds
    stages = [(network.acute_mean_stay, acute_servers, math.inf)]
    if network.pathway_places is not None and network.pathway_mean_stay is not None:
        stages.append((network.pathway_mean_stay, network.pathway_places, 0))
    nodes = len(stages)
    model = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=network.arrival_rate)] + [None] * (nodes - 1),
        service_distributions=[ciw.dists.Exponential(rate=1.0 / mean) for mean, _, _ in stages],
        number_of_servers=[servers for _, servers, _ in stages],
        queue_capacities=[queue for _, _, queue in stages],
        routing=[[1.0 if to == at + 1 else 0.0 for to in range(nodes)] for at in range(nodes)],
    )
    started = time.perf_counter()
    ciw.seed(seed)
    simulation = ciw.Simulation(model)
    simulation.simulate_until_max_time(network.horizon)
    completed, in_service, blocked = _ciw_averages(simulation, network, nodes)
    return RunResult(completed, time.perf_counter() - started, None, in_service, blocked)


def _overlap(a: float, b: float, start: float, end: float) -> float:
    """Length of [a, b] inside [start, end]."""
    return max(0.0, min(b, end) - max(a, start))


def _ciw_averages(simulation: ciw.Simulation, network: Network, last_node: int) -> tuple[int, float, float]:
    """Completions at ``last_node``, and the time averages in service and blocked at node 1, from ciw's records.

    Patients still at node 1 at the horizon come from ciw's incomplete
    records, where an unfinished service or block has no end date.
    """
    start, end = network.warmup, network.horizon
    completed, in_service, blocked = 0, 0.0, 0.0
    for record in simulation.get_all_records(include_incomplete=True):
        if record.record_type == "service" and record.node == last_node:
            completed += 1
        if record.node != 1 or record.service_start_date is None:
            continue
        service_end = end if record.service_end_date is None else record.service_end_date
        exit_date = end if record.exit_date is None else record.exit_date
        in_service += _overlap(record.service_start_date, service_end, start, end)
        blocked += _overlap(service_end, exit_date, start, end)
    window = end - start
    return completed, in_service / window, blocked / window
