"""A pool's time-weighted statistics, against a schedule worked out by hand.

Beds 2 until t=10: one taken at 0, another at 2; a third asked for at 3 waits
until a bed is released at 5; at 6 the pool is cut to 1 bed, which closes
when the next bed is released, at 8.

    in use:   1 on [0, 2), 2 on [2, 8), 1 on [8, 10)
    waiting:  1 on [3, 5)
    open:     2 on [0, 8), 1 on [8, 10)
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
import simpy

from flowsim.capacity import Pool

UNTIL = 10.0


def schedule(env: simpy.Environment, pool: Pool) -> Generator[simpy.Event, Any, None]:
    assert pool.request() is None
    yield env.timeout(2)
    assert pool.request() is None
    yield env.timeout(1)
    third = pool.request()
    assert third is not None
    yield env.timeout(2)
    pool.release()
    assert third.triggered
    yield env.timeout(1)
    pool.set_capacity(1)
    assert pool.capacity == 2, "a cut never evicts anyone"
    yield env.timeout(2)
    pool.release()
    assert pool.capacity == 1


def reset(env: simpy.Environment, pool: Pool, at: float) -> Generator[simpy.Event, Any, None]:
    yield env.timeout(at)
    pool.reset_statistics()


def run_until(at: float, reset_at: float | None = None) -> Pool:
    env = simpy.Environment()
    pool = Pool(env, "beds", 2, UNTIL)
    env.process(schedule(env, pool))
    if reset_at is not None:
        env.process(reset(env, pool, reset_at))
    env.run(until=at)
    return pool


def test_time_weighted_means_over_the_whole_run() -> None:
    pool = run_until(UNTIL)
    assert pool.mean_in_use() == pytest.approx(16 / 10)
    assert pool.mean_waiting() == pytest.approx(2 / 10)
    assert pool.mean_capacity() == pytest.approx(18 / 10)


def test_means_part_way_through_count_only_the_time_so_far() -> None:
    pool = run_until(4.0)
    assert pool.mean_in_use() == pytest.approx((1 * 2 + 2 * 2) / 4)
    assert pool.mean_waiting() == pytest.approx(1 / 4)
    assert pool.mean_capacity() == pytest.approx(2.0)


def test_a_reset_starts_the_means_afresh() -> None:
    pool = run_until(UNTIL, reset_at=5.0)
    assert pool.mean_in_use() == pytest.approx((2 * 3 + 1 * 2) / 5)
    assert pool.mean_waiting() == pytest.approx(0.0)
    assert pool.mean_capacity() == pytest.approx((2 * 3 + 1 * 2) / 5)
