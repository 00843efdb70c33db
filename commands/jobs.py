"""`minibot jobs`: the robot's scheduled jobs, their next runs and last results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from calls.jobs import describe_jobs
from commands import group_help
from commands.common import console, database_url, settings
from services import db

app = typer.Typer(help=group_help("jobs"), no_args_is_help=True)


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else "-"


def job_rows() -> list[dict[str, Any]]:
    """Each job with its next run (the robots' view, else the trigger's) and its latest run."""
    now = datetime.now(UTC)
    with db.connect(database_url(), autocommit=True) as conn:
        stored = {r["job"]: r for r in conn.execute(db.query("scheduler", "job_report")).fetchall()}
    rows = []
    for job in describe_jobs(settings(), now):
        last = stored.get(job["job"], {})
        rows.append(
            job
            | {
                "next_run_at": last.get("next_run_at") or job["next_run_at"],
                "last_status": last.get("status"),
                "last_started_at": last.get("started_at"),
                "last_finished_at": last.get("finished_at"),
                "last_attempts": last.get("attempts"),
                "last_result": last.get("result"),
                "last_error": last.get("error") or None,
            }
        )
    return rows


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array (for scripts).")] = False,
) -> None:
    """Every scheduled job: its trigger, next run, and the result of its latest run."""
    rows = job_rows()
    if as_json:
        print(json.dumps(rows, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))
        return
    table = Table("job", "when", "next run", "last run", "result", "error", title="scheduled jobs")
    for r in rows:
        status = r["last_status"] or "never ran"
        if r["last_attempts"] and r["last_attempts"] > 1:
            status += f" ({r['last_attempts']} attempts)"
        table.add_row(
            r["job"],
            r["trigger"],
            _when(r["next_run_at"]),
            _when(r["last_started_at"]),
            status,
            r["last_error"] or "",
        )
    console.print(table)
