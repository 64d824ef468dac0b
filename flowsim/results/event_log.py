"""The event log of one run, in the form vidigi animates: patients moving through the county.

vidigi (an animation library for discrete-event simulations) reads one row
per event: the entity, the event's type (`arrival_departure`, `queue`,
`resource_use`, `resource_use_end`), the event's name (the place on the
screen), the time, and for a held place the number of the place. It decides
where a patient is at any moment from their latest event, so a patient is in
one place at a time.

The log is built from the run's records after the run (the patient table's
times and the delays table), not by watching the model as it runs:

- arrival, then a wait for an ED cubicle, the ED cubicle, the EAU place or
  an admission avoidance place, a wait for an acute bed;
- an acute bed while in treatment; once medically fit, each wait in the
  queue of its reason (awaiting reablement, a step-down bed, a care home,
  assessment, a discharge slot, patient choice), from the delays table: the
  patient still holds the bed, but shows in the queue of what they wait for,
  so the bed icons count patients in treatment;
- a step-down bed, then reablement or home care (care hours, no numbered
  places) or a care home placement, and departure when the episode ends (at
  the end of the run for those still in the system, as vidigi assumes).

Times are hours from the start of the warm-up (`TIME_UNIT`), so the log
starts at zero and the warm-up is not cut out: vidigi is given its length
(`warm_up`) and starts the animation there, keeping everyone already in the
system on screen. Places are numbered per kind of place, each patient taking
the lowest number free when they arrive, so no two patients share one.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from flowsim.engine.vocabulary import slug
from flowsim.results.tables import RunResult

TIME_UNIT = "hours"
"""The unit of the log's `time`, as vidigi's `simulation_time_unit` names it."""

HELD_PLACES = (
    ("ed_start", "ed_end", "ed_cubicle"),
    ("eau_start", "eau_end", "eau_place"),
    ("avoidance_start", "avoidance_end", "admission_avoidance_place"),
    ("bed_start", "medically_fit", "acute_bed"),
    ("step_down_start", "step_down_end", "step_down_bed"),
)
"""Places a patient holds, numbered: (start column, end column, event name)."""

SERVICES = (("reablement_start", "reablement"), ("home_care_start", "home_care"), ("care_home_start", "care_home"))
"""Services without numbered places (care hours, care homes): (start column, event name)."""

COLUMNS = ("entity_id", "patient_id", "episode", "event_type", "event", "time", "resource_id", "pathway", "run")
"""The log's columns: `entity_id` numbers episodes; `pathway` is the discharge pathway ('pathway 0' to
'pathway 3', or 'not admitted'); `run` is the replication."""


def event_log(result: RunResult) -> pd.DataFrame:
    """The vidigi event log of one replication, sorted by time (see the module's docstring)."""
    patients = result.patients.reset_index(drop=True)
    shift = result.scenario.warmup_hours
    end = result.scenario.horizon_hours
    entity = pd.Series(np.arange(1, len(patients) + 1), index=patients.index)
    time = {column: patients[column] + shift for column in patients.columns if patients[column].dtype == float}
    parts = [_events(entity, time["arrival"], "arrival_departure", "arrival")]
    ready_for_ed = time["ed_start"] > time["arrival"]
    parts.append(_events(entity[ready_for_ed], time["arrival"][ready_for_ed], "queue", "wait_for_ed_cubicle"))
    left_front_door = pd.concat([time["decision_to_admit"], time["ed_end"], time["eau_end"]], axis=1).max(axis=1)
    waited = time["decision_to_admit"].notna() & ~(time["bed_start"] <= left_front_door) & time["avoidance_start"].isna()
    parts.append(_events(entity[waited], left_front_door[waited], "queue", "wait_for_acute_bed"))
    for start, stop, name in HELD_PLACES:
        held = time[start].notna()
        ends = time[stop][held].fillna(time["acute_discharge"][held]).fillna(end)
        ids = _place_numbers(time[start][held].to_numpy(), ends.to_numpy())
        parts.append(_events(entity[held], time[start][held], "resource_use", name, ids))
        parts.append(_events(entity[held], ends, "resource_use_end", name, ids))
    parts.append(_waits(result, entity, shift))
    for start, name in SERVICES:
        used = time[start].notna()
        parts.append(_events(entity[used], time[start][used], "queue", name))
    departure = time["left"].fillna(end)
    parts.append(_events(entity, departure, "arrival_departure", "depart"))
    log = pd.concat(parts, ignore_index=True)
    log = log.merge(
        pd.DataFrame({"entity_id": entity, "patient_id": patients["patient_id"], "episode": patients["episode"],
                      "pathway": _pathway_names(patients["pathway"])}),
        on="entity_id",
    )  # fmt: skip
    log["run"] = result.replication
    order = log["event_type"].map({"arrival_departure": 0}).fillna(1).where(log["event"] != "depart", 2)
    log = log.assign(_order=order).sort_values(["time", "entity_id", "_order"], kind="stable").drop(columns="_order")
    return log[list(COLUMNS)].reset_index(drop=True)


def _pathway_names(pathways: pd.Series) -> np.ndarray:
    """Each episode's discharge pathway in words ('pathway 1'; 'not admitted' when it had none): vidigi
    groups by it, and drops entities whose pathway is missing."""
    return np.where(pathways >= 0, "pathway " + pathways.astype(str), "not admitted")


def _events(
    entity: pd.Series, time: pd.Series, kind: str, name: str | pd.Series, ids: np.ndarray | None = None
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entity_id": entity.to_numpy(),
            "event_type": kind,
            "event": name if isinstance(name, str) else name.to_numpy(),
            "time": time.to_numpy(dtype=float),
            "resource_id": pd.array(ids, dtype="Int64") if ids is not None else pd.array([pd.NA] * len(entity), dtype="Int64"),
        }
    )


def _waits(result: RunResult, entity: pd.Series, shift: float) -> pd.DataFrame:
    """The medically fit patients' waits in acute beds, from the delays table: a queue per reason."""
    delays = result.delays[result.delays["place"] == "acute"]
    keys = pd.MultiIndex.from_frame(result.patients[["patient_id", "episode"]])
    rows = keys.get_indexer(pd.MultiIndex.from_frame(delays[["patient_id", "episode"]]))
    known = rows >= 0
    names = delays["reason"][known].map(slug)
    return _events(
        pd.Series(entity.to_numpy()[rows[known]]), delays["start"][known] + shift, "queue", names.reset_index(drop=True)
    )


def _place_numbers(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A number for each stay from `starts` to `ends`: the lowest not held by another stay at its start."""
    numbers = np.zeros(len(starts), dtype=np.int64)
    busy: list[tuple[float, int]] = []  # (end, number) of the stays under way
    free: list[int] = []
    next_number = 1
    for index in np.argsort(starts, kind="stable"):
        while busy and busy[0][0] <= starts[index]:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            number = heapq.heappop(free)
        else:
            number, next_number = next_number, next_number + 1
        numbers[index] = number
        heapq.heappush(busy, (ends[index], number))
    return numbers
