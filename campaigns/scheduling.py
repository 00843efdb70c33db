"""Campaign schedules in the database: set them, and apply them (scheduled start/stop, the gate).

The gate is a flag on the campaign (``schedule_open``) that the claim honours: a running campaign
is dialled only while its schedule is open and, under the ``fr`` profile, while its Bloctel list is
fresh enough. Operators' own actions (start, pause, stop) stay theirs: the scheduler only starts a
draft campaign at its start instant and stops a campaign at its end instant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from campaigns import dnc, schedule, store
from campaigns.schedule import CampaignSchedule
from services.db import query
from services.errors import MiniBotError

Conn = psycopg.Connection[dict[str, Any]]
log = logging.getLogger("minibot.scheduler")


@dataclass(frozen=True)
class GateChange:
    """What applying the schedules did to one campaign."""

    campaign: str
    action: str  # started | stopped | opened | closed | start_refused
    reason: str = ""


def set_schedule(conn: Conn, name: str, plan: CampaignSchedule, now: datetime) -> CampaignSchedule:
    """Store ``plan`` on campaign ``name`` (replacing its schedule) and return it as stored."""
    if plan.starts_at and plan.ends_at and plan.ends_at <= plan.starts_at:
        raise schedule.ScheduleError("the stop instant must come after the start instant")
    schedule.validate_country(plan.holidays_country)
    campaign = store.get(conn, name)
    row = conn.execute(
        query("scheduler", "set_schedule"),
        {
            "id": campaign.id,
            "starts_at": plan.starts_at,
            "ends_at": plan.ends_at,
            "run_schedule": Jsonb(plan.as_json() if plan != CampaignSchedule() else {}),
            "now": now,
        },
    ).fetchone()
    assert row is not None
    return schedule.from_row(row)


def schedule_of(conn: Conn, name: str) -> tuple[CampaignSchedule, bool, str]:
    """Campaign ``name``'s schedule, whether its gate is open and why not."""
    store.get(conn, name)
    row = conn.execute("SELECT * FROM campaigns WHERE name = %(name)s", {"name": name}).fetchone()
    assert row is not None
    return schedule.from_row(row), bool(row["schedule_open"]), str(row["schedule_reason"])


def _transition(conn: Conn, row: dict[str, Any], plan: CampaignSchedule, now: datetime) -> GateChange | None:
    name, status = str(row["name"]), str(row["status"])
    if plan.ends_at is not None and now >= plan.ends_at and status in ("running", "paused"):
        store.stop(conn, name, now)
        return GateChange(name, "stopped", f"end of schedule ({plan.ends_at.isoformat()})")
    in_range = plan.ends_at is None or now < plan.ends_at
    if plan.starts_at is not None and now >= plan.starts_at and status == "draft" and in_range:
        try:
            store.start(conn, name, now)
        except MiniBotError as exc:
            return GateChange(name, "start_refused", str(exc))
        return GateChange(name, "started", f"scheduled start ({plan.starts_at.isoformat()})")
    return None


def _gate(
    row: dict[str, Any], plan: CampaignSchedule, bloctel_age: timedelta | None, max_age: int, now: datetime
) -> tuple[bool, str]:
    open_, reason = schedule.state(plan, now)
    too_old = max_age > 0 and bloctel_age is not None and bloctel_age > timedelta(days=max_age)
    if open_ and row["compliance_profile"] == "fr" and too_old and bloctel_age is not None:
        return False, (
            f"the Bloctel list is {bloctel_age.days} days old (limit {max_age}): "
            "import a fresh list with `minibot dnc import FILE --source bloctel`"
        )
    return open_, reason


def apply(conn: Conn, now: datetime, dnc_max_age_days: int) -> list[GateChange]:
    """Apply every campaign's schedule at ``now``: scheduled starts and stops, then the gate.

    ``dnc_max_age_days`` blocks ``fr`` campaigns whose latest Bloctel import is older (0 disables
    it); a list never imported is warned about (``campaign start``, the daily check), not blocked.
    """
    changes: list[GateChange] = []
    bloctel_age = dnc.list_age(conn, now)
    for row in conn.execute(query("scheduler", "scheduled_campaigns")).fetchall():
        plan = schedule.from_row(row)
        with conn.transaction():
            moved = _transition(conn, row, plan, now)
        if moved is not None:
            changes.append(moved)
            log.info("campaign %s %s: %s", moved.campaign, moved.action, moved.reason)
        open_, reason = _gate(row, plan, bloctel_age, dnc_max_age_days, now)
        updated = conn.execute(
            query("scheduler", "set_gate"), {"id": row["id"], "open": open_, "reason": reason, "now": now}
        ).rowcount
        if updated:
            action = "opened" if open_ else "closed"
            changes.append(GateChange(str(row["name"]), action, reason))
            log.info("campaign %s schedule %s %s", row["name"], action, reason)
    conn.commit()
    return changes
