"""One state machine for the CLI, the API and the dashboard (both go through dashboard.control)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from campaigns import store
from campaigns.models import CampaignSettings
from dashboard.control import control_campaign
from services.errors import ConflictError

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def queue(conn: Conn) -> dict[str, int]:
    rows = conn.execute("SELECT status, count(*) AS n FROM call_queue GROUP BY status").fetchall()
    return {str(r["status"]): int(r["n"]) for r in rows}


def test_dashboard_and_cli_share_the_transitions(conn: Conn) -> None:
    campaign = store.create(conn, "etat", CampaignSettings(compliance_profile="none"))
    for phone in ("+33600000001", "+33600000002"):
        conn.execute("INSERT INTO contacts (campaign_id, phone) VALUES (%s, %s)", (campaign.id, phone))
    assert control_campaign(conn, campaign.id, "start", "ana@example.com")["queued"] == 2
    with pytest.raises(ConflictError, match="it is running"):
        control_campaign(conn, campaign.id, "start", "ana@example.com")  # the API answers 409
    with pytest.raises(ConflictError, match="it is running"):
        store.start(conn, "etat", now=TUESDAY)  # the CLI exits 4
    assert control_campaign(conn, campaign.id, "stop", "ana@example.com")["cancelled"] == 2
    assert queue(conn) == {"cancelled": 2}
    with pytest.raises(
        ConflictError, match=r"cannot pause campaign 'etat': it is stopped \(possible: start\)"
    ):
        store.pause(conn, str(campaign.id))
    restarted = control_campaign(conn, campaign.id, "start", "ana@example.com")
    assert restarted["status"] == "running" and restarted["queued"] == 2
    assert queue(conn) == {"pending": 2}
    assert store.allowed_actions("running") == ["pause", "stop"]
    assert store.allowed_actions("paused") == ["start", "resume", "stop"]
