"""Runaway queues: a replication whose queues grow without bound is stopped and flagged, never reported as a result.

Near saturation a queue can grow all year: the ED's queue for a cubicle when
every bed is full and every boarder keeps a cubicle, a waiting list a
service can never clear. Such a run has no steady state to report, and left
alone it fills memory. So every day the watch reads each queue (the ED's and
the EAU's queues for a place, patients waiting for a bed, medically fit
patients in acute beds, and each community service's waiting list):

- a queue longer than its **ceiling** (`runaway.ceiling_days` days' worth of
  the county's expected arrivals, at least `runaway.ceiling_floor` people,
  and for a queue held in beds or places, more than they can hold) has run
  away: the replication stops that day, flagged;
- at the end of a run, a queue that rose through the last
  `runaway.trend_days` days (rank correlation with time of at least
  `runaway.trend_correlation`) to more than half its ceiling is flagged too:
  it was still growing, towards its ceiling, when the run ended.

The flag names the queue and the day; experiments, reports and rankings read
it from the KPIs (`runaway`, `runaway_day`, `runaway_<queue>`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from scipy import stats

from flowsim.results.pressure import Runaway
from flowsim.scenario import HOURS_PER_DAY, Scenario


def ceiling(scenario: Scenario, holds: float = 0.0) -> float:
    """The longest a queue may be: `ceiling_days` of the county's expected arrivals a day, at least the
    floor, and half as much again as the beds or places that hold it (`holds`), which it cannot outgrow."""
    daily = sum(stream.daily for stream in scenario.arrivals.streams().values()) * scenario.demand_multiplier
    return max(scenario.runaway.ceiling_floor, scenario.runaway.ceiling_days * daily, 1.5 * holds)


class RunawayWatch:
    """Reads each queue once a day; `stop` is called at once when one passes the ceiling."""

    def __init__(
        self,
        queues: Mapping[str, tuple[Callable[[], float], float]],
        stop: Callable[[], None],
    ) -> None:
        self.queues = {name: length for name, (length, _) in queues.items()}
        self.ceilings = {name: ceiling for name, (_, ceiling) in queues.items()}
        self.stop = stop
        self.lengths: dict[str, list[float]] = {name: [] for name in self.queues}
        self._watched = [(name, length, self.lengths[name], self.ceilings[name]) for name, length in self.queues.items()]
        """Each queue's name, length, lengths so far and ceiling, for the daily reading."""
        self.found: Runaway | None = None
        self.days_read = 0

    @property
    def timetable(self) -> tuple[float, float, Callable[[], object]]:
        """Every how many hours, from which hour of the run, what it does: a reading at the start of each day."""
        return HOURS_PER_DAY, 0, self.read

    def read(self) -> bool:
        """Read each queue at the start of a day; False, the run stopped, once one has passed its ceiling."""
        day = self.days_read
        self.days_read += 1
        for name, length, lengths, ceiling in self._watched:
            now = length()
            lengths.append(now)
            if now > ceiling and self.found is None:
                self.found = Runaway(name, day, now, ceiling, stopped=True)
        if self.found is not None:
            self.stop()
            return False
        return True

    def still_growing(self, days: int, correlation: float) -> Runaway | None:
        """At the end of a run: the first queue that rose through its last `days` days to more than half
        its ceiling, or None."""
        for name, lengths in self.lengths.items():
            last = np.asarray(lengths[-days:], dtype=float)
            ceiling = self.ceilings[name]
            if len(last) < days or last[-1] <= ceiling / 2 or np.ptp(last) == 0:
                continue
            rho = stats.spearmanr(np.arange(len(last)), last).statistic
            if rho >= correlation:
                return Runaway(name, len(lengths) - days, float(last[-1]), ceiling, stopped=False)
        return None
