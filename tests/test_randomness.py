"""Streams are keyed by name, so adding a source of randomness leaves the others alone."""

import pandas as pd

import flowsim
from flowsim.engine.randomness import Streams
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


def test_a_choice_is_the_part_of_0_to_1_its_draw_falls_in() -> None:
    shares = (0.2, 0.0, 0.5, 0.3)
    choose = Streams(5, 2).choice("pathway", shares)
    draws = Streams(5, 2).uniform("pathway")
    for _ in range(5000):
        u, cumulative, expected = draws.next(), 0.0, None
        for index, share in enumerate(shares):
            cumulative += share
            if u < cumulative:
                expected = index
                break
        assert choose() == expected


def test_a_certain_choice_or_chance_takes_no_draw() -> None:
    streams = Streams(5, 2)
    only, never, always = streams.choice("a", (0, 1, 0)), streams.chance("b", 0.0), streams.chance("c", 1.0)
    assert [only() for _ in range(3)] == [1, 1, 1]
    assert not never() and always()
    varying = streams.varying_chance("d")
    assert varying(1.0) and not varying(0.0)
    for name in "abcd":  # every stream is untouched, so it can still be claimed and starts afresh
        assert streams.uniform(name).next() == Streams(5, 2).uniform(name).next()
