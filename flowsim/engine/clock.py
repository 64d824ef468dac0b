"""The calendar behind simulation time: which date, weekday and month an hour falls in.

Simulation time is in hours from the start of the warm-up. Demand follows the
hour of the week and the month of the year, discharges follow the weekday, and
capacities change on dates, so every part of the model asks the clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

HOURS_PER_DAY = 24.0


class Clock:
    """Maps simulation hours to the calendar, from `start` (simulation time 0)."""

    def __init__(self, start: dt.date, days: int) -> None:
        self.start = start
        dates = np.datetime64(start, "D") + np.arange(days + 1)  # a run of 25,000 days is tabled in milliseconds
        self._dates: list[dt.date] = dates.astype(object).tolist()
        self._weekday: list[int] = ((start.weekday() + np.arange(days + 1)) % 7).tolist()
        self._month: list[int] = (dates.astype("datetime64[M]").astype(np.int64) % 12).tolist()  # months since January 1970

    def weekday(self, hours: float) -> int:
        """0 for Monday ... 6 for Sunday."""
        return self._weekday[int(hours // HOURS_PER_DAY)]

    def month(self, hours: float) -> int:
        """0 for January ... 11 for December."""
        return self._month[int(hours // HOURS_PER_DAY)]

    def calendar(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """The weekday and the month of each of the first `days` days, as `weekday` and `month` give them."""
        return np.array(self._weekday[:days]), np.array(self._month[:days])

    def hours_at(self, date: dt.date) -> float:
        """Simulation time at 00:00 on `date`."""
        return (date - self.start).days * HOURS_PER_DAY

    def date(self, hours: float) -> dt.date:
        return self._dates[int(hours // HOURS_PER_DAY)]

    def dates(self, days: int) -> list[dt.date]:
        """The first `days` dates, from `start`."""
        return self._dates[:days]
