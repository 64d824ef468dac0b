"""Shared by the tests: queueing-theory formulas, confidence intervals and the validation scenarios."""

import math
from pathlib import Path

import numpy as np
from scipy import stats

VALIDATION = Path(__file__).parents[1] / "scenarios" / "validation"
MMC = VALIDATION / "mmc.yaml"
TWO_STAGE = VALIDATION / "two_stage.yaml"


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load `load`."""
    terms = [math.exp(k * math.log(load) - math.lgamma(k + 1)) for k in range(servers)]
    last = math.exp(servers * math.log(load) - math.lgamma(servers + 1)) * servers / (servers - load)
    return last / (sum(terms) + last)


def interval(values: list[float]) -> tuple[float, float]:
    """The 95% Student t confidence interval of the mean of `values`."""
    mean = float(np.mean(values))
    half = stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
    return mean - half, mean + half
