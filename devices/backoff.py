"""Exponential backoff with jitter, for reconnecting devices and resending scans."""

from __future__ import annotations

import random


class Backoff:
    """Delays of `initial`, 2×, 4× … up to `maximum` seconds, each jittered.

    "Equal jitter": a delay d is drawn from [d/2, d], so agents that lost the
    service together do not all come back in the same instant. Tests pass
    short delays and a seeded `rng`.
    """

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 30.0,
        *,
        factor: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.failures = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        """The delay before the next attempt; each call counts one more failure."""
        ceiling = min(self.maximum, self.initial * self.factor ** min(self.failures, 64))
        self.failures += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0
