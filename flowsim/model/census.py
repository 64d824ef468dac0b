"""The daily census: a midnight bed state of the whole county, taken and never acted on.

One row a day, at the scenario's `census_hour`: occupancy per bed pool,
patients waiting for a bed, stranded and super-stranded patients, the OPEL
level the wards declared (at their own `opel_hour`), medically fit patients
by delay reason, and the care hours and step-down beds in use and waited
for. It only reads.

A day's state is one tuple and the table is built from them a column at a
time at the end: a run of a textbook scenario takes tens of thousands of
censuses of a handful of patients, and a dictionary a day cost more than the
patients did. Each part of the row is made by one method with its columns
declared beside it, and the table checks that every row has as many values
as there are columns.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import add, itemgetter

import numpy as np
import pandas as pd

from flowsim.engine.clock import Clock
from flowsim.engine.pool import Pool
from flowsim.engine.register import Register
from flowsim.engine.vocabulary import AWAITING_CARE_HOME, DELAY_REASONS, DTOC_REASONS, dtoc_column, reason_column
from flowsim.results.tables import number_columns
from flowsim.scenario import HOURS_PER_DAY
from flowsim.services.wards import Wards

ACUTE_COLUMNS = (
    "opel",
    "bed_pressure",
    "acute_occupied",
    "acute_base_beds",
    "occupancy",
    "short_stay_occupied",
    "general_occupied",
    "general_beds_open",
    "waiting_for_bed",
)
FRONT_DOOR_COLUMNS = ("boarding_ed", "boarding_eau", "in_ed", "waiting_for_cubicle", "in_eau", "in_admission_avoidance")
STRANDED_COLUMNS = ("stranded", "super_stranded", "medically_fit")
CARE_HOURS_COLUMNS = ("hours_in_use", "hours_capacity", "hours_queued", "waiting")
"""Of each care-hours service, after its name: `reablement_hours_in_use`, ..., `home_care_waiting`."""
STEP_DOWN_COLUMNS = ("step_down_occupied", "step_down_beds", "step_down_waiting", "step_down_delayed")
CARE_HOME = DTOC_REASONS.index(AWAITING_CARE_HOME)
_delay_counts = itemgetter(*DELAY_REASONS)
_dtoc_counts = itemgetter(*DTOC_REASONS)


class Census:
    """Takes the county's state once a day and keeps it as a table."""

    def __init__(
        self,
        clock: Clock,
        register: Register,
        wards: Wards,
        front_door: tuple[Pool, Pool, Pool, Pool],
        care_hours: dict[str, Pool],
        step_down_beds: Pool | None,
        census_hour: int,
        warmup_days: int,
    ) -> None:
        self.clock = clock
        self.register = register
        self.wards = wards
        self.cubicles, self.boarding_spaces, self.eau_places, self.avoidance_places = front_door
        self.care_hours = care_hours
        """Each care-hours service's pool, by the service's name (`reablement`, `home_care`)."""
        self.step_down_beds = step_down_beds
        self.census_hour = census_hour
        self.warmup_days = warmup_days
        self.columns = (
            *ACUTE_COLUMNS,
            *FRONT_DOOR_COLUMNS,
            *STRANDED_COLUMNS,
            *(reason_column(reason) for reason in DELAY_REASONS),
            *(f"{name}_{column}" for name in care_hours for column in CARE_HOURS_COLUMNS),
            *(STEP_DOWN_COLUMNS if step_down_beds is not None else ()),
            "dtoc",
            *(dtoc_column(reason) for reason in DTOC_REASONS),
            "care_home_waiting",
        )
        self.rows: list[tuple[float, ...]] = []

    @property
    def timetable(self) -> tuple[float, float, Callable[[], object]]:
        """Every how many hours, from which hour of the run, what it does: a row a day at the census hour."""
        return HOURS_PER_DAY, self.census_hour, self.record

    def record(self) -> None:
        self.rows.append(self.take())

    def take(self) -> tuple[float, ...]:
        """The state of the county now, in the order of `columns`."""
        delayed, in_step_down = self.register.waiting["acute"], self.register.waiting["step_down"]
        dtoc = tuple(map(add, _dtoc_counts(delayed), _dtoc_counts(in_step_down)))
        return (
            *self._acute(),
            *self._front_door(),
            *self.wards.stranded(),
            self.wards.medically_fit,
            *_delay_counts(delayed),
            *self._care_hours(),
            *self._step_down(sum(in_step_down.values())),
            sum(dtoc),
            *dtoc,
            dtoc[CARE_HOME],
        )

    def _acute(self) -> tuple[float, ...]:
        """`ACUTE_COLUMNS`: the beds, and the OPEL level and bed pressure the wards last declared."""
        wards = self.wards
        occupied, base_beds = wards.occupied(), wards.base_beds()
        return (
            wards.opel,
            wards.bed_pressure,
            occupied,
            base_beds,
            occupied / max(base_beds, 1.0),
            wards.short_stay.in_use,
            wards.general.in_use,
            wards.general.capacity,
            wards.waiting_for_bed(),
        )

    def _front_door(self) -> tuple[float, ...]:
        """`FRONT_DOOR_COLUMNS`: would-be admissions waiting in the ED and the EAU, patients in the ED
        (in cubicles or boarding spaces), waiting for a cubicle, in the EAU and in admission avoidance."""
        present = self.register.present
        return (
            sum(1 for p in present["ed"] if p.decision_to_admit == p.decision_to_admit),  # NaN until decided
            sum(1 for p in present["eau"] if p.decision_to_admit == p.decision_to_admit),
            self.cubicles.in_use + self.boarding_spaces.in_use,
            len(self.cubicles.waiting),
            self.eau_places.in_use,
            self.avoidance_places.in_use,
        )

    def _care_hours(self) -> list[float]:
        """`CARE_HOURS_COLUMNS` of each care-hours service. The hours asked for by people waiting are a running
        total of fractional hours, which can end a rounding error below zero when the line empties: read as 0."""
        return [
            value
            for pool in self.care_hours.values()
            for value in (pool.in_use, pool.capacity, max(pool.queued_units, 0.0), len(pool.waiting))
        ]

    def _step_down(self, delayed: int) -> tuple[float, ...]:
        """`STEP_DOWN_COLUMNS`, if the county has step-down beds (`delayed`: patients in them waiting to move on)."""
        beds = self.step_down_beds
        return () if beds is None else (beds.in_use, beds.capacity, len(beds.waiting), delayed)

    def table(self) -> pd.DataFrame:
        """One row a census: its date and whether it fell in the warm-up, then `columns`, each of the
        type its values have (counts are integers)."""
        days = len(self.rows)
        kinds = [type(value) for value in self.rows[0]] if self.rows else [float] * len(self.columns)
        return pd.DataFrame(
            {
                "date": self.clock.dates(days),
                "warmup": np.arange(days) < self.warmup_days,
                **number_columns(self.rows, days, self.columns, kinds),
            }
        )
