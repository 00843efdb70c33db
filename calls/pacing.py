"""Dial pacing: a token bucket per campaign (calls per second) plus concurrency caps.

Pure logic with an injected clock (seconds as floats), so it is tested without waiting.
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

    def try_take(self, now: float) -> bool:
        """Take one token if available at ``now``."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass
class Pacer:
    """Decides whether one more call of a campaign may be originated now.

    Caps: the campaign's max concurrent calls, the process-wide cap, and the campaign's calls
    per second. ``started``/``finished`` keep the live counts.
    """

    global_cap: int
    buckets: dict[int, TokenBucket] = field(default_factory=dict)
    live: dict[int, int] = field(default_factory=dict)

    @property
    def total_live(self) -> int:
        return sum(self.live.values())

    def free_slots(self) -> int:
        """How many more calls the process may hold now."""
        return max(0, self.global_cap - self.total_live)

    def may_dial(self, campaign_id: int, max_concurrent: int, calls_per_second: float, now: float) -> bool:
        """True (and a token is consumed) when a call of this campaign may start at ``now``."""
        if self.free_slots() <= 0 or self.live.get(campaign_id, 0) >= max_concurrent:
            return False
        bucket = self.buckets.get(campaign_id)
        if bucket is None or bucket.rate != calls_per_second:
            bucket = self.buckets[campaign_id] = TokenBucket(
                rate=calls_per_second, burst=max(1.0, calls_per_second)
            )
        return bucket.try_take(now)

    def wait_time(self, campaign_id: int, now: float) -> float:
        """Seconds before the campaign's bucket has a token again."""
        bucket = self.buckets.get(campaign_id)
        return 0.0 if bucket is None else bucket.wait_time(now)

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
