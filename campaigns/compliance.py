"""Compliance rules for outbound calls: pure functions of a contact context and an injected ``now``.

Profiles:

* ``fr`` — French telemarketing rules:

  - Calling days and hours: Monday to Friday, 10:00–13:00 and 14:00–20:00, never on
    Saturdays, Sundays or public holidays (Code de la consommation, art. D.223-9, created by
    décret n° 2022-1313 du 13 octobre 2022), in the called person's local time.
  - At most 4 solicitations of the same consumer per rolling 30 days, and no new
    solicitation for 60 days after the consumer refused (same article D.223-9).
  - Numbers on the opposition list (Bloctel) or the internal do-not-call list are never
    called (art. L.223-1).
  - Consumers must have consented to telephone canvassing (opt-in, art. L.223-1 as amended
    by loi n° 2025-594 du 30 juin 2025); B2B campaigns are outside this consumer rule.
  - Call recordings are kept at most 6 months (CNIL guidance on the recording of telephone
    calls at work), see :data:`FR_RECORDING_RETENTION_DAYS`.

* ``us-tcpa`` — 08:00–21:00 in the called party's local time and the do-not-call list
  (47 CFR § 64.1200(c)(1) and (c)(2), Telephone Consumer Protection Act).
* ``none`` — no calling hours, caps or consent (tests, internal numbers).

The do-not-call list applies under every profile (profiles differ on hours, caps and consent).

A refused dial is rescheduled to ``Decision.next_allowed``; ``next_allowed is None`` means the
contact must never be called under this profile (DNC, no consent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from campaigns.models import PROFILES, ContactContext

FR_WINDOWS: tuple[tuple[time, time], ...] = ((time(10), time(13)), (time(14), time(20)))
US_WINDOWS: tuple[tuple[time, time], ...] = ((time(8), time(21)),)
FR_MAX_ATTEMPTS = 4  # D.223-9: at most 4 solicitations per rolling 30 days
FR_ATTEMPT_PERIOD = timedelta(days=30)
FR_REFUSAL_QUIET = timedelta(days=60)  # D.223-9: 60 days after a refusal
FR_RECORDING_RETENTION_DAYS = 183  # CNIL: recordings kept at most 6 months
_SEARCH_DAYS = 400


@dataclass(frozen=True)
class Decision:
    """Verdict for one dial: allowed now, or why not and the next instant it may be."""

    allowed: bool
    reason: str = ""
    next_allowed: datetime | None = None


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; raise ValueError with a clear message if unknown."""
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name like Europe/Paris)") from None


@cache
def _zone(name: str) -> ZoneInfo:
    if not name or name.startswith("/") or ".." in name:
        raise ValueError(name)
    return ZoneInfo(name)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@cache
def french_holidays(year: int) -> frozenset[date]:
    """The 11 national public holidays of France (Code du travail, art. L.3133-1)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)]
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def _windows(profile: str) -> tuple[tuple[time, time], ...]:
    return FR_WINDOWS if profile == "fr" else US_WINDOWS


def _day_open(profile: str, day: date) -> bool:
    if profile == "fr":
        return day.weekday() < 5 and day not in french_holidays(day.year)
    return True


def next_allowed(profile: str, tz: str, now: datetime) -> datetime:
    """The first instant ``>= now`` inside the profile's calling hours in time zone ``tz``.

    Windows are half-open (10:00 allowed, 13:00 not). The result is an aware datetime in ``tz``.
    """
    _check_profile(profile)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if profile == "none":
        return now
    info = zone(tz)
    local = now.astimezone(info)
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if not _day_open(profile, day):
            continue
        for start, end in _windows(profile):
            opens = datetime.combine(day, start, tzinfo=info)
            closes = datetime.combine(day, end, tzinfo=info)
            if local < closes:
                return max(local, opens)
    raise ValueError(f"no calling window within {_SEARCH_DAYS} days")  # pragma: no cover


def check(profile: str, contact: ContactContext, now: datetime) -> Decision:
    """May ``contact`` be dialled at ``now`` under ``profile``? If not, why and when."""
    _check_profile(profile)
    if contact.in_dnc:  # under every profile: the list is the callee's own wish
        return Decision(False, "on the do-not-call list", None)
    if profile == "none":
        return Decision(True)
    if profile == "fr" and not contact.b2b and not contact.consent.strip():
        return Decision(
            False, "no consent recorded (art. L.223-1; mark the campaign B2B or fix consent)", None
        )
    earliest, reason = now, "outside calling hours"
    if profile == "fr":
        earliest, reason = _fr_earliest(contact, now)
    when = next_allowed(profile, contact.timezone, earliest)
    if when <= now:
        return Decision(True)
    if earliest == now:
        reason = _window_reason(profile, contact.timezone, now)
    return Decision(False, reason, when)


def _fr_earliest(contact: ContactContext, now: datetime) -> tuple[datetime, str]:
    earliest, reason = now, ""
    if contact.refused_at is not None and contact.refused_at + FR_REFUSAL_QUIET > now:
        earliest, reason = contact.refused_at + FR_REFUSAL_QUIET, "refused less than 60 days ago (D.223-9)"
    cap = _attempt_cap_end(contact.recent_attempts, now)
    if cap is not None and cap > earliest:
        earliest, reason = cap, f"{FR_MAX_ATTEMPTS} attempts in the last 30 days (D.223-9)"
    return earliest, reason


def _attempt_cap_end(attempts: Sequence[datetime], now: datetime) -> datetime | None:
    """When the rolling-30-day cap frees a slot, or None if a slot is free now."""
    recent = sorted(a for a in attempts if a > now - FR_ATTEMPT_PERIOD)
    if len(recent) < FR_MAX_ATTEMPTS:
        return None
    return recent[len(recent) - FR_MAX_ATTEMPTS] + FR_ATTEMPT_PERIOD


def _window_reason(profile: str, tz: str, now: datetime) -> str:
    local = now.astimezone(zone(tz))
    if profile == "fr" and local.date() in french_holidays(local.year):
        return f"public holiday in France ({local.date().isoformat()})"
    if profile == "fr" and local.weekday() >= 5:
        return "weekend (D.223-9: Monday to Friday only)"
    return f"outside calling hours ({local.strftime('%H:%M')} {tz})"


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown compliance profile {profile!r}; expected one of {list(PROFILES)}")
