"""A system under pressure, in figures: queues that ran away, boarders, waits for a bed and crews released.

A run whose queue grew without bound (`flowsim.model.runaway`) carries its
`Runaway` record; its KPIs say so (`runaway`, `runaway_day`, and
`runaway_<queue>` for each queue watched), so experiments, reports and
rankings can flag it after the tables are written and read back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowsim.scenario import HOURS_PER_DAY, Scenario
from flowsim.scenario.escalation import rule_slug

@dataclass(frozen=True)
class Runaway:
    """The queue that ran away, the simulation day it was found, its length then and its ceiling."""

    queue: str
    day: int
    length: float
    ceiling: float
    stopped: bool
    """True if the run was stopped there (ceiling); False if flagged at the end (still growing)."""

    def describe(self, warmup_days: int) -> str:
        """In words: which queue, how long, and from when."""
        day = self.day - warmup_days
        when = f"day {day} of the results period" if day >= 0 else f"day {self.day} of the warm-up"
        what = queue_label(self.queue)
        if self.stopped:
            return f"the {what} reached {self.length:,.0f} (ceiling {self.ceiling:,.0f}) on {when}; the run was stopped"
        return f"the {what} was still growing at the end of the run ({self.length:,.0f}, ceiling {self.ceiling:,.0f}), from {when}"


QUEUE_LABELS = {
    "ed_queue": "queue for an ED cubicle",
    "eau_queue": "queue for an EAU place",
    "waiting_for_bed": "number of patients waiting for a bed",
    "medically_fit": "number of medically fit patients in acute beds",
}
"""The watched queues in words; a community service's is its '<service> waiting list'."""


def queue_label(queue: str) -> str:
    """The watched queue in words: 'queue for an ED cubicle', 'home care waiting list'."""
    return QUEUE_LABELS.get(queue, queue.replace("_", " "))



def runaway_kpis(runaway: Runaway | None, watched: tuple[str, ...], scenario: Scenario) -> dict[str, float]:
    """The runaway flags: whether, from which results-period day, and which queue."""
    return {
        "runaway": float(runaway is not None),
        "runaway_day": runaway.day - scenario.warmup_days if runaway else math.nan,
        **{f"runaway_{queue}": float(runaway is not None and runaway.queue == queue) for queue in watched},
    }


def boarders_by_hour(patients: pd.DataFrame, days: int) -> pd.Series:
    """The mean number of patients waiting for a bed (from the decision to admit until they take a
    bed, an admission avoidance place, or the run ends) at each hour of the day over the results
    period, sampled on the hour; `patients` in hours from the results period's start."""
    end = days * HOURS_PER_DAY
    waited = patients.decision_to_admit.notna().to_numpy()
    decided = patients.decision_to_admit.to_numpy(dtype=float)[waited]
    until = patients.bed_start.fillna(patients.avoidance_start).fillna(end).to_numpy(dtype=float)[waited]
    waiting = _by_each_hour(decided, int(end)) - _by_each_hour(until, int(end))
    by_hour = waiting.reshape(days, 24).mean(axis=0) if days else np.full(24, math.nan)
    return pd.Series(by_hour, index=pd.RangeIndex(24, name="hour"), name="boarders")


def _by_each_hour(times: np.ndarray, hours: int) -> np.ndarray:
    """How many of `times` are at or before each whole hour 0 .. `hours` - 1, counted at the first whole
    hour at or after each time: no sort and no search (with them, M/M/c's pressure KPIs took 3.5 ms; now 1.4)."""
    first_hour = np.clip(np.ceil(times), 0, hours).astype(np.int64)
    return np.cumsum(np.bincount(first_hour, minlength=hours + 1)[:hours])


def pressure_kpis(scenario: Scenario, patients: pd.DataFrame) -> dict[str, float]:
    """The 95th percentile wait for a bed, ED stays over 12 hours from arrival, crews released from
    handover, and boarders through the day."""
    days = scenario.days
    end = days * HOURS_PER_DAY
    # numpy arrays, not filtered frames: a textbook run's KPIs are a good part of its cost
    decided = patients.decision_to_admit.to_numpy(dtype=float)
    admitted = (decided >= 0) & (decided < end) & patients.avoidance_start.isna().to_numpy()
    bed_wait = patients.bed_start.fillna(end).to_numpy(dtype=float)[admitted] - decided[admitted]
    arrival = patients.arrival.to_numpy(dtype=float)
    in_period = (arrival >= 0) & (arrival < end)
    ed = patients.route.isin(("ed_walk_in", "ed_ambulance")).to_numpy(dtype=bool) & in_period
    in_ed = patients.ed_end.fillna(end).to_numpy(dtype=float)[ed] - arrival[ed]
    ambulance = patients.handover.to_numpy(dtype=float)[(patients.route == "ed_ambulance").to_numpy(dtype=bool) & in_period]
    limit = scenario.ed.max_handover_hours
    released = float((ambulance >= limit - 1e-9).sum()) if limit is not None else 0.0
    boarders = boarders_by_hour(patients, days)
    return {
        "ed_stays_over_12h": float((in_ed > 12.0).sum()),
        "bed_wait_p95_hours": float(np.percentile(bed_wait, 95)) if len(bed_wait) else math.nan,
        "crews_released_per_day": released / days,
        "boarders_mean": float(boarders.mean()),
        "boarders_peak_hour": float(boarders.idxmax()) if boarders.notna().any() else math.nan,
        "boarders_at_peak_hour_mean": float(boarders.max()),
    }


@dataclass(frozen=True)
class EscalationUse:
    """What the escalation plan used over the results period (see `flowsim.model.escalation`)."""

    rule_days: dict[str, float]
    """Days each rule was active, by rule name."""
    rule_starts: dict[str, int]
    escalation_bed_days: float
    extra_acute_bed_days: float
    extra_discharge_slots: float
    same_day_discharges: int
    admissions_avoided_under_pressure: int
    ambulances_diverted: int
    spot_reablement_hours: float
    spot_home_care_hours: float
    spot_step_down_bed_days: float


def escalation_kpis(use: EscalationUse, scenario: Scenario) -> dict[str, float]:
    """The use of every escalation rule and action over the results period, and the price of what was bought."""
    costs = scenario.costs
    spot = [
        (use.spot_reablement_hours, costs.spot_reablement_hour),
        (use.spot_home_care_hours, costs.spot_home_care_hour),
        (use.spot_step_down_bed_days, costs.spot_step_down_bed_day),
    ]
    bought = [amount for amount, _ in spot if amount > 0]
    priced = [amount * price for amount, price in spot if amount > 0 and price is not None]
    cost = sum(priced) if len(priced) == len(bought) else math.nan  # unpriced purchases: no cost, not zero
    return {
        **{
            kpi: value
            for name, days in use.rule_days.items()
            for kpi, value in ((f"rule_{rule_slug(name)}_days_active", days), (f"rule_{rule_slug(name)}_starts", float(use.rule_starts[name])))
        },
        "escalation_bed_days": use.escalation_bed_days,
        "extra_acute_bed_days": use.extra_acute_bed_days,
        "extra_discharge_slots": use.extra_discharge_slots,
        "same_day_discharges": float(use.same_day_discharges),
        "admissions_avoided_under_pressure": float(use.admissions_avoided_under_pressure),
        "ambulances_diverted": float(use.ambulances_diverted),
        "spot_reablement_hours": use.spot_reablement_hours,
        "spot_home_care_hours": use.spot_home_care_hours,
        "spot_step_down_bed_days": use.spot_step_down_bed_days,
        "spot_purchase_cost": cost,
    }

