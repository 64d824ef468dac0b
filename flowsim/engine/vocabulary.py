"""The model's words: the places a patient can be, the exits, and the reasons a patient waits.

Every service records a wait under one of `DELAY_REASONS`, and the census
and the KPIs count them by the same words. A delayed transfer of care (DTOC),
as NHS England counts it, is a medically fit patient in an acute or
step-down bed waiting for a service: every reason but the discharge slot.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

Process = Generator[simpy.Event, Any, Any]
"""A SimPy process: what a step of a journey is."""

IN_SYSTEM = ("ed", "eau", "admission_avoidance", "acute", "step_down", "reablement", "home_care")
"""The places the register tracks patients in."""
EXITS = ("home", "care_home", "died")
"""How patients leave the system."""
DIED_IN_HOSPITAL = "died in hospital"
DIED_IN_STEP_DOWN = "died in a step-down bed"
DIED_IN_REABLEMENT = "died during reablement"
"""The destinations of the exit "died": where the patient died."""

AWAITING_ASSESSMENT = "awaiting assessment"
PATIENT_CHOICE = "patient or family choice"
AWAITING_REABLEMENT = "awaiting reablement"
AWAITING_HOME_CARE = "awaiting home care package"
AWAITING_STEP_DOWN = "awaiting step-down bed"
AWAITING_CARE_HOME = "awaiting care home"
AWAITING_DISCHARGE_SLOT = "awaiting discharge slot"
OTHER_ARRANGEMENTS = "home with other arrangements after waiting"
"""The destination of someone who left a waiting list (reablement, home care, step-down) for support the model does not hold."""

DELAY_REASONS = (
    AWAITING_ASSESSMENT,
    PATIENT_CHOICE,
    AWAITING_REABLEMENT,
    AWAITING_HOME_CARE,
    AWAITING_STEP_DOWN,
    AWAITING_CARE_HOME,
    AWAITING_DISCHARGE_SLOT,
)


DTOC_REASONS = tuple(r for r in DELAY_REASONS if r != AWAITING_DISCHARGE_SLOT)
"""Reasons that make a delayed transfer of care (DTOC) as NHS England counts it: a medically fit
patient in an acute or step-down bed waiting for a service. A wait for the day's discharge slot is not one."""

RED_DAY = "red day"
"""The delays-table reason of a red day inside the clinical stay, before the patient is medically fit:
`red day: <internal wait>`. Not a delayed transfer of care, and not one of `DELAY_REASONS`."""


def red_day_reason(wait: str) -> str:
    """The delays-table reason of red days from an internal wait: 'red day: diagnostics'."""
    return f"{RED_DAY}: {wait}"


def slug(reason: str) -> str:
    """A delay reason as a name: 'awaiting step-down bed' -> 'awaiting_step_down_bed'."""
    return reason.replace(" ", "_").replace("-", "_")


def reason_column(reason: str) -> str:
    """The census column of medically fit patients in acute beds waiting for `reason`."""
    return "delayed_" + slug(reason)


def dtoc_column(reason: str) -> str:
    """The census column of delayed transfers (acute and step-down beds) waiting for `reason`."""
    return "dtoc_" + slug(reason)
