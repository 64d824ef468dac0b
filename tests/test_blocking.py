"""Delays behind a capacity-limited pathway must match queueing theory."""

import numpy as np

import flowsim
from tests.queueing import TWO_STAGE, erlang_c, interval


def test_delayed_patients_are_the_mmc_queue_of_the_pathway() -> None:
    scenario = flowsim.load_scenario(TWO_STAGE, {"days": 1500})
    arrival_rate, stay, beds = 3.0, 6.0, 20
    load = arrival_rate * stay
    expected_queue = erlang_c(beds, load) * load / (beds - load)
    delayed = []
    for replication in range(8):
        result = flowsim.simulate(scenario, seed=11, replication=replication)
        delayed.append(result.kpi("delayed_bed_days_per_day"))
    low, high = interval(delayed)
    assert low <= expected_queue <= high, f"Lq {expected_queue:.3f} outside [{low:.3f}, {high:.3f}]"
    assert np.mean(delayed) > 0
