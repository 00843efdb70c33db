"""`minibot db`: apply and inspect SQL migrations; stop the embedded Postgres."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands import group_help
from commands.common import JsonOpt, console, database_url, print_json, settings
from services import db

app = typer.Typer(help=group_help("db"), no_args_is_help=True)


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending migrations from sql/ in order (idempotent)."""
    with db.connect(database_url(), autocommit=True) as conn:
        applied = db.migrate(conn)
    if applied:
        for m in applied:
            console.print(f"applied {m.version:03d}_{m.name}")
    else:
        console.print("database is up to date")


@app.command("status")
def status_command(json_output: JsonOpt = False) -> None:
    """List migrations with their state (applied, pending, changed since applied)."""
    with db.connect(database_url(), autocommit=True) as conn:
        statuses = db.migration_status(conn)
    rows = [
        {
            "version": s.migration.version,
            "name": s.migration.name,
            "state": "pending" if s.applied_at is None else ("changed" if s.changed else "applied"),
            "applied_at": s.applied_at,
        }
        for s in statuses
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("version", "name", "state", "applied at")
    for row in rows:
        table.add_row(
            f"{row['version']:03d}", str(row["name"]), str(row["state"]), str(row["applied_at"] or "")
        )
    console.print(table)


@app.command("stop")
def stop_command(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--pgdata", help="Data folder of the embedded Postgres (default: MINIBOT_DATA_DIR/postgres)."
        ),
    ] = None,
) -> None:
    """Stop the embedded Postgres that MiniBot starts when MINIBOT_DATABASE_URL is unset.

    Commands reuse it while it runs (it starts in about a second the next time); nothing happens
    when it is not running or when MINIBOT_DATABASE_URL points at your own server.
    """
    pgdata = data_dir or settings().data_dir / "postgres"
    if db.stop_embedded_postgres(pgdata):
        console.print(f"stopped the embedded Postgres in {pgdata}")
    else:
        console.print(f"no embedded Postgres runs in {pgdata}")
