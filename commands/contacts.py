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
from commands.common import CampaignRef, ExitCode, console, database_url, err_console, operator
from services import db

app = typer.Typer(help=group_help("contacts"), no_args_is_help=True)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file with a header row and a phone column.")],
    campaign: CampaignRef,
    country: Annotated[str, typer.Option(help="Default region for numbers without +, e.g. FR.")] = "FR",
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of the file (default: UTF-8, else Windows-1252 as Excel writes)."),
    ] = None,
    update: Annotated[
        bool,
        typer.Option(
            "--update", help="Contacts already in the campaign take the file's non-empty fields (audited)."
        ),
    ] = False,
) -> None:
    """Import contacts; exit code 5 (PARTIAL) when some rows were invalid.

    Every row not imported (invalid, duplicate, on the do-not-call list) is listed with its reason
    in <file>.rejects.csv. A progress bar shows on a terminal, nothing when the output is piped.
    """
    total = file.stat().st_size if file.is_file() else 0
    columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with (
        db.connect(database_url(), autocommit=True) as conn,
        Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar,
    ):
        campaign_row = store.get(conn, campaign)
        task = bar.add_task("import", total=total)
        report = import_contacts(
            conn,
            file,
            campaign_row.id,
            region=country,
            progress=(lambda n: bar.advance(task, n)) if err_console.is_terminal else None,
            encoding=encoding,
            update=update,
            actor=operator(),
        )
    table = Table("result", "rows", title=f"{file.name} → {campaign_row.name}")
    table.add_row("imported", str(report.imported))
    if update:
        table.add_row("updated", str(report.updated))
    table.add_row("skipped (duplicate or already there)", str(report.duplicate))
    table.add_row("skipped (DNC)", str(report.dnc))
    table.add_row("rejected (invalid)", str(report.rejected))
    console.print(table)
    console.print(
        f"{report.read} rows ({report.encoding.removesuffix('-sig')}) in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s)"
    )
    if report.rejects_file:
        skipped = report.read - report.imported - report.updated
        err_console.print(f"{skipped} rows not imported, each with its reason: {report.rejects_file}")
    if report.rejected:
        raise typer.Exit(int(ExitCode.PARTIAL))
