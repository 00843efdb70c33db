"""Whether the robot may dial now: its ARI event stream is up and Asterisk accepts originates.

The dialer asks :meth:`AriHealth.problem` before every claim and every dial. An originate that
Asterisk refuses for a reason that is not about the contact (unreachable, timeout, 5xx such as
``503 Shutdown in progress``, credentials) holds dialling for a backoff that grows with each
refusal in a row (1 s doubling up to 30 s); the next dial after the hold is the probe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.errors import AriError

HOLD_INITIAL_S = 1.0
HOLD_MAX_S = 30.0


def about_the_contact(exc: AriError) -> bool:
    """True when a refused originate says something about the number dialled (a 4xx other than
    credentials), False when Asterisk itself is unavailable (no answer, timeout, 5xx, 401/403)."""
    status = exc.status
    return status is not None and 400 <= status < 500 and status not in (401, 403, 408, 429)


@dataclass
class AriHealth:
    """The dialer's view of ARI; ``connected`` is the event socket's state (None: not tracked)."""

    connected: asyncio.Event | None = None
    monotonic: Callable[[], float] = time.monotonic
    stream_error: str | None = None
    refusal: str | None = None
    refusals: int = 0
    hold_until: float = field(default=0.0)

    def problem(self) -> str | None:
        """Why the robot must not dial now, or None."""
        if self.stream_error is not None:
            return f"ARI event stream failed: {self.stream_error}"
        if self.connected is not None and not self.connected.is_set():
            return "ARI event socket disconnected"
        if self.refusal is not None and self.monotonic() < self.hold_until:
            return f"ARI refused an originate: {self.refusal}"
        return None

    def refused(self, exc: AriError) -> float:
        """An originate failed because of Asterisk: hold dialling; return the hold in seconds."""
        self.refusals += 1
        hold = float(min(HOLD_MAX_S, HOLD_INITIAL_S * 2 ** (self.refusals - 1)))
        self.refusal = str(exc)
        self.hold_until = self.monotonic() + hold
        return hold

    def accepted(self) -> None:
        """An originate got through: ARI works."""
        self.refusal, self.refusals, self.hold_until = None, 0, 0.0

    def report(self) -> dict[str, object]:
        """For ``/health/ari``: ok, and the problem when there is one."""
        problem = self.problem()
        return {"ok": problem is None} | ({"error": problem} if problem else {})
