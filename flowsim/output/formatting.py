"""Numbers as a planner reads them, written once for the command line and the report alike.

Shares and ratios print as percentages, money in pounds, other values with
thousands separators and as many decimals as their size needs; a missing
value prints as a dash, an unbounded interval end as "unbounded". A
difference is signed, and a difference of shares is in percentage points.
The unit decides, and each measure's unit comes from the catalogue.
"""

from __future__ import annotations

import math

from flowsim.results.catalogue import PERCENT_UNITS


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | None, unit: str = "") -> str:
    """A value in its unit: shares as percentages, money in pounds, counts with thousands separators."""
    if _missing(value):
        return "—"
    assert value is not None
    if math.isinf(value):
        return "unbounded"
    if value == 0:
        return "0"
    if unit in PERCENT_UNITS:
        return f"{value:.1%}"
    if unit.startswith("GBP"):
        pounds = round(value)
        return f"-£{-pounds:,}" if pounds < 0 else f"£{pounds:,}"
    size = abs(value)
    return f"{value:,.0f}" if size >= 100 else f"{value:,.1f}" if size >= 10 else f"{value:,.2f}"


def change(value: float | None, unit: str = "") -> str:
    """A difference: shares in percentage points, others as numbers, signed."""
    if _missing(value):
        return "—"
    assert value is not None
    if unit in PERCENT_UNITS:
        return f"{value * 100:+.1f} points"
    text = number(value, unit)
    return text if text.startswith(("-", "£0")) or text == "0" else "+" + text


def interval(lower: float | None, upper: float | None, unit: str = "", signed: bool = False) -> str:
    """'lower to upper' in the unit; `signed` for an interval of a difference."""
    show = change if signed else number
    return f"{show(lower, unit)} to {show(upper, unit)}"


def percent(value: float | None) -> str:
    """A plain percentage (a relative half-width, say): a dash when missing or infinite."""
    return "—" if _missing(value) or not math.isfinite(value) else f"{value:.1%}"  # type: ignore[arg-type]
