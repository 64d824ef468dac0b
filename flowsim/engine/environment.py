"""SimPy's event loop, with the one change flowsim makes to it for speed.

A patient's journey reads the clock about fifteen times. SimPy's `now` is a
Python property, a function call on every read; here it is a property whose
getter is C-level (`operator.attrgetter`), which reads SimPy's own clock
attribute without a Python frame (62 ns against SimPy's 87 ns and the bare
attribute's 20 ns, `python -m timeit`, Python 3.11). This is the only place
flowsim touches SimPy's internals; the rest of the model reads `env.now`.

A run also pauses Python's cycle collector (`cyclic_gc_paused`): the other
speed measure of the event loop, kept here beside it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter

import simpy


class Environment(simpy.Environment):
    """SimPy's environment with a cheaper `now`; everything else is SimPy's own."""

    now = property(attrgetter("_now"), doc="The current simulation time (hours).")  # type: ignore[assignment]

    def stop(self) -> None:
        """End the current `run()` now, once the events already due at this time are done (a run whose
        queues ran away)."""
        stop = self.event()
        stop.callbacks.append(simpy.core.StopSimulation.callback)
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
