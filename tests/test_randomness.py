"""Streams are keyed by name, so adding a source of randomness leaves the others alone."""

import pandas as pd

import flowsim
from flowsim.randomness import Streams
from tests.queueing import MMC

def test_a_stream_depends_on_its_name_not_on_what_else_exists() -> None:
    alone = Streams(5, 2).uniform("los")
    crowded = Streams(5, 2)
    crowded.uniform("another")
    among = crowded.uniform("los")
    assert [alone.next() for _ in range(1000)] == [among.next() for _ in range(1000)]


def test_adding_a_service_keeps_every_other_draw() -> None:
    base = flowsim.load_scenario(MMC, {"days": 200})
    extended = flowsim.load_scenario(
        MMC,
        {
            "days": 200,
            "step_down": {"beds": 5, "los_days": {"type": "exponential", "mean": 9}},
            "admission_avoidance": {"places": 0, "stay_days": {"type": "fixed", "value": 1}},
        },
    )
    columns = ["arrival", "bed_start", "medically_fit", "acute_discharge"]
    pd.testing.assert_frame_equal(
        flowsim.simulate(base, seed=4).patients[columns], flowsim.simulate(extended, seed=4).patients[columns]
    )


def test_replications_differ_and_repeat() -> None:
    scenario = flowsim.load_scenario(MMC, {"days": 100})
    first = flowsim.simulate(scenario, seed=1, replication=0).patients
    assert first.equals(flowsim.simulate(scenario, seed=1, replication=0).patients)
    assert not first.equals(flowsim.simulate(scenario, seed=1, replication=1).patients)
