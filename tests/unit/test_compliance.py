"""Compliance profiles: French calling windows, holidays, caps, refusals, consent; US TCPA hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaigns import compliance
from campaigns.compliance import Decision, check, easter_sunday, french_holidays, next_allowed
from campaigns.models import ContactContext

pytestmark = pytest.mark.unit

PARIS = ZoneInfo("Europe/Paris")


def paris(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=PARIS)


def ctx(**kw: object) -> ContactContext:
    base: dict[str, object] = {"phone": "+33612345678", "timezone": "Europe/Paris", "consent": "web-2026-01"}
    return ContactContext(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [
        (9, 59, False),
        (10, 0, True),
        (12, 59, True),
        (13, 0, False),
        (13, 59, False),
        (14, 0, True),
        (19, 59, True),
        (20, 0, False),
    ],
)
def test_fr_window_boundaries(hour: int, minute: int, allowed: bool) -> None:
    now = paris(2026, 11, 24, hour, minute)  # a Tuesday
    assert check("fr", ctx(), now).allowed is allowed


def test_fr_next_allowed_from_lunch_break_and_evening() -> None:
    assert next_allowed("fr", "Europe/Paris", paris(2026, 11, 24, 13, 0)) == paris(2026, 11, 24, 14, 0)
    assert next_allowed("fr", "Europe/Paris", paris(2026, 11, 24, 20, 0)) == paris(2026, 11, 25, 10, 0)
    friday_evening = paris(2026, 11, 27, 20, 30)
    assert next_allowed("fr", "Europe/Paris", friday_evening) == paris(2026, 11, 30, 10, 0)


def test_easter_dates_known_years() -> None:
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2038) == date(2038, 4, 25)


def test_french_movable_holidays_2026() -> None:
    days = french_holidays(2026)
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= days  # Easter Mon, Ascension, Whit Mon
    assert date(2026, 7, 14) in days and len(days) == 11


def test_holiday_refused_with_reason_and_next_day() -> None:
    decision = check("fr", ctx(), paris(2026, 5, 14, 11, 0))  # Ascension, Thursday
    assert not decision.allowed and "holiday" in decision.reason
    assert decision.next_allowed == paris(2026, 5, 15, 10, 0)


def test_weekend_reason() -> None:
    decision = check("fr", ctx(), paris(2026, 11, 28, 11, 0))
    assert not decision.allowed and "weekend" in decision.reason
    assert decision.next_allowed == paris(2026, 11, 30, 10, 0)


def test_martinique_contact_uses_its_local_time() -> None:
    # 15:00 UTC = 16:00 Paris (open) but 11:00 in Martinique (open); 23:30 UTC = 19:30 Martinique.
    mq = ctx(timezone="America/Martinique")
    assert check("fr", mq, datetime(2026, 11, 24, 23, 30, tzinfo=UTC)).allowed
    assert not check("fr", ctx(), datetime(2026, 11, 24, 23, 30, tzinfo=UTC)).allowed
    early = check("fr", mq, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # 08:00 in Martinique
    assert not early.allowed
    assert early.next_allowed == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_noumea_contact_day_already_next_day() -> None:
    # Monday 23:00 UTC is Tuesday 10:00 in Noumea (UTC+11).
    nc = ctx(timezone="Pacific/Noumea")
    assert check("fr", nc, datetime(2026, 11, 23, 23, 0, tzinfo=UTC)).allowed
    assert not check("fr", nc, datetime(2026, 11, 23, 22, 59, tzinfo=UTC)).allowed


def test_dst_transition_keeps_local_window() -> None:
    # Sunday 29 March 2026 Paris goes UTC+1 -> UTC+2; Monday 10:00 local is 08:00 UTC.
    after = next_allowed("fr", "Europe/Paris", datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert after.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    # Autumn: Monday 26 October 2026 10:00 local is 09:00 UTC (UTC+1).
    autumn = next_allowed("fr", "Europe/Paris", datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    assert autumn.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_attempt_cap_rolling_30_days() -> None:
    now = paris(2026, 11, 24, 11, 0)
    attempts = tuple(now - timedelta(days=d) for d in (29, 20, 10, 1))
    decision = check("fr", ctx(recent_attempts=attempts), now)
    assert not decision.allowed and "4 attempts" in decision.reason
    assert decision.next_allowed == next_allowed("fr", "Europe/Paris", attempts[0] + timedelta(days=30))
    assert check("fr", ctx(recent_attempts=attempts[1:]), now).allowed
    old = (now - timedelta(days=31), *attempts[1:])
    assert check("fr", ctx(recent_attempts=old), now).allowed


def test_refusal_quiet_period_60_days() -> None:
    now = paris(2026, 11, 24, 11, 0)
    recent = check("fr", ctx(refused_at=now - timedelta(days=59)), now)
    assert not recent.allowed and "refused" in recent.reason
    assert recent.next_allowed is not None and recent.next_allowed >= now + timedelta(days=1)
    assert check("fr", ctx(refused_at=now - timedelta(days=61)), now).allowed


def test_dnc_and_consent_are_final() -> None:
    now = paris(2026, 11, 24, 11, 0)
    assert check("fr", ctx(in_dnc=True), now) == Decision(False, "on the do-not-call list", None)
    no_consent = check("fr", ctx(consent=""), now)
    assert not no_consent.allowed and no_consent.next_allowed is None and "B2B" in no_consent.reason
    assert check("fr", ctx(consent="", b2b=True), now).allowed
    assert not check("us-tcpa", ctx(in_dnc=True), now).allowed


def test_us_tcpa_hours_in_called_party_zone() -> None:
    ny = ctx(timezone="America/New_York", consent="")
    assert check("us-tcpa", ny, datetime(2026, 11, 28, 13, 0, tzinfo=UTC)).allowed  # Sat 08:00 NY
    late = check("us-tcpa", ny, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # 21:00 NY
    assert not late.allowed
    assert late.next_allowed == datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("America/New_York"))


def test_none_profile_has_no_hours_caps_or_consent() -> None:
    assert check("none", ctx(consent=""), paris(2026, 12, 25, 3, 0)).allowed


@pytest.mark.parametrize("profile", ["fr", "us-tcpa", "none"])
def test_the_dnc_list_applies_under_every_profile(profile: str) -> None:
    decision = check(profile, ctx(in_dnc=True), paris(2026, 11, 24, 11))
    assert (decision.allowed, decision.reason, decision.next_allowed) == (
        False,
        "on the do-not-call list",
        None,
    )


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="profile"):
        check("de", ctx(), paris(2026, 11, 24, 11))
    with pytest.raises(ValueError, match="time zone"):
        compliance.zone("Mars/Olympus")
    with pytest.raises(ValueError, match="time zone"):
        compliance.zone("a" * 5000)  # too long for a file name: refused like any unknown zone
    with pytest.raises(ValueError, match="aware"):
        next_allowed("fr", "Europe/Paris", datetime(2026, 11, 24, 11))
