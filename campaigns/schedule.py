"""A campaign's own schedule: start and stop instants, daily run windows, public-holiday pause.

Pure functions of the schedule and an injected ``now``. The run windows narrow the legal calling
hours of the compliance profile (they never widen them): a contact is dialled only when both the
campaign's window and the profile's hours are open.

Windows are written the way an operator says them, e.g. ``"mon-fri 10:00-12:30"`` or
``"sat 10:00-12:00"``, and read in the schedule's time zone (the campaign's office time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays

from campaigns.compliance import zone

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FRENCH_DAY_NAMES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
_WINDOW_RE = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<start>\d{1,2}[:h]\d{2})\s*-\s*(?P<end>\d{1,2}[:h]\d{2})\s*$"
)
_SEARCH_DAYS = 400


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message says what to write instead."""


@dataclass(frozen=True)
class RunWindow:
    """Days of the week (0 = Monday) and a half-open time range within each of them."""

    days: frozenset[int]
    start: time
    end: time

    def __str__(self) -> str:
        runs: list[list[int]] = []
        for day in sorted(self.days):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        days = ",".join(
            DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs
        )
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class CampaignSchedule:
    """When a campaign may run. An empty schedule runs whenever the campaign is running."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    windows: tuple[RunWindow, ...] = ()
    timezone: str = "Europe/Paris"
    holidays_country: str = ""  # ISO code ("FR", "FR-RE"...): pause on its public holidays

    def as_json(self) -> dict[str, Any]:
        """The JSON stored in ``campaigns.run_schedule`` (dates live in their own columns)."""
        return {
            "windows": [str(w) for w in self.windows],
            "timezone": self.timezone,
            "holidays_country": self.holidays_country,
        }


def _day_index(name: str) -> int:
    for names in (DAY_NAMES, _FRENCH_DAY_NAMES):
        if name in names:
            return names.index(name)
    raise ScheduleError(f"unknown day {name!r}: use mon, tue, wed, thu, fri, sat, sun (or lun…dim)")


def _parse_time(raw: str) -> time:
    hours, minutes = re.split("[:h]", raw)
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise ScheduleError(f"invalid time {raw!r}: expected HH:MM between 00:00 and 23:59") from None


def parse_window(raw: str) -> RunWindow:
    """``"mon-fri 10:00-12:30"`` → a :class:`RunWindow` (ranges and lists of days allowed)."""
    match = _WINDOW_RE.match(raw.lower())
    if match is None:
        raise ScheduleError(
            f"cannot read run window {raw!r}: write it like 'mon-fri 10:00-12:30' or 'sat 09:30-12:00'"
        )
    days: set[int] = set()
    for part in match["days"].split(","):
        first, _, last = part.partition("-")
        lo = _day_index(first)
        hi = _day_index(last) if last else lo
        if hi < lo:
            raise ScheduleError(f"day range {part!r} runs backwards: write it Monday first ('mon-fri')")
        days.update(range(lo, hi + 1))
    start, end = _parse_time(match["start"]), _parse_time(match["end"])
    if end <= start:
        raise ScheduleError(f"run window {raw!r} ends before it starts")
    return RunWindow(frozenset(days), start, end)


def from_row(row: dict[str, Any]) -> CampaignSchedule:
    """The schedule of a ``campaigns`` row (``starts_at``, ``ends_at``, ``run_schedule``)."""
    stored = row.get("run_schedule") or {}
    return CampaignSchedule(
        starts_at=row.get("starts_at"),
        ends_at=row.get("ends_at"),
        windows=tuple(parse_window(w) for w in stored.get("windows", [])),
        timezone=str(stored.get("timezone") or "Europe/Paris"),
        holidays_country=str(stored.get("holidays_country") or ""),
    )


def is_holiday(country: str, day: date) -> str | None:
    """The name of the public holiday on ``day`` in ``country`` (``FR``, ``FR-RE``…), or None."""
    if not country:
        return None
    code, _, subdivision = country.upper().partition("-")
    try:
        calendar = holidays.country_holidays(code, subdiv=subdivision or None, years=day.year)
    except NotImplementedError:
        raise ScheduleError(f"no public-holiday calendar for {country!r}") from None
    name = calendar.get(day)
    return str(name) if name else None


def validate_country(country: str) -> None:
    """Raise ScheduleError when ``country`` has no holiday calendar."""
    is_holiday(country, date(2026, 1, 1))


def _open_on(schedule: CampaignSchedule, local: datetime) -> bool:
    if schedule.windows and not any(
        local.weekday() in w.days and w.start <= local.time() < w.end for w in schedule.windows
    ):
        return False
    return is_holiday(schedule.holidays_country, local.date()) is None


def state(schedule: CampaignSchedule, now: datetime) -> tuple[bool, str]:
    """Is the campaign inside its schedule at ``now``, and if not, why (a short English reason)."""
    if schedule.starts_at is not None and now < schedule.starts_at:
        return False, f"starts at {schedule.starts_at.isoformat()}"
    if schedule.ends_at is not None and now >= schedule.ends_at:
        return False, f"ended at {schedule.ends_at.isoformat()}"
    local = now.astimezone(zone(schedule.timezone))
    holiday = is_holiday(schedule.holidays_country, local.date())
    if holiday:
        return False, f"public holiday ({holiday})"
    if not _open_on(schedule, local):
        return False, f"outside the run windows ({', '.join(str(w) for w in schedule.windows)})"
    return True, ""


def next_open(schedule: CampaignSchedule, now: datetime) -> datetime | None:
    """The first instant ``>= now`` when the schedule is open, or None if it never is again."""
    if schedule.ends_at is not None and now >= schedule.ends_at:
        return None
    at = max(now, schedule.starts_at) if schedule.starts_at else now
    info = zone(schedule.timezone)
    local = at.astimezone(info)
    windows = schedule.windows or (RunWindow(frozenset(range(7)), time(0), time(23, 59, 59)),)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if is_holiday(schedule.holidays_country, day):
            continue
        for w in sorted(windows, key=lambda x: x.start):
            if day.weekday() not in w.days:
                continue
            opens = datetime.combine(day, w.start, tzinfo=info)
            closes = datetime.combine(day, w.end, tzinfo=info)
            if local < closes:
                candidate = max(local, opens)
                if schedule.ends_at is not None and candidate >= schedule.ends_at:
                    return None
                return candidate
    return None
