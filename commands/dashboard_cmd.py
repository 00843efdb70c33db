"""`minibot dashboard`: serve the web dashboard, purge data past the retention period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from aiohttp import web

from campaigns import retention
from commands import group_help
from commands.common import console, database_url, run, settings
from dashboard import accounts, security
from dashboard.app import create_app
from services import db

app = typer.Typer(help=group_help("dashboard"), no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default MINIBOT_DASHBOARD_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default MINIBOT_DASHBOARD_PORT)")] = None,
) -> None:
    """Run the dashboard until Ctrl-C, e.g. `minibot dashboard serve --port 8080`."""
    cfg = settings()
    if not cfg.secret_key:
        console.print(
            f"MINIBOT_SECRET_KEY unset: using the key stored in {cfg.data_dir / security.SECRET_FILE}"
        )
    application = create_app(cfg, database_url())
    web.run_app(
        application, host=host or cfg.dashboard_host, port=port or cfg.dashboard_port, print=console.print
    )


@app.command()
def purge(
    days: Annotated[
        int | None, typer.Option(help="Retention in days (default MINIBOT_RETENTION_DAYS)")
    ] = None,
) -> None:
    """Delete recordings and blank transcripts of calls that ended more than the retention period ago."""
    cfg = settings()
    keep_days = cfg.retention_days if days is None else days

    async def go() -> retention.PurgeResult:
        pool = await db.open_pool(database_url(), min_size=1, max_size=2)
        try:
            return await retention.purge_expired(pool, keep_days, datetime.now(UTC), "cli")
        finally:
            await pool.close()

    result = run(go())
    with db.connect(database_url(), autocommit=True) as conn:
        sessions, throttled = accounts.prune(conn)
    console.print(
        f"purged calls ended before {result.cutoff:%Y-%m-%d}: {result.recordings} recordings "
        f"({result.files_deleted} files deleted), {result.transcripts} transcript turns blanked; "
        f"{sessions} ended sessions and {throttled} login-throttle rows deleted"
    )
