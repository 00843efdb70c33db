"""Circuit breaker for the language model: stop calling a failing server for a while.

Use :meth:`CircuitBreaker.guard` around a call: every way out of the block settles the breaker
(success closes it, any exception counts as a failure, cancellation releases a half-open trial),
so it can never stay half-open with no trial in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitOpenError(Exception):
    """The breaker refused the call (open, or a half-open trial is already in flight)."""


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; one trial call after ``cooldown_s``."""

    def __init__(
        self, threshold: int = 3, cooldown_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """Current state (``open`` turns ``half_open`` once the cooldown has passed)."""
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go out now (half-open lets exactly one trial through)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: close."""
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def cancel_trial(self) -> None:
        """A call was cancelled before it ended: let another trial through later."""
        self._probing = False

    def record_failure(self) -> None:
        """A call failed: count it, open at the threshold (or again after a failed trial)."""
        self._failures += 1
        if self._probing or self._failures >= self.threshold:
            self._opened_at = self._clock()
        self._probing = False

    @contextmanager
    def guard(self, counts: Callable[[Exception], bool] = lambda _: True) -> Iterator[None]:
        """One call under the breaker; raises :class:`CircuitOpenError` when it may not go out.

        An exception for which ``counts`` is false (say, the server is fine but busy) neither
        opens nor closes the breaker; it only releases the trial.
        """
        if not self.allow():
            raise CircuitOpenError(f"circuit {self.state}")
        try:
            yield
        except asyncio.CancelledError:
            self.cancel_trial()
            raise
        except Exception as exc:
            if counts(exc):
                self.record_failure()
            else:
                self.cancel_trial()
            raise
        except BaseException:  # KeyboardInterrupt, GeneratorExit: the call never ended
            self.cancel_trial()
            raise
        else:
            self.record_success()
