"""The event loop's shortcuts (flowsim/engine/environment.py) do what SimPy's own constructs do, event for event.

Each test runs one small model twice, once with SimPy's construct and once with flowsim's, and compares
the full log of who did what when, in order: ties at the same time are where a shortcut could differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
import simpy

from flowsim.engine.environment import Environment

Log = list[tuple[float, str]]


def _tied_model(use_shortcuts: bool, seed: int) -> Log:
    """Patients on whole-hour timeouts (so many fall at the same time) who wait for one of a few
    servers, some with a limit on the wait (the first of a grant and a timeout), some with two limits
    nested (a condition of a condition), the journeys started as processes or with `start`."""
    env = Environment()
    servers = simpy.Resource(env, capacity=2)
    draws = np.random.default_rng(seed)
    log: Log = []

    def first_of(a: simpy.Event, b: simpy.Event) -> simpy.Event:
        return env.first_of(a, b) if use_shortcuts else a | b

    def journey(name: str, limits: int) -> Iterator[simpy.Event]:
        yield env.timeout(float(draws.integers(0, 4)))
        log.append((env.now, f"{name} asks"))
        request = servers.request()
        if limits == 0:
            yield request
        elif limits == 1:
            yield first_of(request, env.timeout(float(draws.integers(0, 3))))
        else:
            yield first_of(first_of(request, env.timeout(float(draws.integers(0, 3)))), env.timeout(2.0))
        if not request.triggered:
            servers.release(request)  # gives up: withdraws the request
            log.append((env.now, f"{name} gives up"))
            return
        log.append((env.now, f"{name} served"))
        yield env.timeout(float(draws.integers(1, 3)))
        servers.release(request)
        log.append((env.now, f"{name} leaves"))

    def arrivals() -> Iterator[simpy.Event]:
        for number in range(60):
            yield env.timeout(float(draws.integers(0, 2)))
            journey_ = journey(f"p{number}", int(draws.integers(0, 3)))
            if use_shortcuts:
                env.start(journey_)
            else:
                env.process(journey_)

    env.process(arrivals())
    env.run(until=200)
    return log


@pytest.mark.parametrize("seed", range(5))
def test_start_and_first_of_keep_every_event_in_simpys_order(seed: int) -> None:
    simpy_log = _tied_model(use_shortcuts=False, seed=seed)
    assert any(what.endswith("gives up") for _, what in simpy_log), "the limits are met sometimes"
    assert _tied_model(use_shortcuts=True, seed=seed) == simpy_log


def test_an_error_in_a_started_generator_stops_the_run() -> None:
    env = Environment()

    def faulty() -> Iterator[simpy.Event]:
        yield env.timeout(1.0)
        raise ValueError("a fault in a journey")

    env.start(faulty())
    with pytest.raises(ValueError, match="a fault in a journey"):
        env.run(until=5)


def test_first_of_an_event_already_processed_fires_now() -> None:
    env = Environment()
    done = env.timeout(0.0)
    env.run(until=1)  # `done` is processed
    first = env.first_of(done, env.timeout(10.0))
    env.run(until=2)
    assert first.processed


def _daily_log(shared: bool) -> Log:
    """Three actions at the same hours, as three loops or one; the second stops itself on day 3."""
    env = Environment()
    log: Log = []

    def action(name: str, stop_on: float | None = None) -> Callable[[], object]:
        def act() -> object:
            log.append((env.now, name))
            env.timeout(0.0).callbacks.append(lambda _: log.append((env.now, f"after {name}")))  # due now
            return False if env.now == stop_on else None

        return act

    actions = (action("review"), action("census", stop_on=72.0), action("watch"))
    if shared:
        env.every(24.0, 0.0, 24.0 * 6, *actions)
    else:
        for act in actions:
            env.every(24.0, 0.0, 24.0 * 6, act)
    env.run(until=24.0 * 7)
    return log


def test_actions_sharing_a_timetable_run_as_their_own_loops_would() -> None:
    log = _daily_log(shared=True)
    assert log == _daily_log(shared=False)
    assert sum(what == "census" for _, what in log) == 4, "the census stopped itself after its fourth day"
    assert sum(what == "review" for _, what in log) == 6
