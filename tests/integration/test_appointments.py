"""Advisers and appointments on a real Postgres: free slots from hours and busy times, atomic
holds under concurrency, release on hangup, expiry, moves and cancels, iCalendar round trips."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from campaigns import advisers, appointments
from campaigns.advisers import AdviserInput
from campaigns.appointments import BookingFor, SlotTaken
from services.errors import ConfigError, ImportError_

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]
PARIS = ZoneInfo("Europe/Paris")
MONDAY_8H = datetime(2027, 1, 11, 8, 0, tzinfo=PARIS)


def claire(conn: Conn, **kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Claire Martin",
        "title": "conseillère patrimoniale",
        "email": "claire@cabinet.fr",
        "skills": ("patrimoine",),
        "hours": ("mon-fri 09:00-12:00",),
    }
    return advisers.add(conn, AdviserInput(**(fields | kw)))


async def test_free_slots_skip_busy_times_and_other_skills(conn: Conn, pool: AsyncConnectionPool) -> None:
    claire(conn)
    advisers.add(conn, AdviserInput(name="Paul", skills=("assurance",), hours=("mon-fri 09:00-12:00",)))
    advisers.add_absence(
        conn, "Claire Martin", MONDAY_8H, MONDAY_8H + timedelta(hours=2, minutes=30), "réunion"
    )
    slots = await appointments.find_slots(pool, "patrimoine", MONDAY_8H, horizon=timedelta(hours=6))
    assert [(s.adviser_name, s.starts_at.astimezone(PARIS).hour) for s in slots] == [("Claire Martin", 11)]
    every = await appointments.find_slots(pool, "", MONDAY_8H, horizon=timedelta(hours=6))
    assert {s.adviser_name for s in every} == {"Claire Martin", "Paul"}


async def test_two_calls_picking_the_same_slot_get_it_once(conn: Conn, pool: AsyncConnectionPool) -> None:
    claire(conn)
    slot = (await appointments.find_slots(pool, "patrimoine", MONDAY_8H))[0]
    results = await asyncio.gather(
        *(appointments.hold(pool, slot, BookingFor(), MONDAY_8H) for _ in range(5)), return_exceptions=True
    )
    held = [r for r in results if isinstance(r, int)]
    assert len(held) == 1 and all(isinstance(r, SlotTaken) for r in results if not isinstance(r, int))
    later = await appointments.find_slots(pool, "patrimoine", MONDAY_8H)
    assert slot.starts_at not in [s.starts_at for s in later]


async def test_a_hold_released_on_hangup_or_expired_frees_the_slot(
    conn: Conn, pool: AsyncConnectionPool
) -> None:
    claire(conn)
    slot = (await appointments.find_slots(pool, "patrimoine", MONDAY_8H))[0]
    first = await appointments.hold(pool, slot, BookingFor(), MONDAY_8H)
    await appointments.release(pool, first, MONDAY_8H)  # the caller hung up before confirming
    second = await appointments.hold(pool, slot, BookingFor(), MONDAY_8H)
    with pytest.raises(SlotTaken):
        await appointments.hold(pool, slot, BookingFor(), MONDAY_8H + timedelta(minutes=1))
    after_hold = MONDAY_8H + appointments.HOLD_FOR + timedelta(seconds=1)
    third = await appointments.hold(pool, slot, BookingFor(), after_hold)  # the second one's hold expired
    with pytest.raises(SlotTaken):
        await appointments.confirm(pool, second, after_hold)
    row = await appointments.confirm(pool, third, after_hold)
    assert row["status"] == "confirmed" and row["adviser"] == "Claire Martin"


async def test_move_and_cancel_are_audited_and_free_the_slot(conn: Conn, pool: AsyncConnectionPool) -> None:
    claire(conn)
    first, second = (await appointments.find_slots(pool, "patrimoine", MONDAY_8H))[:2]
    booked = [await appointments.hold(pool, s, BookingFor(), MONDAY_8H) for s in (first, second)]
    for appointment_id in booked:
        await appointments.confirm(pool, appointment_id, MONDAY_8H)
    with pytest.raises(SlotTaken):
        appointments.move(conn, booked[0], second.starts_at, "admin@x.fr", MONDAY_8H)
    later = first.starts_at + timedelta(days=1)
    moved = appointments.move(conn, booked[0], later, "admin@x.fr", MONDAY_8H)
    assert moved["starts_at"] == later and moved["ends_at"] - later == timedelta(minutes=45)
    appointments.cancel(conn, booked[1], "admin@x.fr", MONDAY_8H, "le client a rappelé")
    free = [s.starts_at for s in await appointments.find_slots(pool, "patrimoine", MONDAY_8H)]
    assert first.starts_at in free and second.starts_at in free and later not in free
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions == ["appointment.move", "appointment.cancel"]


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Agenda//FR
BEGIN:VEVENT
UID:meeting-1
DTSTAMP:20270101T000000Z
DTSTART;TZID=Europe/Paris:20270111T090000
DTEND;TZID=Europe/Paris:20270111T103000
SUMMARY:Comite
END:VEVENT
BEGIN:VEVENT
UID:free-1
DTSTAMP:20270101T000000Z
DTSTART:20270111T100000Z
DTEND:20270111T110000Z
TRANSP:TRANSPARENT
SUMMARY:Pense-bete
END:VEVENT
BEGIN:VEVENT
UID:day-off
DTSTAMP:20270101T000000Z
DTSTART;VALUE=DATE:20270112
DTEND;VALUE=DATE:20270113
SUMMARY:Conge
END:VEVENT
END:VCALENDAR
"""


