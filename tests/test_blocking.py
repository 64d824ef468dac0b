"""Delays behind a capacity-limited pathway must match queueing theory."""

import numpy as np

import flowsim
from flowsim.engine.vocabulary import OTHER_ARRANGEMENTS
from tests.queueing import ERLANG_A, TWO_STAGE, erlang_a, erlang_c, interval


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


def test_a_waiting_list_people_leave_is_the_erlang_a_queue() -> None:
    """More demand than packages (load 18 on 16): the list settles only because people make other arrangements."""
    scenario = flowsim.load_scenario(ERLANG_A)
    expected_queue, expected_abandoned = erlang_a(arrival_rate=3.0, service_rate=1 / 6, servers=16, patience_rate=1 / 5)
    waiting, abandoned = [], []
    for replication in range(8):
        result = flowsim.simulate(scenario, seed=5, replication=replication)
        waiting.append(result.kpi("dtoc_awaiting_home_care_package_mean"))
        left = result.patients[(result.patients.acute_discharge >= 0) & (result.patients.acute_discharge < scenario.days * 24)]
        abandoned.append((left.destination == OTHER_ARRANGEMENTS).mean())
    for name, values, expected in (("queue", waiting, expected_queue), ("abandoned", abandoned, expected_abandoned)):
        low, high = interval(values)
        assert low <= expected <= high, f"{name} {expected:.4f} outside [{low:.4f}, {high:.4f}]"
    assert expected_abandoned > 0.1, "the test must be in the regime where leaving the list matters"
