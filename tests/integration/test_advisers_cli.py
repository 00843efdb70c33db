"""`minibot advisers` and `minibot appointments` through the CLI, on a real database."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner, Result

from campaigns import appointments
from campaigns.appointments import BookingFor
from commands import advisers
from commands import appointments as appointments_cmd
from services import db

pytestmark = pytest.mark.integration
runner = CliRunner()
root = typer.Typer()
root.add_typer(advisers.app, name="advisers")
root.add_typer(appointments_cmd.app, name="appointments")


def cli(*args: str) -> Result:
    return runner.invoke(root, list(args))


@pytest.fixture(autouse=True)
def _database(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("MINIBOT_DATA_DIR", str(tmp_path))


def test_advisers_their_hours_and_a_booked_appointment_moved_and_cancelled(
    db_url: str, tmp_path: Path
) -> None:
    added = cli(
        "advisers",
        "add",
        "Claire Martin",
        "--title",
        "conseillère patrimoniale",
        "--email",
        "claire@cabinet.fr",
        "--skills",
        "patrimoine",
        "--hours",
        "mon-fri 09:00-12:00",
    )
    assert added.exit_code == 0, added.output
    assert cli("advisers", "hours", "Claire Martin", "mon-fri 09:00-12:00", "tue 14:00-17:00").exit_code == 0
    listed = json.loads(cli("advisers", "list", "--json").output)
    assert listed[0]["hours"] == ["mon-fri 09:00-12:00", "tue 14:00-17:00"] and listed[0]["skills"] == [
        "patrimoine"
    ]
    assert (
        cli("advisers", "absence", "Claire Martin", "--from", "2027-02-01", "--to", "2027-02-08").exit_code
        == 0
    )
    bad = cli("advisers", "add", "X", "--email", "nope")
    assert bad.exit_code != 0 and "email" in str(bad.exception or bad.output)

    now = datetime.now(ZoneInfo("Europe/Paris"))

    async def book() -> int:
        pool = await db.open_pool(db_url, min_size=1, max_size=2)
        try:
            slot = (await appointments.find_slots(pool, "patrimoine", now))[0]
            held = await appointments.hold(pool, slot, BookingFor(), now)
            await appointments.confirm(pool, held, now)
            return held
        finally:
            await pool.close()

    booked = asyncio.run(book())
    rows = json.loads(cli("appointments", "list", "--json").output)
    assert [r["id"] for r in rows] == [booked]
    new_start = datetime.fromisoformat(rows[0]["starts_at"]).astimezone(ZoneInfo("Europe/Paris")) + timedelta(
        days=7
    )
    moved = cli("appointments", "move", str(booked), "--to", new_start.strftime("%Y-%m-%dT%H:%M"))
    assert moved.exit_code == 0, moved.output
    invitation = tmp_path / "appointments" / f"appointment-{booked}.ics"
    assert b"METHOD:REQUEST" in invitation.read_bytes()
    exported = tmp_path / "claire.ics"
    assert cli("advisers", "export-ics", "Claire Martin", "-o", str(exported)).exit_code == 0
    assert b"BEGIN:VEVENT" in exported.read_bytes()
    assert cli("appointments", "cancel", str(booked), "--note", "client indisponible").exit_code == 0
    assert b"METHOD:CANCEL" in invitation.read_bytes()
    assert json.loads(cli("appointments", "list", "--json").output) == []
