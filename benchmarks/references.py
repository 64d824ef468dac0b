"""Reference queueing models that flowsim's benchmarks are measured against.

Each function runs one model, with no flowsim code involved, and returns a
``RunResult`` whose first three fields are (customers_completed, wall_seconds,
events_or_None):

* ``bare_simpy_*``: the simplest honest SimPy formulation, i.e. the engine's
  speed limit for a process-per-patient model.
* ``ciw_*``: the same model in ciw, an independent queueing-network simulator,
  so flowsim's outputs (and the bare SimPy ones) can be checked against it.

The two-stage models have blocking after service (ciw's type I blocking): a
patient who finishes acute care keeps their acute bed until a pathway place
is free. Time averages are taken over the window [warmup, horizon]; wall time
covers model construction and the run, not the post-processing of results.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from typing import NamedTuple

import ciw
import numpy as np
import simpy


class RunResult(NamedTuple):
    """Outcome of one reference run."""

    customers: int
    """Customers who left the system before the horizon."""
    wall_seconds: float
    events: int | None
    """SimPy events scheduled; None where the engine does not expose a count."""
    mean_busy: float
    """Time-average number of occupied servers at the first node (including blocked)."""
    mean_blocked: float | None = None
    """Time-average number of patients blocked at the first node (two-stage models only)."""


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


def _scheduled_events(env: simpy.Environment) -> int:
    """Events scheduled so far; SimPy numbers them with the private ``_eid`` counter."""
    return next(env._eid)


def bare_simpy_mmc(
    arrival_rate: float,
    service_rate: float,
    servers: int,
    horizon: float,
    seed: int,
    warmup: float = 0.0,
) -> RunResult:
    """M/M/c with one SimPy process per customer and a ``simpy.Resource``."""
    rng = np.random.default_rng(seed)
    mean_interarrival, mean_service = 1.0 / arrival_rate, 1.0 / service_rate
    started = time.perf_counter()
    env = simpy.Environment()
    beds = simpy.Resource(env, capacity=servers)
    busy = _WindowIntegral(warmup, horizon)
    completed = 0

    def customer() -> Generator[simpy.Event, None, None]:
        nonlocal completed
        with beds.request() as request:
            yield request
            busy.open(env.now)
            yield env.timeout(rng.exponential(mean_service))
            busy.close(env.now)
        completed += 1

    def source() -> Generator[simpy.Event, None, None]:
        while True:
            yield env.timeout(rng.exponential(mean_interarrival))
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    wall = time.perf_counter() - started
    return RunResult(completed, wall, _scheduled_events(env), busy.mean)


def bare_simpy_two_stage_blocking(
    arrival_rate: float,
    acute_service_rate: float,
    acute_servers: int,
    pathway_service_rate: float,
    pathway_servers: int,
    horizon: float,
    seed: int,
    warmup: float = 0.0,
) -> RunResult:
    """Acute beds then a pathway with no queue: patients hold their bed until a place frees."""
    rng = np.random.default_rng(seed)
    mean_interarrival = 1.0 / arrival_rate
    mean_acute, mean_pathway = 1.0 / acute_service_rate, 1.0 / pathway_service_rate
    started = time.perf_counter()
    env = simpy.Environment()
    acute = simpy.Resource(env, capacity=acute_servers)
    pathway = simpy.Resource(env, capacity=pathway_servers)
    occupied = _WindowIntegral(warmup, horizon)
    blocked = _WindowIntegral(warmup, horizon)
    completed = 0

    def patient() -> Generator[simpy.Event, None, None]:
        nonlocal completed
        bed = acute.request()
        yield bed
        occupied.open(env.now)
        yield env.timeout(rng.exponential(mean_acute))
        blocked.open(env.now)
        with pathway.request() as place:
            yield place
            blocked.close(env.now)
            acute.release(bed)
            occupied.close(env.now)
            yield env.timeout(rng.exponential(mean_pathway))
        completed += 1

    def source() -> Generator[simpy.Event, None, None]:
        while True:
            yield env.timeout(rng.exponential(mean_interarrival))
            env.process(patient())

    env.process(source())
    env.run(until=horizon)
    wall = time.perf_counter() - started
    return RunResult(completed, wall, _scheduled_events(env), occupied.mean, blocked.mean)


def _overlap(a: float, b: float, start: float, end: float) -> float:
    """Length of [a, b] inside [start, end]."""
    return max(0.0, min(b, end) - max(a, start))


def _run_ciw(network: ciw.network.Network, horizon: float, seed: int) -> tuple[ciw.Simulation, float]:
    started = time.perf_counter()
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(horizon)
    return simulation, time.perf_counter() - started


def _ciw_measures(
    simulation: ciw.Simulation, last_node: int, horizon: float, warmup: float
) -> tuple[int, float, float]:
    """Completions at ``last_node``, and mean occupied and blocked servers at node 1.

    Patients still at node 1 at the horizon are taken from ciw's incomplete records.
    """
    completed, occupied, blocked = 0, 0.0, 0.0
    for record in simulation.get_all_records(include_incomplete=True):
        if record.record_type == "service":
            if record.node == last_node:
                completed += 1
            if record.node == 1:
                occupied += _overlap(record.service_start_date, record.exit_date, warmup, horizon)
                blocked += _overlap(record.service_end_date, record.exit_date, warmup, horizon)
        elif record.record_type == "incomplete" and record.node == 1:
            if record.service_start_date is not None:
                occupied += _overlap(record.service_start_date, horizon, warmup, horizon)
            if record.service_end_date is not None:
                blocked += _overlap(record.service_end_date, horizon, warmup, horizon)
    window = horizon - warmup
    return completed, occupied / window, blocked / window


def ciw_mmc(
    arrival_rate: float,
    service_rate: float,
    servers: int,
    horizon: float,
    seed: int,
    warmup: float = 0.0,
) -> RunResult:
    """M/M/c in ciw."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=arrival_rate)],
        service_distributions=[ciw.dists.Exponential(rate=service_rate)],
        number_of_servers=[servers],
    )
    simulation, wall = _run_ciw(network, horizon, seed)
    completed, occupied, _ = _ciw_measures(simulation, 1, horizon, warmup)
    return RunResult(completed, wall, None, occupied)


def ciw_two_stage_blocking(
    arrival_rate: float,
    acute_service_rate: float,
    acute_servers: int,
    pathway_service_rate: float,
    pathway_servers: int,
    horizon: float,
    seed: int,
    warmup: float = 0.0,
) -> RunResult:
    """Acute beds then a zero-queue pathway in ciw (type I blocking after service)."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=arrival_rate), None],
        service_distributions=[
            ciw.dists.Exponential(rate=acute_service_rate),
            ciw.dists.Exponential(rate=pathway_service_rate),
        ],
        number_of_servers=[acute_servers, pathway_servers],
        queue_capacities=[math.inf, 0],
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    simulation, wall = _run_ciw(network, horizon, seed)
    completed, occupied, blocked = _ciw_measures(simulation, 2, horizon, warmup)
    return RunResult(completed, wall, None, occupied, blocked)
