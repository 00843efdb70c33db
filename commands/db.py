"""`minibot db`: apply and inspect SQL migrations."""

from __future__ import annotations

import typer
from rich.table import Table

from commands import group_help
from commands.common import console, database_url
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
def status_command() -> None:
    """List migrations with their state (applied, pending, changed since applied)."""
    with db.connect(database_url(), autocommit=True) as conn:
        statuses = db.migration_status(conn)
    table = Table("version", "name", "state", "applied at")
    for s in statuses:
        state = "pending" if s.applied_at is None else ("CHANGED" if s.changed else "applied")
        table.add_row(f"{s.migration.version:03d}", s.migration.name, state, str(s.applied_at or ""))
    console.print(table)
