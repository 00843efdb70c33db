"""Hangup causes map to outcomes; pacing honours calls per second and both concurrency caps."""

from __future__ import annotations

import pytest

from calls.outcomes import Outcome, outcome_for
from calls.pacing import Pacer

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


def test_pacer_global_cap() -> None:
    pacer = Pacer(global_cap=3)
    pacer.started(1)
    pacer.started(1)
    pacer.started(2)
    assert pacer.free_slots() == 0
    pacer.finished(1)
    assert pacer.free_slots() == 1 and pacer.live == {1: 1, 2: 1}
