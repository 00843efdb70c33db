"""Start, pause and stop campaigns from the dashboard under the same rules as the CLI.

Every move goes through ``campaigns.store``: starting checks recorded consent (``fr`` profile) and
queues the contacts not queued yet, stopping cancels the pending queue rows. Each move is audited.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from campaigns import store as campaigns
from services.db import query
from services.errors import NotFoundError

ACTIONS = ("start", "pause", "resume", "stop")
Conn = psycopg.Connection[dict[str, Any]]


def control_campaign(conn: Conn, campaign_id: int, action: str, actor: str) -> dict[str, Any]:
    """Apply ``action`` to the campaign; the row returned says what was queued or cancelled.

    Raises NotFoundError for an unknown campaign or action, ConflictError for a move its status forbids and
    ComplianceError when a French consumer campaign has contacts without recorded consent.
    """
    if action not in ACTIONS:
        raise NotFoundError(f"unknown campaign action {action!r}")
    found = conn.execute(query("dashboard", "campaign_name"), {"campaign_id": campaign_id}).fetchone()
    if found is None:
        raise NotFoundError(f"campaign {campaign_id} does not exist")
    name = found["name"]
    queued = cancelled = 0
    warnings: list[str] = []
    if action == "start":
        campaign, queued, warnings = campaigns.start(conn, name)
    elif action == "pause":
        campaign = campaigns.pause(conn, name)
    elif action == "resume":
        campaign = campaigns.resume(conn, name)
    else:
        campaign, cancelled = campaigns.stop(conn, name)
    details = {"queued": queued, "cancelled": cancelled, "warnings": warnings}
    conn.execute(
        query("dashboard", "insert_audit"),
        {
            "actor": actor,
            "action": f"campaign.{action}",
            "target": f"campaign:{campaign_id}",
            "details": Jsonb(details),
        },
    )
    return {"id": campaign.id, "name": campaign.name, "status": campaign.status, **details}
