"""In-memory sliding-window limiter for login attempts (per client IP + email)."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta


class RateLimiter:
    """Allow at most ``limit`` attempts per key within ``window``."""

    def __init__(self, limit: int = 10, window: timedelta = timedelta(minutes=15)) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[datetime]] = {}

    def allow(self, key: str, now: datetime) -> bool:
        """Record an attempt for ``key`` at ``now``; False when the key is over its limit."""
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def reset(self, key: str) -> None:
        """Forget a key (after a successful login)."""
        self._hits.pop(key, None)
