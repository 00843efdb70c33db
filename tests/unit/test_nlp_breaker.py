"""The circuit breaker's state machine, for every way a guarded call can end: it never sticks half-open."""

from __future__ import annotations

import asyncio

import pytest

from services.nlp.breaker import CircuitBreaker, CircuitOpenError
from services.nlp.client import LlmFailure

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _state(breaker: CircuitBreaker) -> str:
    return breaker.state  # a function call: mypy must not narrow the property between checks


def _half_open(clock: Clock) -> CircuitBreaker:
    breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure()
    clock.now += 10
    assert _state(breaker) == "half_open"
    return breaker


def test_closed_opens_after_threshold_failures_and_refuses_calls() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=clock)
    for _ in range(3):
        with pytest.raises(ValueError), breaker.guard():
            raise ValueError("bad JSON")
    assert _state(breaker) == "open"
    with pytest.raises(CircuitOpenError), breaker.guard():
        pytest.fail("the call went out")


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown_s=10, clock=Clock())
    with pytest.raises(ValueError), breaker.guard():
        raise ValueError
    with breaker.guard():
        pass
    with pytest.raises(ValueError), breaker.guard():
        raise ValueError
    assert _state(breaker) == "closed"


def test_half_open_lets_one_trial_through_and_a_success_closes() -> None:
    breaker = _half_open(Clock())
    with breaker.guard(), pytest.raises(CircuitOpenError), breaker.guard():
        pytest.fail("a second trial went out")
    assert _state(breaker) == "closed"


@pytest.mark.parametrize(
    "error",
    [
        ValueError("JSONDecodeError"),
        TypeError("validation"),
        ConnectionError(),
        TimeoutError(),
        KeyError("message"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_failed_trial_reopens_for_another_cooldown(error: Exception) -> None:
    clock = Clock()
    breaker = _half_open(clock)
    with pytest.raises(type(error)), breaker.guard():
        raise error
    assert _state(breaker) == "open"
    clock.now += 10
    assert _state(breaker) == "half_open" and breaker.allow()  # another trial later


def test_a_cancelled_trial_lets_the_next_one_through() -> None:
    breaker = _half_open(Clock())

    async def trial() -> None:
        with breaker.guard():
            await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.create_task(trial())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert _state(breaker) == "half_open" and breaker.allow()


def test_an_interrupted_trial_lets_the_next_one_through() -> None:
    breaker = _half_open(Clock())
    with pytest.raises(KeyboardInterrupt), breaker.guard():
        raise KeyboardInterrupt
    assert breaker.allow()


def test_an_error_that_says_nothing_of_the_server_neither_opens_nor_closes() -> None:
    breaker = _half_open(Clock())
    with pytest.raises(LlmFailure), breaker.guard(counts=lambda exc: False):
        raise LlmFailure("busy", "slot taken")
    assert _state(breaker) == "half_open" and breaker.allow()
