"""Capacity that patients wait for: beds, places and care hours alike.

A bed is one unit of a ward's capacity; a reablement episode of 10 hours a
week is 10 units of HART's weekly hours. Both behave the same way: a patient
asks for some units, waits in line until they are free, keeps them while
being cared for, and gives them back, which lets the next in line start.
`Pool` is that line. It keeps time-weighted totals of units in use, of
people waiting and of capacity open, so mean occupancy and mean queue length
come straight out.

A request can also wait only for spare units (`spare`): it is granted when
no one is in the line and the units are free, so it never takes units from
someone waiting for them. Switching uses it: reablement hours that would sit
idle take people home from beds.

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
    """A capacity of `capacity` units with a waiting line, its statistics kept until `until` (hours).

    fifo: strictly first come, first served; someone who needs more than is
    free holds up everyone behind them. first_fit: whoever fits starts, so
    small requests overtake a large one (which may then wait much longer).

    The time-weighted totals are kept by credit: a change in units in use
    (or people waiting, or capacity open) is credited at once with the rest
    of the run, `change x (until - now)`, so a later change takes back what
    it no longer holds. Each change costs one multiplication, whatever the
    time since the last one, and the totals are exact at the end of the run.
    """

    def __init__(
        self, env: simpy.Environment, name: str, capacity: float, until: float, discipline: Discipline = "fifo"
    ) -> None:
        self.env = env
        self.name = name
        self.capacity = float(capacity)
        self.planned_capacity = float(capacity)
        self.discipline = discipline
        self.in_use = 0.0
        self.waiting: deque[tuple[float, simpy.Event]] = deque()
        self.queued_units = 0.0
        self.smallest_waiting = float("inf")  # at most the smallest request in the line (see _serve)
        self.standby: deque[tuple[float, simpy.Event]] = deque()
        """Requests for spare units (`spare`), behind the whole line, in order."""
        self.until = until
        self._since = env.now
        self.area_in_use = 0.0
        self.area_waiting = 0.0
        self.area_capacity = self.capacity * (until - env.now)

    def request(self, units: float = 1.0) -> simpy.Event | None:
        """Ask for `units`: None if they are granted now, else an event that fires when they are.

        Granting free units at once, without an event, saves the event
        queue a step for most requests; the order of grants is unchanged.
        Under fifo a newcomer joins any line; under first_fit one who fits
        starts, as anyone in the line who fits would.
        """
        joins_line = bool(self.waiting) and self.discipline == "fifo"
        if not joins_line and self.in_use + units <= self.capacity + EPSILON:
            self.in_use += units
            self.area_in_use += units * (self.until - self.env.now)
            return None
        granted = self.env.event()
        self.waiting.append((units, granted))
        self.smallest_waiting = min(self.smallest_waiting, units)
        self.queued_units += units
        self.area_waiting += self.until - self.env.now
        return granted

    def spare(self, units: float = 1.0) -> simpy.Event | None:
        """Ask for `units` only when they are spare: None if no one is in the line and they are free now,
        else an event that fires when that is so. Not counted as waiting."""
        if not self.waiting and self.in_use + units <= self.capacity + EPSILON:
            self.in_use += units
            self.area_in_use += units * (self.until - self.env.now)
            return None
        granted = self.env.event()
        self.standby.append((units, granted))
        return granted

    def cancel(self, granted: simpy.Event) -> None:
        """Withdraw a request still in the line or on standby (the person made other arrangements)."""
        for index, (_, event) in enumerate(self.standby):
            if event is granted:
                del self.standby[index]
                return
        for index, (units, event) in enumerate(self.waiting):
            if event is granted:
                del self.waiting[index]
                self.queued_units -= units
                self.area_waiting -= self.until - self.env.now
                self._serve()
                return
        raise ValueError(f"{self.name}: no such request is waiting")

    def take(self, units: float = 1.0) -> Generator[simpy.Event, Any, None]:
        """Wait until `units` are granted: `yield from pool.take()` (hot paths call `request` themselves)."""
        granted = self.request(units)
        if granted is not None:
            yield granted

    def release(self, units: float = 1.0) -> None:
        """Give back `units`; closes them if capacity was cut, else serves the line."""
        self.in_use -= units
        if self.in_use < EPSILON:
            self.in_use = 0.0
        self.area_in_use -= units * (self.until - self.env.now)
        if self.capacity > self.planned_capacity:  # a cut that waits for units to be released
            self._open(max(self.planned_capacity, self.in_use))
        if self.waiting or self.standby:
            self._serve()

    def set_capacity(self, capacity: float) -> None:
        """Open or close units from now on; a cut takes effect as units are released.

        The same capacity again changes nothing (what is open already follows
        the plan, and the line was served when it last could be), so it
        returns at once: the wards restate their beds every day.
        """
        if capacity == self.planned_capacity:
            return
        self.planned_capacity = float(capacity)
        self._open(max(self.planned_capacity, self.in_use))
        self._serve()

    @property
    def free(self) -> float:
        return max(0.0, self.capacity - self.in_use)

    def reset_statistics(self) -> None:
        """Start the time-weighted totals afresh (at the end of the warm-up)."""
        rest = self.until - self.env.now
        self.area_in_use = self.in_use * rest
        self.area_waiting = len(self.waiting) * rest
        self.area_capacity = self.capacity * rest
        self._since = self.env.now

    def mean_in_use(self) -> float:
        return self._mean(self.area_in_use, self.in_use)

    def mean_waiting(self) -> float:
        return self._mean(self.area_waiting, len(self.waiting))

    def mean_capacity(self) -> float:
        return self._mean(self.area_capacity, self.capacity)

    def _mean(self, area: float, current: float) -> float:
        """The time-weighted mean since the last reset: the credit of what is held now comes off."""
        now = self.env.now
        if now <= self._since:
            return current
        return (area - current * (self.until - now)) / (now - self._since)

    def _open(self, capacity: float) -> None:
        self.area_capacity += (capacity - self.capacity) * (self.until - self.env.now)
        self.capacity = capacity

    def _serve(self) -> None:
        if self.discipline == "fifo":
            while self.waiting and self.in_use + self.waiting[0][0] <= self.capacity + EPSILON:
                units, granted = self.waiting.popleft()
                self._grant(units, granted)
        else:
            self._serve_first_fit()
        while self.standby and not self.waiting and self.in_use + self.standby[0][0] <= self.capacity + EPSILON:
            units, granted = self.standby.popleft()
            self.in_use += units
            self.area_in_use += units * (self.until - self.env.now)
            granted.succeed()

    def _serve_first_fit(self) -> None:
        free = self.capacity + EPSILON - self.in_use
        if free < self.smallest_waiting:  # nobody fits
            return
        fitted: list[int] = []
        smallest = float("inf")
        for index, (units, _) in enumerate(self.waiting):
            if units > free:
                smallest = min(smallest, units)
                continue
            fitted.append(index)
            free -= units
            if free < self.smallest_waiting:  # nobody further on fits either
                break
        else:  # the whole line was seen: the bound is exact again
            self.smallest_waiting = smallest
        for index in fitted:
            self._grant(*self.waiting[index])
        for index in reversed(fitted):  # the rest of the line keeps its order
            del self.waiting[index]

    def _grant(self, units: float, granted: simpy.Event) -> None:
        rest = self.until - self.env.now
        self.in_use += units
        self.area_in_use += units * rest
        self.queued_units -= units
        self.area_waiting -= rest
        granted.succeed()
