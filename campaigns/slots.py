"""Free appointment slots of an adviser (pure: the availability and ``now`` are given).

Working hours are weekly windows in the adviser's time zone (``"mon-fri 09:00-12:30"``, the same
notation as campaign run windows). Within each window, slots start at the window's opening and
then every ``length + buffer`` minutes; a slot is free when it ends inside the window and neither
it nor its buffer overlaps an absence, a busy time from the adviser's calendar or another
appointment. Days are built in local wall time, so a slot is at 10:00 on both sides of a DST
change, and overseas advisers (America/Martinique, Indian/Reunion…) keep their own hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from campaigns.schedule import RunWindow


@dataclass(frozen=True)
class Availability:
    """One adviser's hours and what already blocks them."""

    adviser_id: int
    adviser_name: str
    timezone: str
    hours: tuple[RunWindow, ...]
    length: timedelta
    buffer: timedelta
    blocked: tuple[tuple[datetime, datetime], ...] = ()  # absences, calendar, appointments (+buffer)
    title: str = "conseiller"


@dataclass(frozen=True)
class Slot:
    """A bookable appointment."""

    adviser_id: int
    adviser_name: str
    starts_at: datetime  # aware, in the adviser's time zone
    ends_at: datetime
    buffer: timedelta
    title: str = "conseiller"

    @property
    def blocked_until(self) -> datetime:
        """The end of the slot plus the adviser's buffer: what the booking blocks."""
        return self.ends_at + self.buffer


def _overlaps(start: datetime, end: datetime, blocked: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(start < b_end and b_start < end for b_start, b_end in blocked)


def _day_slots(adviser: Availability, day: date) -> Iterator[Slot]:
    info = ZoneInfo(adviser.timezone)
    stride = adviser.length + adviser.buffer
    for window in sorted(adviser.hours, key=lambda w: w.start):
        if day.weekday() not in window.days:
            continue
        start = datetime.combine(day, window.start, tzinfo=info)
        closes = datetime.combine(day, window.end, tzinfo=info)
        while start + adviser.length <= closes:
            end = start + adviser.length
            if not _overlaps(start, end + adviser.buffer, adviser.blocked):
                yield Slot(
                    adviser.adviser_id, adviser.adviser_name, start, end, adviser.buffer, adviser.title
                )
            start = start + stride


def free_slots(
    advisers: Iterable[Availability],
    now: datetime,
    *,
    notice: timedelta = timedelta(hours=2),
    horizon: timedelta = timedelta(days=21),
) -> list[Slot]:
    """Every free slot of ``advisers`` starting between ``now + notice`` and ``now + horizon``,
    earliest first (an adviser's slot and another's at the same time are both kept)."""
    earliest, latest = now + notice, now + horizon
    found: list[Slot] = []
    for adviser in advisers:
        local_today = now.astimezone(ZoneInfo(adviser.timezone)).date()
        for offset in range(horizon.days + 2):
            for slot in _day_slots(adviser, local_today + timedelta(days=offset)):
                if earliest <= slot.starts_at <= latest:
                    found.append(slot)
    return sorted(found, key=lambda s: (s.starts_at, s.adviser_id))
