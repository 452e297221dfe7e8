"""Helpers for the emulator's functional tests."""

from __future__ import annotations

import time


class FakeClock:
    """A settable wall clock (seconds) for the emulator's time-based transitions."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
