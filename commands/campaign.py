"""`minibot campaign`: Campaigns: create, configure, start, pause, stop, inspect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any

import psycopg
import typer
from rich.table import Table

from campaigns import store
from campaigns.models import CampaignSettings
from campaigns.phones import mask_phone
from commands import group_help
from commands.common import console, database_url, err_console
from services import db
from services.errors import ConfigError

app = typer.Typer(help=group_help("campaign"), no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="Campaign name.")]


@contextmanager
def _conn() -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with db.connect(database_url(), autocommit=True) as conn:
        yield conn


def _positive(value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not a positive number")
    return value


@app.command("create")
def create_command(
    name: Name,
    *,
    scenario: Annotated[str, typer.Option(help="Scenario name from the library.")] = "patrimoine",
    endpoint: Annotated[
        str, typer.Option(help="Dial string template with {number}.")
    ] = "PJSIP/{number}@trunk",
    caller_id: Annotated[str, typer.Option(help="Caller id presented to the callee.")] = "",
    max_concurrent: Annotated[int, typer.Option(min=1, help="Calls in progress at most.")] = 5,
    cps: Annotated[float, typer.Option(callback=_positive, help="New calls per second at most.")] = 1.0,
    ring_timeout: Annotated[int, typer.Option(min=1, help="Seconds to ring before no_answer.")] = 30,
    retry_policy: Annotated[
        str, typer.Option(help='JSON, e.g. \'{"busy": {"max_attempts": 3, "delay_s": 900}}\'')
    ] = "{}",
    profile: Annotated[str, typer.Option(help="Compliance profile: fr, us-tcpa or none.")] = "fr",
    b2b: Annotated[
        bool, typer.Option("--b2b/--b2c", help="Calls professionals (no consumer opt-in).")
    ] = False,
    amd: Annotated[
        str, typer.Option(help="Answering-machine detection: off, asterisk, bot, hybrid.")
    ] = "hybrid",
    record: Annotated[bool, typer.Option("--record/--no-record", help="Record calls.")] = True,
    priority: Annotated[int, typer.Option(help="Higher priority campaigns are dialled first.")] = 0,
) -> None:
    """Create a draft campaign."""
    try:
        policy = json.loads(retry_policy)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--retry-policy is not valid JSON: {exc}") from None
    if not isinstance(policy, dict):
        raise ConfigError("--retry-policy must be a JSON object keyed by outcome")
    settings = CampaignSettings(
        scenario=scenario,
        endpoint_template=endpoint,
        caller_id=caller_id,
        max_concurrent_calls=max_concurrent,
        calls_per_second=cps,
        ring_timeout_s=ring_timeout,
        retry_policy=policy,
        compliance_profile=profile,
        b2b=b2b,
        amd_mode=amd,
        record_calls=record,
        priority=priority,
    )
    with _conn() as conn:
        campaign = store.create(conn, name, settings)
    console.print(f"created campaign [bold]{campaign.name}[/bold] (id {campaign.id}, draft)")


@app.command("list")
def list_command() -> None:
    """List campaigns with status, contacts and pending calls."""
    with _conn() as conn:
        rows = store.list_all(conn)
    table = Table("name", "status", "scenario", "profile", "priority", "contacts", "pending")
    for campaign, contacts, pending in rows:
        s = campaign.settings
        table.add_row(
            campaign.name,
            campaign.status,
            s.scenario,
            s.compliance_profile,
            str(s.priority),
            str(contacts),
            str(pending),
        )
    console.print(table)


@app.command("show")
def show_command(name: Name) -> None:
    """Show every setting of a campaign."""
    with _conn() as conn:
        campaign = store.get(conn, name)
    table = Table("setting", "value", title=f"campaign {campaign.name}")
    table.add_row("id", str(campaign.id))
    table.add_row("status", campaign.status)
    for key, value in asdict(campaign.settings).items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)


@app.command("start")
def start_command(name: Name) -> None:
    """Queue every contact not queued yet and start dialling (refused if compliance rules fail)."""
    with _conn() as conn:
        campaign, queued, warnings = store.start(conn, name)
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"campaign [bold]{campaign.name}[/bold] running; {queued} contacts queued")


@app.command("pause")
def pause_command(name: Name) -> None:
    """Pause: no new calls; calls in progress finish."""
    with _conn() as conn:
        store.pause(conn, name)
    console.print(f"campaign [bold]{name}[/bold] paused")


@app.command("resume")
def resume_command(name: Name) -> None:
    """Resume a paused campaign."""
    with _conn() as conn:
        store.resume(conn, name)
    console.print(f"campaign [bold]{name}[/bold] running")


@app.command("stop")
def stop_command(name: Name) -> None:
    """Stop a campaign and cancel its pending calls."""
    with _conn() as conn:
        _, cancelled = store.stop(conn, name)
    console.print(f"campaign [bold]{name}[/bold] stopped; {cancelled} pending calls cancelled")


@app.command("delete")
def delete_command(
    name: Name, yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False
) -> None:
    """Delete a campaign with its contacts, queue, calls and leads."""
    if not yes:
        typer.confirm(f"Delete campaign {name!r} with all its contacts, calls and leads?", abort=True)
    with _conn() as conn:
        store.delete(conn, name)
    console.print(f"campaign [bold]{name}[/bold] deleted")


@app.command("status")
def status_command(name: Name) -> None:
    """Queue rows per status and calls per outcome."""
    with _conn() as conn:
        campaign = store.get(conn, name)
        queue_counts, outcome_counts = store.status_counts(conn, name)
    table = Table("queue status", "rows", title=f"campaign {name} ({campaign.status})")
    for status in ("pending", "leased", "done", "cancelled"):
        table.add_row(status, str(queue_counts.get(status, 0)))
    console.print(table)
    outcomes = Table("call outcome", "calls")
    for outcome, count in outcome_counts.items():
        outcomes.add_row(outcome, str(count))
    console.print(outcomes)


@app.command("preview")
def preview_command(
    name: Name, n: Annotated[int, typer.Option("-n", help="How many calls to show.")] = 10
) -> None:
    """When the next N calls may go out, and why the others wait (compliance, retry delay)."""
    with _conn() as conn:
        rows = store.preview(conn, name, n)
    table = Table("queue id", "phone", "time zone", "attempts", "may dial at", "waiting because")
    for row, decision in rows:
        when = (
            "now"
            if decision.allowed
            else (decision.next_allowed.isoformat() if decision.next_allowed else "never")
        )
        table.add_row(
            str(row["queue_id"]),
            mask_phone(row["phone"]),
            row["timezone"],
            str(row["attempt"]),
            when,
            decision.reason,
        )
    console.print(table)
