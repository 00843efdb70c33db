"""The call store writes call rows, turns, leads and DNC requests into the real database."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.store import CallStore, LeadRecord, TurnRecord

pytestmark = pytest.mark.integration


def _seed(conn: psycopg.Connection[dict[str, object]]) -> tuple[int, int, int]:
    campaign = conn.execute("INSERT INTO campaigns (name) VALUES ('store') RETURNING id").fetchone()
    assert campaign
    contact = conn.execute(
        "INSERT INTO contacts (campaign_id, phone) VALUES (%s, '+33612345678') RETURNING id",
        (campaign["id"],),
    ).fetchone()
    assert contact
    row = conn.execute(
        "INSERT INTO call_queue (campaign_id, contact_id, attempt, status)"
        " VALUES (%s, %s, 1, 'leased') RETURNING id",
        (campaign["id"], contact["id"]),
    ).fetchone()
    assert row
    return int(str(campaign["id"])), int(str(contact["id"])), int(str(row["id"]))


async def test_call_lifecycle(conn: psycopg.Connection[dict[str, object]], pool: AsyncConnectionPool) -> None:
    campaign_id, contact_id, queue_id = _seed(conn)
    store = CallStore(pool)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    call_id = await store.insert_call(
        queue_id=queue_id,
        campaign_id=campaign_id,
        contact_id=contact_id,
        attempt=1,
        channel_id="minibot-1-1",
        robot_id="r1",
        queued_at=now,
        originated_at=now,
    )
    assert await store.unfinished_calls("r1") == [
        {
            "id": call_id,
            "queue_id": queue_id,
            "channel_id": "minibot-1-1",
            "campaign_id": campaign_id,
            "answered_at": None,
            "lease_owner": None,
            "queue_status": "leased",
        }
    ]
    await store.mark_answered(call_id, now)
    await store.set_step(call_id, "q1")
    await store.add_turn(TurnRecord(call_id=call_id, seq=1, speaker="bot", text="Bonjour", step="hello"))
    await store.add_turn(
        TurnRecord(
            call_id=call_id, seq=2, speaker="caller", text="oui", intent="yes", confidence=0.9, barge_in=True
        )
    )
    await store.save_lead(
        LeadRecord(
            call_id=call_id,
            contact_id=contact_id,
            campaign_id=campaign_id,
            status="qualified",
            score=3,
            answers={"q1": "yes"},
        )
    )
    await store.save_lead(
        LeadRecord(call_id=call_id, contact_id=contact_id, campaign_id=campaign_id, status="callback")
    )
    await store.end_call(call_id, at=now, cause=16, cause_text="Normal Clearing", outcome="answered")
    await store.end_call(call_id, at=now, cause=1, cause_text="again", outcome="failed")  # already closed
    await store.add_dnc("+33612345678", "ne m'appelez plus", contact_id, now)

    call = conn.execute("SELECT * FROM calls WHERE id = %s", (call_id,)).fetchone()
    assert call and call["status"] == "ended" and call["current_step"] == "q1" and call["hangup_cause"] == 16
    turns = conn.execute(
        "SELECT speaker, barge_in FROM turns WHERE call_id = %s ORDER BY seq", (call_id,)
    ).fetchall()
    assert [(t["speaker"], t["barge_in"]) for t in turns] == [("bot", False), ("caller", True)]
    leads = conn.execute("SELECT status, answers FROM leads WHERE call_id = %s", (call_id,)).fetchall()
    assert leads == [{"status": "callback", "answers": {}}]
    assert conn.execute("SELECT 1 FROM dnc WHERE phone = '+33612345678'").fetchone()
    assert conn.execute("SELECT refused_at FROM contacts WHERE id = %s", (contact_id,)).fetchone() == {
        "refused_at": now
    }
    assert await store.unfinished_calls("r1") == []
