"""`minibot leads`: list and export leads with the dashboard's filters."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from psycopg_pool import AsyncConnectionPool
from rich.table import Table

from campaigns import store as campaigns
from commands import group_help
from commands.common import JsonOpt, console, database_url, print_json, run
from dashboard import store
from dashboard.export import csv_chunks
from dashboard.params import FilterError
from dashboard.store import LeadFilter
from services import db
from services.csvout import csv_style
from services.errors import ConfigError

app = typer.Typer(help=group_help("leads"), no_args_is_help=True)

CampaignOpt = Annotated[str | None, typer.Option("--campaign", "-c", help="Campaign name or id")]
StatusOpt = Annotated[str | None, typer.Option("--status", help="qualified, not_interested, callback, ...")]
ScoreOpt = Annotated[int | None, typer.Option("--min-score")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last day (inclusive), YYYY-MM-DD")]
SortOpt = Annotated[str, typer.Option("--sort", help="recent or score")]


def _filter(
    *,
    campaign: str | None,
    status: str | None,
    min_score: int | None,
    since: str | None,
    until: str | None,
    sort: str,
) -> LeadFilter:
    campaign_id = None
    if campaign is not None:
        with db.connect(database_url(), autocommit=True) as conn:
            campaign_id = campaigns.get(conn, campaign).id
    raw = {
        "campaign_id": campaign_id,
        "status": status,
        "min_score": min_score,
        "since": since,
        "until": until,
    }
    try:
        return LeadFilter.parse({k: str(v) for k, v in raw.items() if v is not None} | {"sort": sort})
    except FilterError as exc:
        raise ConfigError(str(exc)) from exc


async def _pool() -> AsyncConnectionPool:
    return await db.open_pool(database_url(), min_size=1, max_size=2)


@app.command("list")
def list_(
    *,
    campaign: CampaignOpt = None,
    status: StatusOpt = None,
    min_score: ScoreOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    sort: SortOpt = "recent",
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many rows (max 200)")] = 50,
    json_output: JsonOpt = False,
) -> None:
    """Show leads, e.g. `minibot leads list --status qualified --min-score 2`."""
    flt = _filter(campaign=campaign, status=status, min_score=min_score, since=since, until=until, sort=sort)

    async def go() -> list[store.Row]:
        pool = await _pool()
        try:
            return (await store.leads_page(pool, flt, limit))[0]
        finally:
            await pool.close()

    rows = run(go())
    if json_output:
        keys = (
            "id",
            "created_at",
            "campaign",
            "status",
            "score",
            "phone",
            "first_name",
            "last_name",
            "summary",
        )
        print_json([{k: r[k] for k in keys} for r in rows])
        return
    table = Table("id", "date", "campaign", "status", "score", "phone", "name", "summary")
    for r in rows:
        name = f"{r['first_name'] or ''} {r['last_name'] or ''}".strip()
        table.add_row(
            str(r["id"]), f"{r['created_at']:%Y-%m-%d %H:%M}", r["campaign"], r["status"], str(r["score"]),
            r["phone"] or "", name, r["summary"],
        )  # fmt: skip
    console.print(table)


@app.command()
def export(
    *,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV file (default: standard output)")
    ] = None,
    campaign: CampaignOpt = None,
    status: StatusOpt = None,
    min_score: ScoreOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    sort: SortOpt = "recent",
    csv_format: Annotated[
        str,
        typer.Option(
            "--format", help="plain (commas, for scripts) or excel (semicolons + BOM, French Excel)"
        ),
    ] = "plain",
) -> None:
    """Export every matching lead as CSV, e.g. `minibot leads export --status qualified -o leads.csv`."""
    style = csv_style(csv_format)
    flt = _filter(campaign=campaign, status=status, min_score=min_score, since=since, until=until, sort=sort)

    async def go() -> None:
        pool = await _pool()
        handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            async for chunk in csv_chunks(pool, flt, style=style):
                handle.write(chunk)
        finally:
            if output:
                handle.close()
            await pool.close()

    run(go())
