"""The county's services, one module each, in the order a patient meets them.

Each service is built from what it needs (the event loop, the calendar, the
random streams, the register and its own part of the scenario), never from
the whole system, and imports no other service: the model
(`flowsim.model.system`) joins them into a patient's journey. Each exposes
its capacity pools and a table of the capacities a scenario can change on a
date (`Service`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flowsim.engine.pool import Pool


class Service(Protocol):
    """What the model asks of every service."""

    def pools(self) -> list[Pool]:
        """Its capacity pools, for time-weighted statistics and the warm-up reset."""
        ...

    def capacities(self) -> dict[str, Callable[[float], None]]:
        """The capacities `capacity_changes` can change, by name, each with what changes it."""
        ...
