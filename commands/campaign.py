"""`minibot campaign`: Campaigns: create, configure, start, pause, stop, inspect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
import typer
from rich.table import Table

from campaigns import compliance, scheduling, store
from campaigns.models import CampaignSettings
from campaigns.phones import mask_phone
from campaigns.schedule import CampaignSchedule, parse_window
from commands import group_help
from commands.common import JsonOpt, console, database_url, err_console, operator, parse_instant, print_json
from services import db
from services.errors import ConfigError

app = typer.Typer(help=group_help("campaign"), no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="Campaign name or id.")]


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
    amd_bias: Annotated[
        str,
        typer.Option(
            help="AMD sensitivity: human (never risk a person), balanced, machine (more voicemails)."
        ),
    ] = "balanced",
    record: Annotated[bool, typer.Option("--record/--no-record", help="Record calls.")] = True,
    priority: Annotated[int, typer.Option(help="Higher priority campaigns are dialled first.")] = 0,
) -> None:
    """Create a draft campaign."""
    policy = _policy(retry_policy)
    _check_scenario(scenario)
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
        amd_bias=amd_bias,
        record_calls=record,
        priority=priority,
    )
    with _conn() as conn:
        campaign = store.create(conn, name, settings)
    console.print(f"created campaign [bold]{campaign.name}[/bold] (id {campaign.id}, draft)")


@app.command("update")
def update_command(
    name: Name,
    *,
    scenario: Annotated[str | None, typer.Option(help="Scenario name from the library.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Dial string template with {number}.")] = None,
    caller_id: Annotated[str | None, typer.Option(help="Caller id presented to the callee.")] = None,
    max_concurrent: Annotated[int | None, typer.Option(min=1, help="Calls in progress at most.")] = None,
    cps: Annotated[float | None, typer.Option(callback=_positive, help="New calls per second.")] = None,
    ring_timeout: Annotated[int | None, typer.Option(min=1, help="Seconds to ring.")] = None,
    retry_policy: Annotated[str | None, typer.Option(help="JSON retry policy keyed by outcome.")] = None,
    profile: Annotated[str | None, typer.Option(help="Compliance profile: fr, us-tcpa or none.")] = None,
    b2b: Annotated[
        bool | None, typer.Option("--b2b/--b2c", help="Calls professionals (no consumer opt-in).")
    ] = None,
    amd: Annotated[str | None, typer.Option(help="off, asterisk, bot, hybrid.")] = None,
    amd_bias: Annotated[str | None, typer.Option(help="AMD sensitivity: human, balanced, machine.")] = None,
    record: Annotated[bool | None, typer.Option("--record/--no-record", help="Record calls.")] = None,
    priority: Annotated[int | None, typer.Option(help="Higher priority campaigns are dialled first.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Change settings of a campaign in any state (audited), e.g. `campaign update relance --b2b`."""
    given = {
        "scenario": scenario,
        "endpoint_template": endpoint,
        "caller_id": caller_id,
        "max_concurrent_calls": max_concurrent,
        "calls_per_second": cps,
        "ring_timeout_s": ring_timeout,
        "retry_policy": _policy(retry_policy) if retry_policy is not None else None,
        "compliance_profile": profile,
        "b2b": b2b,
        "amd_mode": amd,
        "amd_bias": amd_bias,
        "record_calls": record,
        "priority": priority,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise typer.BadParameter("give at least one setting to change (see --help)")
    if scenario is not None:
        _check_scenario(scenario)
    with _conn() as conn:
        campaign, diff = store.update(conn, name, changes, operator())
    if json_output:
        print_json({"id": campaign.id, "name": campaign.name, "changes": diff})
        return
    if not diff:
        console.print(f"campaign [bold]{campaign.name}[/bold]: nothing to change")
    for key, (old, new) in diff.items():
        console.print(f"{campaign.name}: {key} {old!r} → {new!r}")


def _policy(text: str) -> dict[str, Any]:
    try:
        policy = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--retry-policy is not valid JSON: {exc}") from None
    if not isinstance(policy, dict):
        raise ConfigError("--retry-policy must be a JSON object keyed by outcome")
    return policy


def _check_scenario(name: str) -> None:
    """Refuse a scenario the robot could not load (unknown name, invalid file)."""
    from calls.preflight import check_scenario

    check_scenario(name)


@app.command("list")
def list_command(json_output: JsonOpt = False) -> None:
    """List campaigns with their id, status, contacts and pending calls."""
    with _conn() as conn:
        rows = store.list_all(conn)
    if json_output:
        print_json(
            [
                {
                    "id": c.id,
                    "name": c.name,
                    "status": c.status,
                    "scenario": c.settings.scenario,
                    "profile": c.settings.compliance_profile,
                    "b2b": c.settings.b2b,
                    "priority": c.settings.priority,
                    "contacts": contacts,
                    "pending": pending,
                }
                for c, contacts, pending in rows
            ]
        )
        return
    table = Table("id", "name", "status", "scenario", "profile", "priority", "contacts", "pending")
    for campaign, contacts, pending in rows:
        s = campaign.settings
        table.add_row(
            str(campaign.id),
            campaign.name,
            campaign.status,
            s.scenario,
            s.compliance_profile + (" b2b" if s.b2b else ""),
            str(s.priority),
            str(contacts),
            str(pending),
        )
    console.print(table)


@app.command("show")
def show_command(name: Name, json_output: JsonOpt = False) -> None:
    """Show every setting of a campaign."""
    with _conn() as conn:
        campaign = store.get(conn, name)
    if json_output:
        print_json(
            {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "created_at": campaign.created_at,
                "settings": asdict(campaign.settings),
            }
        )
        return
    table = Table("setting", "value", title=f"campaign {campaign.name}")
    table.add_row("id", str(campaign.id))
    table.add_row("status", campaign.status)
    for key, value in asdict(campaign.settings).items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)


