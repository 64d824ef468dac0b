"""Shared by the tests: queueing-theory formulas, confidence intervals and the validation scenarios."""

import math
from pathlib import Path

import pandas as pd

from flowsim.statistics import t_interval

VALIDATION = Path(__file__).parents[1] / "scenarios" / "validation"
MMC = VALIDATION / "mmc.yaml"
TWO_STAGE = VALIDATION / "two_stage.yaml"
ERLANG_A = VALIDATION / "erlang_a.yaml"


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load `load`."""
    terms = [math.exp(k * math.log(load) - math.lgamma(k + 1)) for k in range(servers)]
    last = math.exp(servers * math.log(load) - math.lgamma(servers + 1)) * servers / (servers - load)
    return last / (sum(terms) + last)


def erlang_a(arrival_rate: float, service_rate: float, servers: int, patience_rate: float) -> tuple[float, float]:
    """Mean queue and share who abandon in an M/M/c+M queue, from its birth-death chain (truncated far out)."""
    weights, queue = [1.0], [0.0]
    for n in range(1, 2000):
        leaving = min(n, servers) * service_rate + max(n - servers, 0) * patience_rate
        weights.append(weights[-1] * arrival_rate / leaving)
        queue.append(max(n - servers, 0))
    total = sum(weights)
    mean_queue = sum(w * q for w, q in zip(weights, queue)) / total
    return mean_queue, patience_rate * mean_queue / arrival_rate


def interval(values: list[float]) -> tuple[float, float]:
    """The 95% Student t interval of the mean of `values`, as flowsim reports it."""
    bounds = t_interval(pd.Series(values))
    return bounds["lower"], bounds["upper"]
