"""Appointments booked during whole calls through the simulated PBX (``patrimoine``, real audio and
VAD, scripted transcripts at the ASR boundary as in tests/e2e/scripted.py): a whole booking, a
counter-proposal, a collision with another robot's booking, and a hangup during the confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from psycopg_pool import AsyncConnectionPool

from calls.booking import DatabaseSlots
from calls.controller import LiveCall
from calls.runner import diary
from campaigns import advisers, appointments
from campaigns.advisers import AdviserInput
from campaigns.appointments import BookingFor
from campaigns.slots import Slot
from scenarios import library
from services.config import load_settings
from services.simulator.personas import Persona
from tests.e2e.scripted import Conn, bot_texts, run_scripted_call

pytestmark = pytest.mark.e2e
PATRIMOINE = library.resolve("patrimoine")
PARIS = ZoneInfo("Europe/Paris")
QUALIFIED = [
    "Oui, je vous écoute.",
    "J'ai un livret A.",
    "Oui, ça ne rapporte rien.",
    "Non, pas vraiment.",
    "Non merci.",  # not a live transfer...
    "Oui, volontiers.",  # ...but an appointment
]


@pytest.fixture
def adviser(conn: Conn) -> dict[str, Any]:
    return advisers.add(
        conn,
        AdviserInput(
            name="Claire Martin",
            title="conseillère patrimoniale",
            email="claire@cabinet.fr",
            skills=("patrimoine",),
            hours=("mon-sun 08:00-20:00",),
        ),
    )


def booked(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM appointments ORDER BY id").fetchall()


async def test_a_qualified_caller_books_an_appointment(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path, adviser: dict[str, Any]
) -> None:
    settings = load_settings({}, data_dir=tmp_path)
    run = await run_scripted_call(
        pool,
        conn,
        tmp_path,
        PATRIMOINE,
        [*QUALIFIED, "Le premier.", "Oui, c'est parfait."],
        slots=lambda live: diary(pool, settings, live),
    )
    call = run.call
    assert call["lead_status"] == "qualified"
    assert call["answers"]["appointment"]["intent"] == "booked"
    assert "avec Claire Martin" in call["answers"]["appointment"]["text"]
    [row] = booked(conn)
    assert (
        row["status"] == "confirmed" and row["call_id"] == call["id"] and row["adviser_id"] == adviser["id"]
    )
    said = bot_texts(conn, call["id"])
    assert any(t.startswith("Je peux vous proposer") for t in said)
    assert any(t.startswith("Je récapitule : rendez-vous le") for t in said)
    assert (tmp_path / "appointments" / f"appointment-{row['id']}.ics").is_file()  # the adviser's invitation


async def test_a_counter_proposal_books_what_the_caller_asked(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path, adviser: dict[str, Any]
) -> None:
    run = await run_scripted_call(
        pool,
        conn,
        tmp_path,
        PATRIMOINE,
        [*QUALIFIED, "Plutôt après-demain après 17 h.", "Le premier.", "Oui."],
        slots=lambda live: DatabaseSlots(pool, BookingFor(live.call_id)),
    )
    [row] = booked(conn)
    local = row["starts_at"].astimezone(PARIS)
    assert local.date() == datetime.now(PARIS).date() + timedelta(days=2) and local.hour >= 17
    assert run.call["lead_status"] == "qualified"


@dataclass
class RivalRobot(DatabaseSlots):
    """Another robot books the caller's pick a moment before this call tries to hold it."""

    rival_done: bool = False

    async def hold(self, slot: Slot, now: datetime) -> int:
        if not self.rival_done:
            self.rival_done = True
            other = await appointments.hold(self.pool, slot, BookingFor(), now)
            await appointments.confirm(self.pool, other, now)
        return await super().hold(slot, now)


async def test_a_slot_taken_by_another_robot_is_replaced(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path, adviser: dict[str, Any]
) -> None:
    def rival(live: LiveCall) -> RivalRobot:
        return RivalRobot(pool, BookingFor(live.call_id))

    run = await run_scripted_call(
        pool, conn, tmp_path, PATRIMOINE, [*QUALIFIED, "Le premier.", "Le premier.", "Oui."], slots=rival
    )
    said = bot_texts(conn, run.call["id"])
    assert any(t.startswith("Ce créneau vient d'être pris") for t in said)
    rows = booked(conn)
    assert [r["status"] for r in rows] == ["confirmed", "confirmed"]  # the rival's, then the caller's
    assert rows[1]["call_id"] == run.call["id"] and rows[1]["starts_at"] != rows[0]["starts_at"]


async def test_hanging_up_during_the_confirmation_frees_the_slot(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path, adviser: dict[str, Any]
) -> None:
    lines = (*QUALIFIED, "Le premier.")
    callee = Persona(
        name="leaves",
        answer_after_s=0.5,
        greeting="Allô ?",
        lines=lines,
        behaviour="hangup",
        reply_delay_s=0.2,
    )
    run = await run_scripted_call(
        pool,
        conn,
        tmp_path,
        PATRIMOINE,
        list(lines),
        greeting="Allô ?",
        callee=callee,
        slots=lambda live: DatabaseSlots(pool, BookingFor(live.call_id)),
    )
    [row] = booked(conn)
    assert row["status"] == "released" and row["call_id"] == run.call["id"]
    free = await appointments.find_slots(pool, "patrimoine", datetime.now(UTC))
    assert row["starts_at"] in [s.starts_at for s in free]
