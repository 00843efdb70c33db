"""Free appointment slots: working hours, absences, calendar busy times, buffers, notice, DST and
advisers in overseas departments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaigns.schedule import parse_window
from campaigns.slots import Availability, free_slots

pytestmark = pytest.mark.unit
PARIS = ZoneInfo("Europe/Paris")


def adviser(**kw: object) -> Availability:
    fields: dict[str, object] = {
        "adviser_id": 1,
        "adviser_name": "Claire Martin",
        "timezone": "Europe/Paris",
        "hours": (parse_window("mon-fri 09:00-12:00"), parse_window("mon-fri 14:00-17:00")),
        "length": timedelta(minutes=45),
        "buffer": timedelta(minutes=15),
    }
    fields.update(kw)
    return Availability(**fields)  # type: ignore[arg-type]


def local(slots: list, tz: ZoneInfo = PARIS) -> list[str]:  # type: ignore[type-arg]
    return [s.starts_at.astimezone(tz).strftime("%a %d %H:%M") for s in slots]


def test_slots_follow_hours_length_and_buffer() -> None:
    monday_8h = datetime(2027, 1, 11, 8, 0, tzinfo=PARIS)
    slots = free_slots([adviser()], monday_8h, notice=timedelta(0), horizon=timedelta(hours=12))
    assert local(slots) == [
        "Mon 11 09:00",
        "Mon 11 10:00",
        "Mon 11 11:00",
        "Mon 11 14:00",
        "Mon 11 15:00",
        "Mon 11 16:00",
    ]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in slots)


def test_notice_weekends_and_horizon() -> None:
    friday_15h = datetime(2027, 1, 15, 15, 0, tzinfo=PARIS)
    slots = free_slots([adviser()], friday_15h, notice=timedelta(hours=2), horizon=timedelta(days=3, hours=1))
    assert local(slots)[:2] == ["Mon 18 09:00", "Mon 18 10:00"]  # Friday 16:00 is within the notice
    assert all(s.starts_at.weekday() < 5 for s in slots)


def test_absences_busy_times_and_appointments_block_with_their_buffer() -> None:
    day = datetime(2027, 1, 11, 0, 0, tzinfo=PARIS)
    blocked = (
        (day.replace(hour=9, minute=30), day.replace(hour=10, minute=15)),  # a calendar meeting
        (day.replace(hour=14), day.replace(hour=15, minute=45)),  # an appointment and its buffer
    )
    slots = free_slots([adviser(blocked=blocked)], day, notice=timedelta(0), horizon=timedelta(hours=20))
    assert local(slots) == ["Mon 11 11:00", "Mon 11 16:00"]
    week_off = ((day, day + timedelta(days=5)),)
    assert free_slots([adviser(blocked=week_off)], day, notice=timedelta(0), horizon=timedelta(days=4)) == []


def test_wall_clock_hours_across_the_dst_change() -> None:
    # Europe/Paris moves to summer time on Sunday 28 March 2027: 09:00 stays 09:00 locally
    friday = datetime(2027, 3, 26, 8, 0, tzinfo=PARIS)
    slots = free_slots([adviser()], friday, notice=timedelta(0), horizon=timedelta(days=4))
    firsts = [s for s in slots if s.starts_at.astimezone(PARIS).hour == 9]
    assert [s.starts_at.astimezone(UTC).hour for s in firsts] == [8, 7]  # UTC+1 then UTC+2


def test_overseas_advisers_keep_their_own_hours() -> None:
    martinique = adviser(adviser_id=2, adviser_name="Léa", timezone="America/Martinique")
    paris_noon = datetime(2027, 1, 11, 12, 0, tzinfo=PARIS)  # 07:00 in Martinique
    slots = free_slots([adviser(), martinique], paris_noon, notice=timedelta(0), horizon=timedelta(hours=6))
    mq = [s for s in slots if s.adviser_id == 2]
    assert local(mq, ZoneInfo("America/Martinique"))[0] == "Mon 11 09:00"
    assert mq[0].starts_at.astimezone(PARIS).hour == 14
    assert slots == sorted(slots, key=lambda s: s.starts_at)
