"""Campaign lifecycle: create, start (consent rule, idempotent enqueue), pause/stop, preview, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from campaigns import store
from campaigns.models import CampaignSettings
from services.errors import ComplianceError, ConfigError, ConflictError, NotFoundError

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]
TUESDAY_11H_PARIS = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def add_contacts(conn: Conn, campaign_id: int, consents: list[str]) -> None:
    for i, consent in enumerate(consents):
        conn.execute(
            "INSERT INTO contacts (campaign_id, phone, consent) VALUES (%s, %s, %s)",
            (campaign_id, f"+3361000000{i}", consent),
        )


def test_create_validates_and_rejects_duplicates(conn: Conn) -> None:
    campaign = store.create(
        conn, "a", CampaignSettings(retry_policy={"busy": {"max_attempts": 5}}, priority=3)
    )
    assert campaign.status == "draft" and campaign.settings.retry_policy == {"busy": {"max_attempts": 5}}
    assert store.get(conn, "a").settings.priority == 3
    with pytest.raises(ConflictError):
        store.create(conn, "a", CampaignSettings())
    with pytest.raises(ConfigError, match="endpoint"):
        store.create(conn, "b", CampaignSettings(endpoint_template="PJSIP/trunk"))
    with pytest.raises(ConfigError, match="retry policy"):
        store.create(conn, "b", CampaignSettings(retry_policy={"answered": {}}))
    with pytest.raises(NotFoundError):
        store.get(conn, "zzz")


def test_fr_start_refused_without_consent_unless_b2b(conn: Conn) -> None:
    campaign = store.create(conn, "fr", CampaignSettings())
    add_contacts(conn, campaign.id, ["web-form", "", " "])
    with pytest.raises(ComplianceError, match=r"2 of 3 contacts have no consent.*B2B"):
        store.start(conn, "fr", now=TUESDAY_11H_PARIS)
    assert store.get(conn, "fr").status == "draft"
    assert conn.execute("SELECT count(*) AS n FROM call_queue").fetchone() == {"n": 0}
    b2b = store.create(conn, "pro", CampaignSettings(b2b=True))
    add_contacts(conn, b2b.id, ["", ""])
    started, queued, warnings = store.start(conn, "pro", now=TUESDAY_11H_PARIS)
    assert started.status == "running" and queued == 2
    assert any("Bloctel" in w for w in warnings)


def test_state_machine_transitions(conn: Conn) -> None:
    campaign = store.create(conn, "t", CampaignSettings(compliance_profile="none"))
    add_contacts(conn, campaign.id, ["", ""])
    with pytest.raises(ConflictError, match="cannot pause campaign 't': it is draft"):
        store.pause(conn, "t")
    assert store.start(conn, "t", now=TUESDAY_11H_PARIS)[1] == 2
    with pytest.raises(
        ConflictError, match=r"cannot start campaign 't': it is running \(possible: pause, stop\)"
    ):
        store.start(conn, "t", now=TUESDAY_11H_PARIS)
    assert store.pause(conn, "t").status == "paused"
    with pytest.raises(ConflictError, match="cannot pause"):
        store.pause(conn, "t")
    assert store.resume(conn, "t").status == "running"
    with pytest.raises(ConflictError, match="running"):
        store.delete(conn, "t")
    stopped, cancelled = store.stop(conn, "t")
    assert stopped.status == "stopped" and cancelled == 2
    assert store.status_counts(conn, "t") == ({"cancelled": 2}, {})
    restarted, queued, _ = store.start(conn, str(campaign.id), now=TUESDAY_11H_PARIS)  # by id
    assert restarted.status == "running" and queued == 2  # what the stop cancelled is queued again
    assert store.status_counts(conn, "t") == ({"pending": 2}, {})
    store.stop(conn, "t")
    store.delete(conn, "t")
    assert conn.execute("SELECT count(*) AS n FROM contacts").fetchone() == {"n": 0}


def test_preview_explains_waits(conn: Conn) -> None:
    campaign = store.create(conn, "p", CampaignSettings())
    add_contacts(conn, campaign.id, ["ok", "ok", "ok"])
    conn.execute("INSERT INTO dnc (phone) VALUES ('+33610000001')")
    conn.execute("UPDATE contacts SET timezone = 'Pacific/Noumea' WHERE phone = '+33610000002'")
    store.start(conn, "p", now=TUESDAY_11H_PARIS)
    rows = store.preview(conn, "p", 10, now=TUESDAY_11H_PARIS)
    decisions = {row["phone"]: d for row, d in rows}
    assert decisions["+33610000000"].allowed
    assert not decisions["+33610000001"].allowed and "do-not-call" in decisions["+33610000001"].reason
    noumea = decisions["+33610000002"]  # 21:00 in Noumea
    assert not noumea.allowed and noumea.next_allowed is not None
    assert noumea.next_allowed - TUESDAY_11H_PARIS == timedelta(hours=13)  # Wed 10:00 Noumea
    conn.execute(
        "UPDATE call_queue SET not_before = %s, wait_reason = 'retry after busy'",
        (TUESDAY_11H_PARIS + timedelta(hours=1),),
    )
    first = store.preview(conn, "p", 1, now=TUESDAY_11H_PARIS)[0][1]
    assert (first.allowed, first.reason) == (False, "retry after busy")
