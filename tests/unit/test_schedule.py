"""Campaign schedules: run windows as operators write them, holidays (overseas too), start/stop."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from campaigns.schedule import CampaignSchedule, ScheduleError, next_open, parse_window, state

pytestmark = pytest.mark.unit
PARIS_WINDOWS = (parse_window("mon-fri 10:00-12:30"), parse_window("mon-fri 17:00-19:30"))


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A Paris wall-clock instant."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


def test_windows_are_read_as_operators_write_them() -> None:
    window = parse_window("Mon-Fri 10:00-12:30")
    assert window.days == frozenset(range(5)) and window.start == time(10) and window.end == time(12, 30)
    assert parse_window("sat,sun 9h30-12h00").days == frozenset({5, 6})
    assert parse_window("lun-mer 14:00-15:00").days == frozenset({0, 1, 2})
    assert str(parse_window("tue 08:00-09:00")) == "tue 08:00-09:00"
    assert str(parse_window("mon-wed,fri,sun 08:00-09:00")) == "mon-wed,fri,sun 08:00-09:00"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("weekdays 10-12", "write it like"),
        ("mon-fri 12:30-10:00", "ends before it starts"),
        ("fri-mon 10:00-11:00", "runs backwards"),
        ("xyz 10:00-11:00", "unknown day"),
        ("mon 25:00-26:00", "invalid time"),
    ],
)
def test_bad_windows_say_what_to_write(raw: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_window(raw)


def test_state_follows_the_windows_in_the_schedule_time_zone() -> None:
    plan = CampaignSchedule(windows=PARIS_WINDOWS, timezone="Europe/Paris")
    assert state(plan, paris(2026, 12, 1, 10, 0)) == (True, "")  # Tuesday 10:00 Paris
    closed, reason = state(plan, paris(2026, 12, 1, 12, 30))
    assert not closed and "outside the run windows" in reason and "mon-fri 10:00-12:30" in reason
    assert state(plan, paris(2026, 12, 1, 17, 0))[0]
    assert not state(plan, paris(2026, 12, 5, 11, 0))[0]  # Saturday


def test_holidays_of_the_country_and_of_overseas_departments() -> None:
    mainland = CampaignSchedule(holidays_country="FR")
    closed, reason = state(mainland, paris(2026, 12, 25, 11, 0))
    assert not closed and "public holiday" in reason
    assert state(mainland, paris(2026, 12, 21, 11, 0))[0]
    reunion = CampaignSchedule(holidays_country="FR-974", timezone="Indian/Reunion")
    # 20 December: abolition of slavery in Réunion, an ordinary day in mainland France
    assert not state(reunion, datetime(2026, 12, 20, 8, 0, tzinfo=UTC))[0]
    assert state(mainland, paris(2026, 12, 20, 11, 0))[0]
    with pytest.raises(ScheduleError, match="no public-holiday calendar"):
        state(CampaignSchedule(holidays_country="XX"), paris(2026, 12, 1, 11, 0))


def test_start_and_stop_instants_bound_the_schedule() -> None:
    plan = CampaignSchedule(starts_at=paris(2026, 12, 14, 9, 0), ends_at=paris(2026, 12, 18, 20, 0))
    assert "starts at" in state(plan, paris(2026, 12, 14, 8, 59))[1]
    assert state(plan, paris(2026, 12, 14, 9, 0))[0]
    assert "ended at" in state(plan, paris(2026, 12, 18, 20, 0))[1]


def test_next_open_skips_closed_days_and_stops_at_the_end() -> None:
    plan = CampaignSchedule(windows=PARIS_WINDOWS, holidays_country="FR", timezone="Europe/Paris")
    # Thursday 24 December at 20:00: Friday 25 is Christmas, then a weekend
    assert next_open(plan, paris(2026, 12, 24, 20, 0)) == paris(2026, 12, 28, 10, 0)
    assert next_open(plan, paris(2026, 12, 28, 11, 0)) == paris(2026, 12, 28, 11, 0)
    ending = CampaignSchedule(windows=PARIS_WINDOWS, holidays_country="FR", ends_at=paris(2026, 12, 28, 9, 0))
    assert next_open(ending, paris(2026, 12, 24, 20, 0)) is None
