"""The daily census: a midnight bed state of the whole county, taken and never acted on.

One row a day, at the scenario's `census_hour`: occupancy per bed pool,
patients waiting for a bed, stranded and super-stranded patients, the OPEL
level the wards declared, medically fit patients by delay reason, and the
care hours and step-down beds in use and waited for. It only reads: OPEL is
declared by the wards at their own hour.
"""

from __future__ import annotations

from collections.abc import Generator
from operator import add, itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import simpy

from flowsim.engine.vocabulary import (
    AWAITING_CARE_HOME,
    DELAY_REASONS,
    DTOC_REASONS,
    dtoc_column,
    reason_column,
)
from flowsim.results.tables import number_columns
from flowsim.scenario import HOURS_PER_DAY

if TYPE_CHECKING:
    from flowsim.model.system import System

STATE_COLUMNS = (
    "opel",
    "bed_pressure",
    "acute_occupied",
    "acute_base_beds",
    "occupancy",
    "short_stay_occupied",
    "general_occupied",
    "general_beds_open",
    "waiting_for_bed",
    "boarding_ed",
    "boarding_eau",
    "in_ed",
    "waiting_for_cubicle",
    "in_eau",
    "in_admission_avoidance",
    "stranded",
    "super_stranded",
    "medically_fit",
)
"""The census's columns of the acute hospital and its front door, after the date and the warm-up flag."""


CARE_HOURS_COLUMNS = ("hours_in_use", "hours_capacity", "hours_queued", "waiting")


STEP_DOWN_COLUMNS = ("step_down_occupied", "step_down_beds", "step_down_waiting", "step_down_delayed")


CARE_HOME = DTOC_REASONS.index(AWAITING_CARE_HOME)


_delay_counts = itemgetter(*DELAY_REASONS)


_dtoc_counts = itemgetter(*DTOC_REASONS)


class Census:
    """Takes the daily bed state, and declares OPEL from it.

    A day's state is one tuple, in the order of `columns`, and the table is
    built from them a column at a time at the end: a run of a textbook
    scenario takes tens of thousands of censuses of a handful of patients,
    and a dictionary a day cost more than the patients did.
    """

    def __init__(self, system: System) -> None:
        self.system = system
        community = system.community
        self._care = [
            (name, pool) for name, pool in (("reablement", community.reablement), ("home_care", community.home_care))
            if pool is not None
        ]
        self._step_down = community.step_down
        self.columns = (
            *STATE_COLUMNS,
            *(reason_column(reason) for reason in DELAY_REASONS),
            *(f"{name}_{column}" for name, _ in self._care for column in CARE_HOURS_COLUMNS),
            *(STEP_DOWN_COLUMNS if self._step_down is not None else ()),
            "dtoc",
            *(dtoc_column(reason) for reason in DTOC_REASONS),
            "care_home_waiting",
        )
        self.rows: list[tuple[float, ...]] = []

    def start(self) -> None:
        self.system.env.process(self._daily())

    def _daily(self) -> Generator[simpy.Event, Any, Any]:
        system = self.system
        env, scenario = system.env, system.scenario
        day = 0
        while True:
            at = day * HOURS_PER_DAY + scenario.census_hour
            if at >= scenario.horizon_hours:
                return
            yield env.timeout(at - env._now)
            system.wards.declare_opel()
            self.rows.append(self.take())
            day += 1

    def take(self) -> tuple[float, ...]:
        """The state of the system now, in the order of `columns`, once today's OPEL level is declared."""
        system = self.system
        wards, front, present = system.wards, system.front_door, system.present
        occupied, base_beds = wards.occupied(), wards.base_beds()
        delayed, in_step_down = system.waiting["acute"], system.waiting["step_down"]
        dtoc = tuple(map(add, _dtoc_counts(delayed), _dtoc_counts(in_step_down)))
        care = [value for _, pool in self._care for value in (pool.in_use, pool.capacity, pool.queued_units, len(pool.waiting))]
        beds = self._step_down
        step_down = () if beds is None else (beds.in_use, beds.capacity, len(beds.waiting), sum(in_step_down.values()))
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
            sum(1 for p in present["ed"] if p.decision_to_admit == p.decision_to_admit),  # NaN until decided
            sum(1 for p in present["eau"] if p.decision_to_admit == p.decision_to_admit),
            front.cubicles.in_use,
            len(front.cubicles.waiting),
            front.eau.in_use,
            front.avoidance.in_use,
            *wards.stranded(),
            wards.medically_fit,
            *_delay_counts(delayed),
            *care,
            *step_down,
            sum(dtoc),
            *dtoc,
            dtoc[CARE_HOME],
        )

    def table(self) -> pd.DataFrame:
        """One row a census: its date and whether it fell in the warm-up, then `columns`, each of the
        type its values have (counts are integers)."""
        days = len(self.rows)
        kinds = [type(value) for value in self.rows[0]] if self.rows else [float] * len(self.columns)
        return pd.DataFrame(
            {
                "date": self.system.clock.dates(days),
                "warmup": np.arange(days) < self.system.scenario.warmup_days,
                **number_columns(self.rows, days, self.columns, kinds),
            }
        )
