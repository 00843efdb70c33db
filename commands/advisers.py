"""`minibot advisers`: the advisers the bot books appointments with, and their availability."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from campaigns import advisers
from campaigns.advisers import AdviserInput
from commands import group_help
from commands.common import JsonOpt, console, database_url, parse_instant, print_json
from services import db

app = typer.Typer(help=group_help("advisers"), no_args_is_help=True)
Name = Annotated[str, typer.Argument(help="Adviser name (or id).")]


def _split(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="Full name, as the bot says it: 'Claire Martin'.")],
    *,
    title: Annotated[
        str, typer.Option(help="How the bot presents them: 'conseillère patrimoniale'.")
    ] = "conseiller",
    email: Annotated[str, typer.Option(help="Where invitations go.")] = "",
    phone: Annotated[str, typer.Option(help="Phone number.")] = "",
    endpoint: Annotated[str, typer.Option(help="Dial string for live transfers: PJSIP/claire@trunk.")] = "",
    timezone: Annotated[str, typer.Option(help="Their time zone (IANA).")] = "Europe/Paris",
    skills: Annotated[str, typer.Option(help="Comma-separated skills: patrimoine,assurance.")] = "",
    regions: Annotated[str, typer.Option(help="Comma-separated regions they cover.")] = "",
    hours: Annotated[
        list[str] | None, typer.Option(help="Weekly hours, repeatable: 'mon-fri 09:00-12:30'.")
    ] = None,
    length: Annotated[int, typer.Option(help="Appointment length in minutes.", min=5, max=480)] = 45,
    buffer: Annotated[
        int, typer.Option(help="Minutes kept free after each appointment.", min=0, max=240)
    ] = 15,
) -> None:
    """Add an adviser with their weekly hours.

    Example: `minibot advisers add "Claire Martin" --skills patrimoine --hours "mon-fri 09:00-12:30"`.
    """
    with db.connect(database_url(), autocommit=True) as conn:
        row = advisers.add(
            conn,
            AdviserInput(
                name,
                title,
                email,
                phone,
                endpoint,
                timezone,
                _split(skills),
                _split(regions),
                length,
                buffer,
                tuple(hours or ()),
            ),
        )
    console.print(f"adviser {row['name']} added (id {row['id']})")


@app.command("list")
def list_command(json_output: JsonOpt = False) -> None:
    """Every adviser with their hours, skills and upcoming appointments."""
    with db.connect(database_url(), autocommit=True) as conn:
        rows = advisers.list_all(conn)
    if json_output:
        keys = (
            "id",
            "name",
            "title",
            "email",
            "timezone",
            "skills",
            "regions",
            "hours",
            "appointment_minutes",
            "buffer_minutes",
            "active",
            "upcoming",
        )
        print_json([{k: r[k] for k in keys} for r in rows])
        return
    table = Table("id", "name", "skills", "hours", "time zone", "length", "upcoming", title="advisers")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            ", ".join(r["skills"]),
            "; ".join(r["hours"]) or "(none)",
            r["timezone"],
            f"{r['appointment_minutes']}+{r['buffer_minutes']} min",
            str(r["upcoming"]),
        )
    console.print(table)


@app.command("hours")
def hours_command(
    name: Name, windows: Annotated[list[str], typer.Argument(help="Weekly hours: 'mon-fri 09:00-12:30' ...")]
) -> None:
    """Replace an adviser's weekly hours."""
    with db.connect(database_url(), autocommit=True) as conn:
        stored = advisers.set_hours(conn, name, windows)
    console.print(f"{name}: {'; '.join(stored)}")


@app.command("absence")
def absence_command(
    name: Name,
    start: Annotated[str, typer.Option("--from", help="Start: 2027-02-01 or 2027-02-01T14:00.")],
    end: Annotated[str, typer.Option("--to", help="End (exclusive): 2027-02-08.")],
    reason: Annotated[str, typer.Option(help="Why (shown in exports).")] = "absence",
) -> None:
    """Block an adviser's diary (holidays, training); no appointment is offered then."""
    with db.connect(database_url(), autocommit=True) as conn:
        tz = str(advisers.get(conn, name)["timezone"])
        advisers.add_absence(
            conn, name, parse_instant(start, tz, "--from"), parse_instant(end, tz, "--to"), reason
        )
    console.print(f"{name}: absent from {start} to {end}")


@app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="CSV: name;email;phone;endpoint;timezone;skills;regions;hours.")
    ],
) -> None:
    """Add advisers from a CSV file (lists separated by |); a bad line stops with its number."""
    with db.connect(database_url(), autocommit=True) as conn:
        added = advisers.import_csv(conn, file)
    console.print(f"{added} advisers added")


@app.command("busy-import")
def busy_import_command(
    name: Name, file: Annotated[Path, typer.Argument(help="An .ics export of the adviser's calendar.")]
) -> None:
    """Block the busy times of an iCalendar file (replaces the previous import for this adviser)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror}") from None
    with db.connect(database_url(), autocommit=True) as conn:
        count = advisers.import_busy(conn, name, data)
    console.print(f"{name}: {count} busy periods imported from {file}")


@app.command("export-ics")
def export_command(
    name: Name, output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the .ics file.")]
) -> None:
    """Write the adviser's appointments and busy times as an iCalendar file."""
    with db.connect(database_url(), autocommit=True) as conn:
        data = advisers.export_ics(conn, name, datetime.now(UTC))
    output.write_bytes(data)
    console.print(f"{output} written")
