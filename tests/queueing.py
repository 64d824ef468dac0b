"""Shared by the tests: queueing-theory formulas, confidence intervals and the validation scenarios."""

import math
from pathlib import Path

import pandas as pd

from flowsim.statistics import t_interval

VALIDATION = Path(__file__).parents[1] / "scenarios" / "validation"
MMC = VALIDATION / "mmc.yaml"
TWO_STAGE = VALIDATION / "two_stage.yaml"


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load `load`."""
    terms = [math.exp(k * math.log(load) - math.lgamma(k + 1)) for k in range(servers)]
    last = math.exp(servers * math.log(load) - math.lgamma(servers + 1)) * servers / (servers - load)
    return last / (sum(terms) + last)


def interval(values: list[float]) -> tuple[float, float]:
    """The 95% Student t interval of the mean of `values`, as flowsim reports it."""
    bounds = t_interval(pd.Series(values))
    return bounds["lower"], bounds["upper"]
