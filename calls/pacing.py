"""The process-wide call cap of one robot.

Per-campaign concurrency is enforced by the queue claim itself (it counts leased rows across every
robot) and per-campaign calls per second by :func:`campaigns.queue.reserve_dial_slot` (a slot
schedule in the shared database), so both hold when several robots share one queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Pacer:
    """Live-call accounting against the process-wide cap."""

    global_cap: int
    live: dict[int, int] = field(default_factory=dict)

    @property
    def total_live(self) -> int:
        return sum(self.live.values())

    def free_slots(self, cap: int | None = None) -> int:
        """How many more calls the process may hold now (under ``cap`` when lower than the global cap)."""
        limit = self.global_cap if cap is None else min(cap, self.global_cap)
        return max(0, limit - self.total_live)

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
