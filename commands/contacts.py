"""`minibot contacts`: Contacts: import CSV files into a campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from campaigns import store
from campaigns.importer import import_contacts
from commands import group_help
from commands.common import ExitCode, console, database_url, err_console
from services import db

app = typer.Typer(help=group_help("contacts"), no_args_is_help=True)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file with a header row and a phone column.")],
    campaign: Annotated[str, typer.Option("--campaign", "-c", help="Campaign to import into.")],
    country: Annotated[str, typer.Option(help="Default region for numbers without +, e.g. FR.")] = "FR",
) -> None:
    """Import contacts; exit code 5 (PARTIAL) when some rows were rejected (see <file>.rejects.csv)."""
    total = file.stat().st_size if file.is_file() else 0
    columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with db.connect(database_url(), autocommit=True) as conn:
        campaign_id = store.get(conn, campaign).id
        with Progress(*columns, console=err_console, transient=True) as progress:
            task = progress.add_task("import", total=total)
            report = import_contacts(
                conn, file, campaign_id, region=country, progress=lambda n: progress.advance(task, n)
            )
    table = Table("result", "rows", title=f"{file.name} → {campaign}")
    table.add_row("imported", str(report.imported))
    table.add_row("skipped (duplicate)", str(report.duplicate))
    table.add_row("skipped (DNC)", str(report.dnc))
    table.add_row("rejected", str(report.rejected))
    console.print(table)
    console.print(f"{report.read} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)")
    if report.rejected:
        err_console.print(f"[yellow]{report.rejected} rows rejected[/yellow]: see {report.rejects_file}")
        raise typer.Exit(int(ExitCode.PARTIAL))