async def test_busy_times_from_ics_and_export_round_trip(conn: Conn, pool: AsyncConnectionPool) -> None:
    claire(conn)
    assert advisers.import_busy(conn, "Claire Martin", ICS) == 2  # the transparent event does not block
    slots = await appointments.find_slots(pool, "patrimoine", MONDAY_8H, horizon=timedelta(days=3))
    hours = [(s.starts_at.day, s.starts_at.astimezone(PARIS).hour) for s in slots]
    assert hours == [(11, 11), (13, 9), (13, 10), (13, 11)]  # Monday after the meeting; Tuesday off
    booked = await appointments.hold(pool, slots[0], BookingFor(), MONDAY_8H)
    await appointments.confirm(pool, booked, MONDAY_8H)
    exported = advisers.export_ics(conn, "Claire Martin", MONDAY_8H)
    periods = advisers.busy_periods(exported, "Europe/Paris")
    assert (slots[0].starts_at, slots[0].ends_at) in [(p[0], p[1]) for p in periods]
    assert len(periods) == 3
    assert advisers.import_busy(conn, "Claire Martin", exported) == 3  # re-importing replaces, not adds
    with pytest.raises(ImportError_):
        advisers.import_busy(conn, "Claire Martin", b"hello")


def test_advisers_csv_import_and_validation(conn: Conn, tmp_path: Path) -> None:
    csv_file = tmp_path / "conseillers.csv"
    csv_file.write_text(
        "name;email;timezone;skills;hours\n"
        "Léa Hoarau;lea@cabinet.re;Indian/Reunion;patrimoine;mon-fri 08:00-12:00|mon-thu 13:30-16:30\n"
        "Marc;marc@cabinet.fr;Europe/Paris;assurance|patrimoine;mon-fri 09:00-17:00\n",
        encoding="utf-8",
    )
    assert advisers.import_csv(conn, csv_file) == 2
    listed = {a["name"]: a for a in advisers.list_all(conn)}
    assert listed["Léa Hoarau"]["hours"] == ["mon-fri 08:00-12:00", "mon-thu 13:30-16:30"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name;email;hours\nX;not-an-email;mon-fri 09:00-12:00\n", encoding="utf-8")
    with pytest.raises(ImportError_, match=r"bad.csv:2: email"):
        advisers.import_csv(conn, bad)
    with pytest.raises(ConfigError, match="write it like"):
        advisers.set_hours(conn, "Marc", ["weekdays"])
