"""Capacity that patients wait for: beds, places and care hours alike.

A bed is one unit of a ward's capacity; a reablement episode of 10 hours a
week is 10 units of HART's weekly hours. Both behave the same way: a patient
asks for some units, waits in line until they are free, keeps them while
being cared for, and gives them back, which lets the next in line start.
`Pool` is that line. It keeps time-weighted totals of units in use and of
people waiting, so mean occupancy and mean queue length come straight out.

Capacity can change during a run (winter funding from a date, escalation
beds opening). A cut never evicts anyone: the units close as they are
released, so what is in use never exceeds what is open.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any, Literal

import simpy

Discipline = Literal["fifo", "first_fit"]
EPSILON = 1e-9


class Pool:
    """A capacity of `capacity` units with a waiting line.

    fifo: strictly first come, first served; someone who needs more than is
    free holds up everyone behind them. first_fit: whoever fits starts, so
    small requests overtake a large one (which may then wait much longer).
    """

    def __init__(self, env: simpy.Environment, name: str, capacity: float, discipline: Discipline = "fifo") -> None:
        self.env = env
        self.name = name
        self.capacity = float(capacity)
        self.planned_capacity = float(capacity)
        self.discipline = discipline
        self.in_use = 0.0
        self.waiting: deque[tuple[float, simpy.Event]] = deque()
        self.queued_units = 0.0
        self._last_change = env.now
        self._since = env.now
        self.area_in_use = 0.0
        self.area_waiting = 0.0
        self.area_capacity = 0.0

    def request(self, units: float = 1.0) -> simpy.Event | None:
        """Ask for `units`: None if they are granted now, else an event that fires when they are.

        Granting free units at once, without an event, saves the event
        queue a step for most requests; the order of grants is unchanged.
        """
        self._accumulate()
        if not self.waiting and self.in_use + units <= self.capacity + EPSILON:
            self.in_use += units
            return None
        granted = self.env.event()
        self.waiting.append((units, granted))
        self.queued_units += units
        return granted

    def cancel(self, granted: simpy.Event) -> None:
        """Withdraw a request still in the line (the person made other arrangements)."""
        self._accumulate()
        for index, (units, event) in enumerate(self.waiting):
            if event is granted:
                del self.waiting[index]
                self.queued_units -= units
                self._serve()
                return
        raise ValueError(f"{self.name}: no such request is waiting")

    def take(self, units: float = 1.0) -> Generator[simpy.Event, Any, None]:
        """Wait until `units` are granted: `yield from pool.take()`."""
        granted = self.request(units)
        if granted is not None:
            yield granted

    def release(self, units: float = 1.0) -> None:
        """Give back `units`; closes them if capacity was cut, else serves the line."""
        self._accumulate()
        self.in_use -= units
        if self.in_use < EPSILON:
            self.in_use = 0.0
        self.capacity = max(self.planned_capacity, self.in_use)
        self._serve()

    def set_capacity(self, capacity: float) -> None:
        """Open or close units from now on; a cut takes effect as units are released."""
        self._accumulate()
        self.planned_capacity = float(capacity)
        self.capacity = max(self.planned_capacity, self.in_use)
        self._serve()

    @property
    def free(self) -> float:
        return max(0.0, self.capacity - self.in_use)

    def reset_statistics(self) -> None:
        """Start the time-weighted totals afresh (at the end of the warm-up)."""
        self._accumulate()
        self.area_in_use = self.area_waiting = self.area_capacity = 0.0
        self._since = self.env.now

    def mean_in_use(self) -> float:
        return self._mean(self.area_in_use, self.in_use)

    def mean_waiting(self) -> float:
        return self._mean(self.area_waiting, len(self.waiting))

    def mean_capacity(self) -> float:
        return self._mean(self.area_capacity, self.capacity)

    def _mean(self, area: float, current: float) -> float:
        elapsed = self.env.now - self._since
        if elapsed <= 0:
            return current
        return (area + current * (self.env.now - self._last_change)) / elapsed

    def _accumulate(self) -> None:
        now = self.env.now
        span = now - self._last_change
        if span > 0:
            self.area_in_use += self.in_use * span
            self.area_waiting += len(self.waiting) * span
            self.area_capacity += self.capacity * span
            self._last_change = now

    def _serve(self) -> None:
        if self.discipline == "fifo":
            while self.waiting and self.in_use + self.waiting[0][0] <= self.capacity + EPSILON:
                units, granted = self.waiting.popleft()
                self._grant(units, granted)
            return
        still_waiting: deque[tuple[float, simpy.Event]] = deque()
        for units, granted in self.waiting:
            if self.in_use + units <= self.capacity + EPSILON:
                self._grant(units, granted)
            else:
                still_waiting.append((units, granted))
        self.waiting = still_waiting

    def _grant(self, units: float, granted: simpy.Event) -> None:
        self.in_use += units
        self.queued_units -= units
        granted.succeed()
