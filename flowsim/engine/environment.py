"""SimPy's event loop, with the changes flowsim makes to it for speed.

A patient's journey reads the clock about ten times. SimPy's `now` is a
property, a function call on every read; here it is a plain attribute, set by
`run` before each of SimPy's own steps: one store an event instead of a call a
read (about 3% of a county run's instructions, valgrind). SimPy also binds
`env.timeout`, `env.event` and `env.process` to the environment once, but only
for its own class, so a subclass binds them itself. This is the only place
flowsim touches SimPy's internals; the rest of the model reads `env.now`.

A run also pauses Python's cycle collector (`cyclic_gc_paused`): the other
speed measure of the event loop, kept here beside it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import simpy
from simpy.core import URGENT, BoundClass, StopSimulation


class Environment(simpy.Environment):
    """SimPy's environment with a plain `now` and a `run` until a time; each event is SimPy's own `step`."""

    # A slot, not a class attribute: it shadows SimPy's property, and Python 3.11 reads a slot as fast
    # as a plain attribute (a class attribute of the same name would stop that).
    __slots__ = ("now",)
    now: float  # type: ignore[assignment]

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.now = initial_time
        # Without this every `env.timeout` builds a bound method (about 5% of a run's instructions).
        for name, attribute in vars(simpy.Environment).items():
            if type(attribute) is BoundClass:
                setattr(self, name, getattr(self, name))

    def run(self, until: float | None = None) -> None:  # type: ignore[override]
        """Process events until time `until` (hours; those due at `until` are left, as SimPy does), until
        `stop()`, or until none are left."""
        if until is not None:
            if until <= self.now:
                raise ValueError(f"until ({until}) must be later than the current time ({self.now})")
            end = simpy.Event(self)
            end._ok, end._value = True, None
            end.callbacks.append(StopSimulation.callback)
            self.schedule(end, URGENT, until - self.now)  # before any other event due at `until`
        queue, step = self._queue, self.step
        try:
            while queue:
                self.now = queue[0][0]
                step()
        except StopSimulation:
            pass

    def every(self, interval: float, first: float, until: float, action: Callable[[], object]) -> None:
        """Call `action` at `first`, then every `interval` hours (the n-th call at `n * interval + first`)
        while before `until`, until it returns False.

        The same events in the same order as a process looping over `yield env.timeout(at - env.now)`
        (it starts with an urgent event now, as `env.process` does), without a generator for SimPy to
        resume: the census, the escalation reviews and the runaway watch each run once a day or more,
        whatever the county's size.
        """
        calls = 0

        def call(_: simpy.Event) -> None:  # the first time, at the start, only to schedule the first call
            nonlocal calls
            if calls and action() is False:
                return
            at = calls * interval + first
            calls += 1
            if at < until:
                self.timeout(at - self.now).callbacks.append(call)

        start = simpy.Event(self)
        start._ok, start._value = True, None
        start.callbacks.append(call)
        self.schedule(start, URGENT)

    def stop(self) -> None:
        """End the current `run()` now, once the events already due at this time are done (a run whose
        queues ran away)."""
        stop = self.event()
        stop.callbacks.append(StopSimulation.callback)
        stop.succeed()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the event loop runs.

    A run keeps every patient record alive until its end, so the collector
    would traverse a growing heap again and again without finding garbage
    (about a quarter of a run's time, measured by benchmarks/). Reference
    counting still frees everything else at once. Inside a pause already
    under way (a run inside `simulate`), this does nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
