"""Dial pacing: a token bucket per campaign (calls per second) plus the process-wide call cap.

Per-campaign concurrency is enforced by the queue claim itself (it counts leased rows across every
robot), so it holds when several robots share one queue. Pure logic with an injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Allow ``rate`` events per second with bursts up to ``burst``."""

    rate: float
    burst: float = 1.0
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def _refill(self, now: float) -> None:
        if self.updated is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def reserve(self, now: float) -> float:
        """Take one token (possibly in advance); return the seconds to wait before using it."""
        self._refill(now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


@dataclass
class Pacer:
    """Live-call accounting against the process-wide cap, and calls-per-second per campaign."""

    global_cap: int
    buckets: dict[int, TokenBucket] = field(default_factory=dict)
    live: dict[int, int] = field(default_factory=dict)

    @property
    def total_live(self) -> int:
        return sum(self.live.values())

    def free_slots(self) -> int:
        """How many more calls the process may hold now."""
        return max(0, self.global_cap - self.total_live)

    def reserve(self, campaign_id: int, calls_per_second: float, now: float) -> float:
        """Reserve the campaign's next dial slot; return the seconds to wait before dialling."""
        bucket = self.buckets.get(campaign_id)
        if bucket is None or bucket.rate != calls_per_second:
            bucket = self.buckets[campaign_id] = TokenBucket(
                rate=calls_per_second, burst=max(1.0, calls_per_second)
            )
        return bucket.reserve(now)

    def started(self, campaign_id: int) -> None:
        """Count a call as live."""
        self.live[campaign_id] = self.live.get(campaign_id, 0) + 1

    def finished(self, campaign_id: int) -> None:
        """Count a call as ended."""
        count = self.live.get(campaign_id, 0) - 1
        if count > 0:
            self.live[campaign_id] = count
        else:
            self.live.pop(campaign_id, None)
