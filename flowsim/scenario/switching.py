"""Switching: discharge decisions that use whichever service has room.

A county with spare reablement hours does not leave them idle while people
wait in beds. Three decisions, each for the share of people clinically
suitable for it, each taken only when the other service has room to spare
(no one waiting for it and the capacity free):

- bridging: someone waiting in a bed for a home care package goes home on
  reablement, which looks after them until the package starts;
- discharge to assess: someone waiting in an acute bed for a step-down bed
  goes home with reablement instead, and is assessed there;
- the reverse: someone waiting in an acute bed for reablement takes a free
  step-down bed instead.
"""

from __future__ import annotations

from pydantic import Field

from flowsim.scenario.base import Model, Probability

SWITCHES = ("bridging", "discharge_to_assess", "step_down_for_reablement")
"""The switches, by the names their KPIs carry."""


class Switching(Model):
    """Who may switch to a service with room to spare (0, the default: nobody)."""

    bridging_share: Probability = Field(
        default=0.0,
        description="share of people waiting in a bed for a home care package suitable to go home on reablement "
        "until it starts, when reablement has spare hours",
    )
    discharge_to_assess_share: Probability = Field(
        default=0.0,
        description="share of people waiting in an acute bed for a step-down bed suitable to go home with "
        "reablement instead (discharge to assess), when reablement has spare hours",
    )
    step_down_for_reablement_share: Probability = Field(
        default=0.0,
        description="share of people waiting in an acute bed for reablement suitable for a step-down bed "
        "instead, when one is free",
    )

    def shares(self) -> dict[str, float]:
        """Each switch's share suitable, by the switch's name."""
        return dict(zip(SWITCHES, (self.bridging_share, self.discharge_to_assess_share, self.step_down_for_reablement_share)))
