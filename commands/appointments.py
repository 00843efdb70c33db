"""`minibot appointments`: the appointments the bot booked: list, move, cancel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from calls.appointment_notice import notify
from campaigns import appointments
from campaigns.compliance import zone
from campaigns.phones import mask_phone
from commands import group_help
from commands.common import JsonOpt, console, database_url, operator, parse_instant, print_json, settings
from services import db

app = typer.Typer(help=group_help("appointments"), no_args_is_help=True)
Id = Annotated[int, typer.Argument(help="Appointment id (see `minibot appointments list`).")]


def _local(row: dict[str, Any], field: str = "starts_at") -> str:
    return str(row[field].astimezone(zone(str(row["adviser_timezone"]))).strftime("%a %d/%m/%Y %H:%M"))


@app.command("list")
def list_command(
    adviser: Annotated[str, typer.Option(help="Only this adviser's.")] = "", json_output: JsonOpt = False
) -> None:
    """Upcoming confirmed appointments, in each adviser's time zone."""
    with db.connect(database_url(), autocommit=True) as conn:
        rows = appointments.upcoming(conn, datetime.now(UTC), adviser)
    if json_output:
        keys = (
            "id",
            "adviser",
            "starts_at",
            "ends_at",
            "status",
            "campaign",
            "call_id",
            "first_name",
            "last_name",
        )
        print_json([{k: r[k] for k in keys} for r in rows])
        return
    table = Table("id", "when", "adviser", "prospect", "phone", "campaign", title="appointments")
    for r in rows:
        who = " ".join(p for p in (r["first_name"], r["last_name"]) if p) or "-"
        table.add_row(
            str(r["id"]), _local(r), r["adviser"], who, mask_phone(r["phone"] or ""), r["campaign"] or "-"
        )
    console.print(table)


def _tell(row: dict[str, Any]) -> None:
    asyncio.run(notify(settings(), row))


@app.command("move")
def move_command(
    appointment: Id,
    to: Annotated[str, typer.Option("--to", help="New start, in the adviser's time zone: 2027-01-14T15:30.")],
) -> None:
    """Move an appointment (the adviser gets an updated invitation); refused if they are busy then."""
    with db.connect(database_url(), autocommit=True) as conn:
        current = appointments.get(conn, appointment)
        start = parse_instant(to, str(current["adviser_timezone"]), "--to")
        row = appointments.move(conn, appointment, start, operator(), datetime.now(UTC))
    _tell(row)
    console.print(f"appointment {appointment} moved to {_local(row)} ({row['adviser']})")


@app.command("cancel")
def cancel_command(
    appointment: Id, note: Annotated[str, typer.Option(help="Why (kept on the appointment).")] = ""
) -> None:
    """Cancel an appointment; its slot can be booked again and the adviser gets a cancellation."""
    with db.connect(database_url(), autocommit=True) as conn:
        row = appointments.cancel(conn, appointment, operator(), datetime.now(UTC), note)
    _tell(row)
    console.print(f"appointment {appointment} cancelled")