@app.command("start")
def start_command(name: Name) -> None:
    """Queue every contact not queued yet (and what a stop cancelled) and start dialling.

    Refused (exit 4) when the campaign is already running; refused (exit 1) when compliance rules fail
    or its scenario cannot be loaded.
    """
    with _conn() as conn:
        _check_scenario(store.get(conn, name).settings.scenario)
        campaign, queued, warnings = store.start(conn, name)
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"campaign [bold]{campaign.name}[/bold] running; {queued} contacts queued")


@app.command("pause")
def pause_command(name: Name) -> None:
    """Pause: no new calls; calls in progress finish."""
    with _conn() as conn:
        campaign = store.pause(conn, name)
    console.print(f"campaign [bold]{campaign.name}[/bold] paused")


@app.command("resume")
def resume_command(name: Name) -> None:
    """Resume a paused campaign."""
    with _conn() as conn:
        campaign = store.resume(conn, name)
    console.print(f"campaign [bold]{campaign.name}[/bold] running")


@app.command("stop")
def stop_command(name: Name) -> None:
    """Stop a campaign and cancel its pending calls (`campaign start` queues them again)."""
    with _conn() as conn:
        campaign, cancelled = store.stop(conn, name)
    console.print(f"campaign [bold]{campaign.name}[/bold] stopped; {cancelled} pending calls cancelled")


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
def status_command(name: Name, json_output: JsonOpt = False) -> None:
    """Queue rows per status and calls per outcome."""
    with _conn() as conn:
        campaign = store.get(conn, name)
        queue_counts, outcome_counts = store.status_counts(conn, campaign.name)
        plan, gate_open, gate_reason = scheduling.schedule_of(conn, campaign.name)
    queue = {status: queue_counts.get(status, 0) for status in ("pending", "leased", "done", "cancelled")}
    if json_output:
        print_json(
            {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "status_reason": campaign.status_reason or None,
                "queue": queue,
                "outcomes": outcome_counts,
                "schedule": plan.as_json()
                | {
                    "starts_at": plan.starts_at.isoformat() if plan.starts_at else None,
                    "ends_at": plan.ends_at.isoformat() if plan.ends_at else None,
                    "dialling_now": gate_open,
                    "reason": gate_reason,
                },
            }
        )
        return
    console.print(f"schedule: {describe_schedule(plan)}", soft_wrap=True)
    if not gate_open:
        console.print(f"[yellow]not dialling now:[/yellow] {gate_reason}", soft_wrap=True)
    table = Table("queue status", "rows", title=f"campaign {campaign.name} ({campaign.status})")
    for status, count in queue.items():
        table.add_row(status, str(count))
    console.print(table)
    if campaign.status_reason:
        console.print(f"[red]{campaign.status} by the robot:[/red] {campaign.status_reason}")
    outcomes = Table("call outcome", "calls")
    for outcome, count in outcome_counts.items():
        outcomes.add_row(outcome, str(count))
    console.print(outcomes)


