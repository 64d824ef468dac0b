"""A pool's time-weighted statistics, against a schedule worked out by hand;
and who a pool serves, first come first served or first fit.

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

import numpy as np
import pytest
import simpy

from flowsim.engine.pool import Discipline, Pool

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


def hours_pool(discipline: Discipline, *requests: float) -> tuple[Pool, list[simpy.Event | None]]:
    """A pool of 10 care hours, 8 of them taken; then `requests` in that order."""
    pool = Pool(simpy.Environment(), "hours", 10, UNTIL, discipline)
    assert pool.request(8) is None
    return pool, [pool.request(units) for units in requests]


def test_first_fit_starts_whoever_fits_and_the_rest_keep_their_place() -> None:
    pool, (six, three, two, five, one) = hours_pool("first_fit", 6, 3, 2, 5, 1)
    assert two is None, "a newcomer who fits starts, though others wait"
    assert None not in (six, three, five, one), "the 2 took the last free hours"
    assert [units for units, _ in pool.waiting] == [6, 3, 5, 1]
    pool.release(8)  # 8 free: the 6 fits, the 3 and the 5 then do not, the 1 does
    assert six.triggered and one.triggered and not three.triggered and not five.triggered
    assert [units for units, _ in pool.waiting] == [3, 5]
    assert pool.in_use == 2 + 6 + 1


def test_fifo_newcomers_wait_behind_the_line() -> None:
    pool, (six, two) = hours_pool("fifo", 6, 2)
    assert two is not None and not two.triggered, "the 2 would fit, but the 6 is ahead of it"
    pool.release(6)  # 8 free: the 6, then the 2
    assert six.triggered and two.triggered


@pytest.mark.parametrize("seed", range(5))
def test_first_fit_grants_as_a_full_scan_of_the_line_would(seed: int) -> None:
    """The pool skips scans that cannot grant anyone; a plain scan after every change must agree."""
    rng = np.random.default_rng(seed)
    pool = Pool(simpy.Environment(), "hours", 20, UNTIL, "first_fit")
    held: list[float] = []
    line: list[tuple[float, simpy.Event | None]] = []  # what a plain first-fit scan expects

    def expected_grants() -> None:
        free = pool.capacity - sum(held)
        for units, event in list(line):
            if units <= free + 1e-9:
                free -= units
                held.append(units)
                line.remove((units, event))
                assert event is None or event.triggered

    for _ in range(2000):
        action = rng.choice(["request", "release", "cancel"], p=[0.5, 0.4, 0.1])
        if action == "request":
            units = float(rng.integers(1, 9))
            line.append((units, pool.request(units)))
        elif action == "release" and held:
            pool.release(held.pop(int(rng.integers(len(held)))))
        elif action == "cancel" and pool.waiting:
            units, event = pool.waiting[int(rng.integers(len(pool.waiting)))]
            pool.cancel(event)
            line.remove((units, event))
        expected_grants()
        assert [units for units, _ in pool.waiting] == [units for units, _ in line]
        assert pool.in_use == pytest.approx(sum(held))
