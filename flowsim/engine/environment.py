"""SimPy's event loop, with the changes flowsim makes to it for speed.

A patient's journey reads the clock about ten times. SimPy's `now` is a
property, a function call on every read; here it is a plain attribute, set by
`run` as it takes each event: one store an event instead of a call a read
(about 3% of a county run's instructions, valgrind). `run` steps through the
events itself, SimPy's `step` written out in its loop: a Python call an event
less, 3% of the instructions of an M/M/c run. SimPy also binds
`env.timeout`, `env.event` and `env.process` to the environment once, but only
for its own class, so a subclass binds them itself. The model's processes run
without SimPy's process event (`start`), and a wait for the first of two
events without SimPy's condition (`first_of`), in the same order of events.
This is the only place flowsim touches SimPy's internals; the rest of the
model reads `env.now`.

A run also pauses Python's cycle collector (`cyclic_gc_paused`): the other
speed measure of the event loop, kept here beside it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from heapq import heappop

import simpy
from simpy.core import URGENT, BoundClass, EventPriority, StopSimulation
from simpy.events import PENDING


class Environment(simpy.Environment):
    """SimPy's environment with a plain `now` and a `run` until a time that steps through events itself."""

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
        queue = self._queue
        try:
            while queue:  # SimPy's `step`, written out: a Python call an event less (see the module's notes)
                self.now, _, _, event = heappop(queue)
                self._now = self.now
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:  # the rest of the event's callbacks wait for the next `run`, as in SimPy
                    event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                    self.schedule(event, EventPriority(-1))
                    raise
                if not event._ok and not hasattr(event, "_defused"):  # a failure nothing handled stops the run
                    error = type(event._value)(*event._value.args)
                    error.__cause__ = event._value
                    raise error
        except StopSimulation:
            pass

    def every(self, interval: float, first: float, until: float, *actions: Callable[[], object]) -> None:
        """Call each of `actions` in turn at `first`, then every `interval` hours (the n-th time at
        `n * interval + first`) while before `until`; one that returns False is not called again.

        The same events in the same order as a process looping over `yield env.timeout(at - env.now)`
        (it starts with an urgent event now, as `env.process` does), without a generator for SimPy to
        resume: the census, the escalation reviews and the runaway watch each run once a day or more,
        whatever the county's size. Actions on the same timetable that would each have had such a loop,
        started one after the other, may share one when their events would follow each other in the
        queue every time: when none schedules an urgent event and those after the first schedule
        nothing due after now (the census and the runaway watch only read; the watch's stop is due now).
        """
        calls = 0
        live = list(actions)

        def call(_: simpy.Event) -> None:  # the first time, at the start, only to schedule the first call
            nonlocal calls, live
            if calls:
                live = [action for action in live if action() is not False]
                if not live:
                    return
            at = calls * interval + first
            calls += 1
            if at < until:
                self.timeout(at - self.now).callbacks.append(call)

        start = simpy.Event(self)
        start._ok, start._value = True, None
        start.callbacks.append(call)
        self.schedule(start, URGENT)

    def start(self, generator: Generator[simpy.Event, object, object]) -> None:
        """Run `generator` as a process that nothing waits for: a patient's journey, a door's arrivals.

        SimPy's process is itself an event, scheduled when its generator ends so that others can wait
        for it. Nothing in the model waits for a process, so that event would be a step of the event
        queue a patient to no purpose. Here the generator starts from an urgent event now and resumes
        as each event it yields is processed, as under `env.process`, and ends without an event; an
        error in it stops the run at once. The other events keep their order, so results are the same.
        """
        _Unwaited(self, generator)

    def first_of(self, *events: simpy.Event) -> simpy.Event:
        """An event that fires when the first of `events` does, as SimPy's `a | b` does, without the value
        of a condition (which events fired), which nothing in the model reads: a crew's longest handover
        and every wait with a limit build one, and SimPy's conditions cost 2% of the instructions of a
        county run with crews released after an hour (valgrind). The same events in the same order: it
        is scheduled when the first event is processed, so whoever waits on it resumes one step later,
        and two nested are two steps, as with conditions."""
        first = simpy.Event(self)

        def fire(_: simpy.Event) -> None:
            if first._value is PENDING:
                first.succeed()

        for event in events:
            if event.callbacks is None:  # processed already
                fire(event)
            else:
                event.callbacks.append(fire)
        return first

    def stop(self) -> None:
        """End the current `run()` now, once the events already due at this time are done (a run whose
        queues ran away)."""
        stop = self.event()
        stop.callbacks.append(StopSimulation.callback)
        stop.succeed()


class _Unwaited(simpy.Event):
    """A generator run by `Environment.start`, and the urgent event that starts it (one object, not
    three). A class, not a closure: a function that hands itself on as a callback refers to itself, a
    cycle only the (paused) cycle collector would free."""

    def __init__(self, env: Environment, generator: Generator[simpy.Event, object, object]) -> None:
        self.env = env
        self.generator = generator
        self._ok, self._value = True, None
        self.callbacks = [self.resume]
        env.schedule(self, URGENT)

    def resume(self, event: simpy.Event) -> None:
        """Send the generator the value of `event` (raise it, if it failed) until it yields an event
        not yet processed, or ends."""
        try:
            while True:
                if event._ok:
                    event = self.generator.send(event._value)
                else:  # a failed event is raised in the generator, which may handle it
                    event._defused = True  # type: ignore[attr-defined]
                    event = self.generator.throw(event._value)
                if event.callbacks is not None:  # not processed yet: resume when it is
                    event.callbacks.append(self.resume)
                    return
        except StopIteration:
            return


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