@app.command("preview")
def preview_command(
    name: Name,
    n: Annotated[int, typer.Option("-n", min=1, help="How many calls to show.")] = 10,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Time zone of the times shown (default: the campaign's).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """When the next N calls may go out, and why the others wait (compliance, retry delay).

    Times are shown in the campaign's time zone (its schedule's, Europe/Paris by default; --tz to
    choose another) and in the contact's own zone, which the calling hours follow.
    """
    with _conn() as conn:
        campaign = store.get(conn, name)
        tz = tz or scheduling.schedule_of(conn, campaign.name)[0].timezone
        shown_in = _zone(tz)
        rows = store.preview(conn, campaign.name, n)
    calls = []
    now = datetime.now(UTC)
    for row, decision in rows:
        at = now if decision.allowed else decision.next_allowed
        calls.append(
            {
                "queue_id": row["queue_id"],
                "phone": mask_phone(row["phone"]),
                "contact_timezone": row["timezone"],
                "attempt": row["attempt"],
                "allowed_now": decision.allowed,
                "may_dial_at": at.astimezone(shown_in) if at else None,
                "contact_local_time": at.astimezone(_zone(row["timezone"])) if at else None,
                "reason": decision.reason,
            }
        )
    if json_output:
        print_json({"id": campaign.id, "name": campaign.name, "timezone": tz, "calls": calls})
        return
    table = Table(title=f"next calls of {campaign.name}, times in {tz}")
    table.add_column("queue id")
    table.add_column("phone", no_wrap=True)
    table.add_column("try")
    table.add_column("may dial at", no_wrap=True)
    table.add_column("contact's time", no_wrap=True)
    table.add_column("waiting because")
    for call in calls:
        when, local = call["may_dial_at"], call["contact_local_time"]
        table.add_row(
            str(call["queue_id"]),
            call["phone"],
            str(call["attempt"]),
            "now" if call["allowed_now"] else (f"{when:%a %d %b %H:%M}" if when else "never"),
            f"{local:%a %H:%M} {call['contact_timezone']}" if local else call["contact_timezone"],
            call["reason"],
        )
    console.print(table)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"unknown time zone {name!r} (an IANA name such as Europe/Paris)") from None


@app.command("schedule")
def schedule_command(
    name: Name,
    *,
    start: Annotated[
        str | None, typer.Option(help="Start at this instant (ISO 8601, e.g. 2026-12-14T09:00+01:00).")
    ] = None,
    stop: Annotated[str | None, typer.Option(help="Stop at this instant (ISO 8601).")] = None,
    window: Annotated[
        list[str] | None,
        typer.Option(help="Daily run window, repeatable: 'mon-fri 10:00-12:30' (inside the legal hours)."),
    ] = None,
    timezone: Annotated[str, typer.Option(help="Time zone of the windows.")] = "Europe/Paris",
    holidays: Annotated[
        str, typer.Option(help="Pause on this country's public holidays: FR, FR-974 (Réunion)…; '' for none.")
    ] = "FR",
    clear: Annotated[bool, typer.Option("--clear", help="Remove the schedule.")] = False,
) -> None:
    """Set when the campaign runs: start/stop instants, daily windows, public-holiday pause."""
    plan = CampaignSchedule() if clear else _plan(start, stop, window or [], timezone, holidays)
    with _conn() as conn:
        stored = scheduling.set_schedule(conn, name, plan, datetime.now(UTC))
    console.print(f"campaign {name}: {describe_schedule(stored)}", soft_wrap=True)


def _plan(
    start: str | None, stop: str | None, windows: list[str], tz: str, holidays: str
) -> CampaignSchedule:
    try:
        compliance.zone(tz)
        return CampaignSchedule(
            starts_at=parse_instant(start, tz, "--start") if start else None,
            ends_at=parse_instant(stop, tz, "--stop") if stop else None,
            windows=tuple(parse_window(w) for w in windows),
            timezone=tz,
            holidays_country=holidays,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def describe_schedule(plan: CampaignSchedule) -> str:
    """One line an operator reads: start, stop, windows, holidays."""
    if plan == CampaignSchedule():
        return "no schedule (runs whenever it is running, within the legal hours)"
    tz = compliance.zone(plan.timezone)
    parts = [
        f"starts {plan.starts_at.astimezone(tz):%Y-%m-%d %H:%M}" if plan.starts_at else "",
        f"stops {plan.ends_at.astimezone(tz):%Y-%m-%d %H:%M}" if plan.ends_at else "",
        f"windows {', '.join(str(w) for w in plan.windows)}" if plan.windows else "",
        f"time zone {plan.timezone}",
        f"paused on {plan.holidays_country} public holidays" if plan.holidays_country else "",
    ]
    return "; ".join(p for p in parts if p)
