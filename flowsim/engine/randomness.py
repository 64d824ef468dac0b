"""Random number streams, one per source of randomness, named not numbered.

Every place where the model draws a random number (an arrival stream, a length
of stay, a routing choice) owns a stream whose seed is derived from the run's
seed, the replication number and the stream's *name*. Two scenarios that
differ in one place therefore draw identical numbers everywhere else (common
random numbers), even when one of them adds a service or a distribution: a new
name gets a new stream and leaves the others alone.

Numbers are drawn in batches for speed; a stream's sequence does not depend
on the batch size because each stream serves exactly one kind of draw.
"""

from __future__ import annotations

import hashlib
import itertools
from bisect import bisect_right
from collections.abc import Callable, Sequence

import numpy as np

from flowsim.scenario.distributions import Distribution

BATCH = 512


def stream_seed(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of stream `name` in replication `replication` of run `seed`."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.SeedSequence([seed, replication, *words])


class Stream:
    """An endless supply of draws from one named stream, drawn in batches.

    `draw_batch` receives the stream's Generator and a batch size and returns
    that many values; `next()` hands them out one at a time.
    """

    __slots__ = ("next",)

    def __init__(
        self,
        generator: np.random.Generator,
        draw_batch: Callable[[np.random.Generator, int], np.ndarray],
    ) -> None:
        batches = (draw_batch(generator, BATCH).tolist() for _ in itertools.count())
        self.next: Callable[[], float] = itertools.chain.from_iterable(batches).__next__
        """The next value of the stream (a C-level iterator: this is the model's hottest call)."""


class Streams:
    """The named random streams of one replication of one run."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._names: set[str] = set()

    def generator(self, name: str) -> np.random.Generator:
        """A fresh Generator for `name`; each name may be claimed once per run."""
        if name in self._names:
            raise ValueError(f"random stream {name!r} is already in use")
        self._names.add(name)
        return np.random.Generator(np.random.PCG64(stream_seed(self.seed, self.replication, name)))

    def draws(self, distribution: Distribution, name: str, scale: float = 1.0) -> Stream:
        """Draws from `distribution`, times `scale` (a unit conversion), on stream `name`."""
        return Stream(self.generator(name), lambda g, n: distribution.draw(g, n) * scale)

    def uniform(self, name: str) -> Stream:
        """Uniform(0, 1) draws, for routing choices and thinning."""
        return Stream(self.generator(name), lambda g, n: g.random(n))

    def exponential(self, name: str) -> Stream:
        """Exponential draws with mean 1, for Poisson arrivals."""
        return Stream(self.generator(name), lambda g, n: g.standard_exponential(n))

    def chance(self, name: str, probability: float) -> Callable[[], bool]:
        """A yes/no draw on stream `name`, True with `probability`.

        A certain answer (probability 0 or 1) takes no draw, so a scenario
        that makes something certain leaves the stream where it was.
        """
        if probability <= 0.0 or probability >= 1.0:
            return itertools.repeat(probability >= 1.0).__next__
        uniform = self.uniform(name).next
        return lambda: uniform() < probability

    def varying_chance(self, name: str) -> Callable[[float], bool]:
        """Like `chance`, for a probability that changes from draw to draw: `varying_chance(name)(p)`."""
        uniforms: Stream | None = None

        def chance(probability: float) -> bool:
            nonlocal uniforms
            if probability <= 0.0 or probability >= 1.0:
                return probability >= 1.0
            if uniforms is None:
                uniforms = self.uniform(name)
            return uniforms.next() < probability

        return chance

    def choice(self, name: str, shares: Sequence[float]) -> Callable[[], int]:
        """A draw of an option on stream `name`: the index of one of `shares` (which sum to 1).

        An option is chosen when the uniform draw falls in its part of
        [0, 1), the parts laid out in order. When only one option has a
        share, it is chosen without a draw.
        """
        possible = [index for index, share in enumerate(shares) if share > 0]
        if len(possible) == 1:
            return itertools.repeat(possible[0]).__next__
        cumulative = list(itertools.accumulate(shares))
        last = possible[-1]  # a draw past the sum's rounding takes the last option with a share
        uniform = self.uniform(name).next
        return lambda: min(bisect_right(cumulative, uniform()), last)
