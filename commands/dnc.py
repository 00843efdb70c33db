"""`minibot dnc`: Do-not-call list: add, remove, import, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from campaigns import dnc
from campaigns.phones import normalize
from commands import group_help
from commands.common import ExitCode, JsonOpt, console, database_url, err_console, print_json
from services import db

app = typer.Typer(help=group_help("dnc"), no_args_is_help=True)

Number = Annotated[str, typer.Argument(help="Phone number (E.164 or national).")]
Country = Annotated[str, typer.Option(help="Region of numbers without +.")]


@app.command("add")
def add_command(number: Number, reason: str = "", source: str = "manual", country: Country = "FR") -> None:
    """Add a number to the do-not-call list."""
    with db.connect(database_url(), autocommit=True) as conn:
        phone = dnc.add(conn, number, source=source, reason=reason, region=country)
    console.print(f"{phone} added to the do-not-call list")


@app.command("remove")
def remove_command(number: Number, country: Country = "FR") -> None:
    """Remove a number from the do-not-call list."""
    with db.connect(database_url(), autocommit=True) as conn:
        removed = dnc.remove(conn, number, region=country)
    if not removed:
        err_console.print(f"{number} is not on the do-not-call list")
        raise typer.Exit(int(ExitCode.NOT_FOUND))
    console.print(f"{number} removed from the do-not-call list")


@app.command("check")
def check_command(number: Number, country: Country = "FR", json_output: JsonOpt = False) -> None:
    """Tell whether a number is on the list: exit code 0 when listed, 3 when not (for scripts)."""
    with db.connect(database_url(), autocommit=True) as conn:
        entry = dnc.check(conn, number, region=country)
        warning = dnc.staleness_warning(conn)
    if json_output:
        print_json(
            {
                "number": number,
                "phone": entry["phone"] if entry else normalize(number, country),
                "listed": entry is not None,
                "source": entry["source"] if entry else None,
                "reason": entry["reason"] if entry else None,
                "added_at": entry["added_at"] if entry else None,
                "warning": warning,
            }
        )
    else:
        if warning:
            err_console.print(f"[yellow]warning:[/yellow] {warning}")
        if entry is None:
            console.print(f"{number}: not on the do-not-call list")
        else:
            added = f"{entry['added_at']:%Y-%m-%d}"
            console.print(f"{entry['phone']}: DO NOT CALL (source {entry['source']}, added {added})")
    if entry is None:
        raise typer.Exit(int(ExitCode.NOT_FOUND))


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="One number per line, or a CSV with a phone column.")],
    source: Annotated[str, typer.Option(help="List name, e.g. bloctel.")] = "bloctel",
    country: Country = "FR",
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding (default: UTF-8, else Windows-1252).")
    ] = None,
) -> None:
    """Import a list of numbers (e.g. a Bloctel export); exit code 5 when some lines were invalid."""
    with db.connect(database_url(), autocommit=True) as conn:
        report = dnc.import_file(conn, file, source=source, region=country, encoding=encoding)
    console.print(
        f"{report.imported} numbers added, {report.duplicate} already listed, {report.rejected} invalid "
        f"({report.read} read in {report.seconds:.1f} s)"
    )
    if report.rejected:
        raise typer.Exit(int(ExitCode.PARTIAL))
