"""Hangup causes map to outcomes; pacing honours calls per second and both concurrency caps."""

from __future__ import annotations

import pytest

from calls.outcomes import Outcome, outcome_for
from calls.pacing import Pacer, TokenBucket

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("answered", "cause", "dialstatus", "machine", "expected"),
    [
        (True, 16, "ANSWER", False, Outcome.ANSWERED),
        (True, 16, "ANSWER", True, Outcome.MACHINE),
        (False, 19, "NOANSWER", False, Outcome.NO_ANSWER),
        (False, 17, "BUSY", False, Outcome.BUSY),
        (False, 34, None, False, Outcome.CONGESTION),
        (False, 1, None, False, Outcome.INVALID_NUMBER),
        (False, 21, None, False, Outcome.REJECTED),
        (False, 0, "CHANUNAVAIL", False, Outcome.FAILED),
        (False, 16, None, False, Outcome.REJECTED),
        (False, None, None, False, Outcome.FAILED),
    ],
)
def test_outcome_for(
    answered: bool, cause: int | None, dialstatus: str | None, machine: bool, expected: Outcome
) -> None:
    assert outcome_for(answered=answered, cause=cause, dialstatus=dialstatus, machine=machine) is expected


def test_token_bucket_rate() -> None:
    bucket = TokenBucket(rate=2.0)
    assert bucket.try_take(0.0)
    assert not bucket.try_take(0.1)
    assert bucket.wait_time(0.1) == pytest.approx(0.4)
    assert bucket.try_take(0.5)


def test_pacer_caps_concurrency_per_campaign_and_globally() -> None:
    pacer = Pacer(global_cap=3)
    now = 0.0
    dialled = 0
    for _ in range(10):
        now += 10.0  # plenty of tokens: only the caps limit
        if pacer.may_dial(1, max_concurrent=2, calls_per_second=1.0, now=now):
            pacer.started(1)
            dialled += 1
    assert dialled == 2
    assert pacer.may_dial(2, max_concurrent=5, calls_per_second=1.0, now=now + 10)
    pacer.started(2)
    assert pacer.free_slots() == 0
    assert not pacer.may_dial(2, max_concurrent=5, calls_per_second=1.0, now=now + 20)
    pacer.finished(1)
    assert pacer.may_dial(2, max_concurrent=5, calls_per_second=1.0, now=now + 30)


def test_pacer_calls_per_second() -> None:
    pacer = Pacer(global_cap=100)
    allowed = [t / 10 for t in range(0, 30) if pacer.may_dial(1, 100, 2.0, t / 10)]
    # a burst of 2 tokens at start, then one token every 0.5 s
    assert allowed == [0.0, 0.1, 0.6, 1.1, 1.6, 2.1, 2.6]
