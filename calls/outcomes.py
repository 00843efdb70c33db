"""Map how a call ended (Q.850 hangup cause, Dial status, whether it was answered) to a dialer outcome.

Causes follow ITU-T Q.850 as Asterisk reports them in ``ChannelDestroyed.cause``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    """Final outcome of one dial attempt; the retry policy is keyed on these values."""

    ANSWERED = "answered"
    MACHINE = "machine"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    INVALID_NUMBER = "invalid_number"
    REJECTED = "rejected"


_BY_CAUSE: dict[int, Outcome] = {
    1: Outcome.INVALID_NUMBER,  # Unallocated (unassigned) number
    3: Outcome.INVALID_NUMBER,  # No route to destination
    17: Outcome.BUSY,  # User busy
    18: Outcome.NO_ANSWER,  # No user responding
    19: Outcome.NO_ANSWER,  # User alerting, no answer
    20: Outcome.FAILED,  # Subscriber absent
    21: Outcome.REJECTED,  # Call rejected
    22: Outcome.INVALID_NUMBER,  # Number changed
    27: Outcome.FAILED,  # Destination out of order
    28: Outcome.INVALID_NUMBER,  # Invalid number format
    34: Outcome.CONGESTION,  # No circuit/channel available
    38: Outcome.CONGESTION,  # Network out of order
    41: Outcome.CONGESTION,  # Temporary failure
    42: Outcome.CONGESTION,  # Switching equipment congestion
}

_BY_DIALSTATUS: dict[str, Outcome] = {
    "BUSY": Outcome.BUSY,
    "NOANSWER": Outcome.NO_ANSWER,
    "CONGESTION": Outcome.CONGESTION,
    "CHANUNAVAIL": Outcome.FAILED,
    "INVALIDARGS": Outcome.FAILED,
}


def outcome_for(
    *, answered: bool, cause: int | None, dialstatus: str | None, machine: bool = False
) -> Outcome:
    """Outcome of an attempt.

    An answered call is ``answered`` (or ``machine`` when AMD said so) whatever the hangup cause.
    An unanswered one is classified by its hangup cause, then by the last Dial status; a
    normal clearing (16) before answer with nothing else known means the far end refused it.
    """
    if answered:
        return Outcome.MACHINE if machine else Outcome.ANSWERED
    if cause is not None and cause in _BY_CAUSE:
        return _BY_CAUSE[cause]
    if dialstatus and dialstatus.upper() in _BY_DIALSTATUS:
        return _BY_DIALSTATUS[dialstatus.upper()]
    if cause == 16:
        return Outcome.REJECTED
    return Outcome.FAILED


@dataclass(frozen=True)
class ConversationResult:
    """What a conversation concluded: who answered, and what the callee asked for."""

    machine: bool = False
    callback_at: datetime | None = None
    dnc: bool = False
    transferred_to: str | None = None  # the endpoint of the human now talking with the callee
