"""The record of one patient episode: who, by which door, and when each step happened.

Times are simulation hours. Steps a patient never took stay NaN. One record
is one episode: a readmission is a new episode of the same patient. The
results module turns these records into the per-patient table.
"""

from __future__ import annotations

from dataclasses import dataclass

NAN = float("nan")


@dataclass(slots=True, eq=False)
class Patient:
    """One episode of care, filled in as the patient moves through the county."""

    patient_id: int
    episode: int
    group: str
    route: str
    arrival: float
    readmission: bool = False
    handover: float = NAN
    ed_start: float = NAN
    ed_end: float = NAN
    eau_start: float = NAN
    eau_end: float = NAN
    decision_to_admit: float = NAN
    avoidance_start: float = NAN
    avoidance_end: float = NAN
    ward: str = ""
    bed_start: float = NAN
    medically_fit: float = NAN
    pathway: int = -1
    acute_discharge: float = NAN
    step_down_start: float = NAN
    step_down_end: float = NAN
    reablement_start: float = NAN
    reablement_end: float = NAN
    home_care_start: float = NAN
    home_care_end: float = NAN
    care_home_start: float = NAN
    left: float = NAN
    death: float = NAN
    """When the patient died: in an acute bed, a step-down bed or reablement (then also `left`), or at home
    within 91 days of leaving the acute bed."""
    destination: str = ""
    place: str = ""
    waiting_for: str = ""
    waiting_since: float = NAN
