"""Call queue on a real Postgres: claim/lease, concurrency limit, retries, reschedule, reaper."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from campaigns import queue, store
from campaigns.models import CampaignSettings
from services import db
from services.errors import QueueError

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
Conn = psycopg.Connection[dict[str, Any]]


def make_campaign(conn: Conn, name: str, contacts: int, **settings: Any) -> int:
    """A running campaign (profile none unless given) with ``contacts`` queued contacts."""
    settings.setdefault("compliance_profile", "none")
    campaign = store.create(conn, name, CampaignSettings(**settings))
    conn.execute(
        "INSERT INTO contacts (campaign_id, phone, first_name, consent, extra) "
        "SELECT %s, '+3361' || lpad(g::text, 7, '0'), 'P' || g, 'yes', '{\"k\": 1}' "
        "FROM generate_series(1, %s) g",
        (campaign.id, contacts),
    )
    store.start(conn, name, now=NOW)
    return campaign.id


def row(conn: Conn, queue_id: int) -> dict[str, Any]:
    found = conn.execute("SELECT * FROM call_queue WHERE id = %s", (queue_id,)).fetchone()
    assert found is not None
    return found


async def test_claim_leases_and_carries_dial_settings(conn: Conn, pool: AsyncConnectionPool) -> None:
    make_campaign(
        conn,
        "c1",
        3,
        endpoint_template="PJSIP/{number}@ovh",
        caller_id="+33100000000",
        amd_mode="bot",
        calls_per_second=2.5,
    )
    claimed = await queue.claim(pool, 2, "robot-a", 60, now=NOW)
    assert len(claimed) == 2
    call = claimed[0]
    assert call.attempt == 1 and call.lease_owner == "robot-a"
    assert call.lease_expires == NOW + timedelta(seconds=60)
    assert call.endpoint == f"PJSIP/{call.phone}@ovh" and call.caller_id == "+33100000000"
    assert call.amd_mode == "bot" and call.extra == {"k": 1} and call.first_name.startswith("P")
    assert call.calls_per_second == 2.5
    assert call.contact_context().phone == call.phone and not call.in_dnc
    assert row(conn, call.queue_id)["status"] == "leased"
    assert len(await queue.claim(pool, 5, "robot-b", 60, now=NOW)) == 1


async def test_two_claimers_over_10000_rows_never_share(conn: Conn, db_url: str) -> None:
    make_campaign(conn, "big", 10_000, max_concurrent_calls=20_000)

    async def robot(owner: str) -> list[int]:
        pool = await db.open_pool(db_url, min_size=1, max_size=2)
        got: list[int] = []
        try:
            while batch := await queue.claim(pool, 50, owner, 300, now=NOW):
                got.extend(c.queue_id for c in batch)
        finally:
            await pool.close()
        return got

    a, b = await asyncio.gather(robot("a"), robot("b"))
    assert len(a) + len(b) == 10_000
    assert not set(a) & set(b) and len(set(a) | set(b)) == 10_000
    assert a and b
    counts = conn.execute("SELECT attempt, count(*) AS n FROM call_queue GROUP BY attempt").fetchall()
    assert counts == [{"attempt": 1, "n": 10_000}]


async def test_concurrency_limit_respected_even_with_parallel_claimers(
    conn: Conn, pool: AsyncConnectionPool
) -> None:
    make_campaign(conn, "limited", 20, max_concurrent_calls=3)
    results = await asyncio.gather(*(queue.claim(pool, 2, f"r{i}", 60, now=NOW) for i in range(6)))
    claimed = [c for batch in results for c in batch]
    assert len(claimed) == 3
    assert await queue.claim(pool, 5, "late", 60, now=NOW) == []
    await queue.complete(pool, claimed[0].queue_id, claimed[0].lease_owner, "answered", now=NOW)
    assert len(await queue.claim(pool, 5, "late", 60, now=NOW)) == 1


async def test_only_running_and_due_rows_in_priority_order(conn: Conn, pool: AsyncConnectionPool) -> None:
    make_campaign(conn, "low", 2, priority=0)
    high = make_campaign(conn, "high", 2, priority=5)
    make_campaign(conn, "paused", 2)
    store.pause(conn, "paused", now=NOW)
    conn.execute(
        "UPDATE call_queue SET not_before = %s WHERE campaign_id = %s", (NOW + timedelta(hours=1), high)
    )
    first = await queue.claim(pool, 1, "r", 60, now=NOW)
    assert [c.campaign_name for c in first] == ["low"]
    later = await queue.claim(pool, 1, "r", 60, now=NOW + timedelta(hours=1))
    assert [c.campaign_name for c in later] == ["high"]
    rest = await queue.claim(pool, 10, "r", 60, now=NOW + timedelta(hours=1))
    assert sorted(c.campaign_name for c in rest) == ["high", "low"]


@pytest.mark.parametrize(
    ("outcome", "status", "delay"),
    [
        ("busy", "pending", timedelta(minutes=15)),
        ("no_answer", "pending", timedelta(hours=2)),
        ("congestion", "pending", timedelta(minutes=10)),
        ("machine", "pending", timedelta(seconds=90)),
        ("answered", "done", None),
        ("invalid_number", "done", None),
        ("dnc", "done", None),
    ],
)
async def test_complete_applies_retry_policy(
    conn: Conn, pool: AsyncConnectionPool, outcome: str, status: str, delay: timedelta | None
) -> None:
    make_campaign(conn, "retry", 1, retry_policy={"machine": {"max_attempts": 2, "delay_s": 90}})
    [call] = await queue.claim(pool, 1, "r", 60, now=NOW)
    verdict = await queue.complete(pool, call.queue_id, "r", outcome, now=NOW)
    after = row(conn, call.queue_id)
    assert after["status"] == status and after["last_result"] == outcome and after["attempt"] == 1
    assert after["lease_owner"] is None
    if delay is not None:
        assert verdict.retry and after["not_before"] == NOW + delay
        assert await queue.claim(pool, 1, "r", 60, now=NOW + delay - timedelta(seconds=1)) == []
        [again] = await queue.claim(pool, 1, "r", 60, now=NOW + delay)
        assert again.attempt == 2
    else:
        assert not verdict.retry


async def test_retries_stop_at_max_attempts(conn: Conn, pool: AsyncConnectionPool) -> None:
    make_campaign(conn, "max", 1, retry_policy={"busy": {"max_attempts": 2, "delay_s": 0}})
    for expected in (True, False):
        [call] = await queue.claim(pool, 1, "r", 60, now=NOW)
        assert (await queue.complete(pool, call.queue_id, "r", "busy", now=NOW)).retry is expected
    assert row(conn, call.queue_id)["status"] == "done" and row(conn, call.queue_id)["attempt"] == 2


async def test_complete_twice_or_by_another_owner_refused(conn: Conn, pool: AsyncConnectionPool) -> None:
    make_campaign(conn, "twice", 1)
    [call] = await queue.claim(pool, 1, "r", 60, now=NOW)
    with pytest.raises(QueueError, match="not leased by 'other'"):
        await queue.complete(pool, call.queue_id, "other", "answered", now=NOW)
    await queue.complete(pool, call.queue_id, "r", "answered", now=NOW)
    with pytest.raises(QueueError):
        await queue.complete(pool, call.queue_id, "r", "answered", now=NOW)
    with pytest.raises(QueueError, match="unknown call outcome"):
        await queue.complete(pool, call.queue_id, "r", "exploded", now=NOW)


async def test_reschedule_keeps_the_attempt(conn: Conn, pool: AsyncConnectionPool) -> None:
    make_campaign(conn, "resched", 1)
    [call] = await queue.claim(pool, 1, "r", 60, now=NOW)
    later = NOW + timedelta(days=1)
    await queue.reschedule(pool, call.queue_id, "r", later, "outside calling hours", now=NOW)
    after = row(conn, call.queue_id)
    assert (after["status"], after["attempt"], after["not_before"]) == ("pending", 0, later)
    assert after["wait_reason"] == "outside calling hours"
    with pytest.raises(QueueError):
        await queue.reschedule(pool, call.queue_id, "r", later, "again", now=NOW)
    [again] = await queue.claim(pool, 1, "r", 60, now=later)
    assert again.attempt == 1


async def test_reaper_returns_expired_leases_without_counting_the_attempt(
    conn: Conn, pool: AsyncConnectionPool
) -> None:
    make_campaign(conn, "reap", 2)
    calls = await queue.claim(pool, 2, "dead-robot", 60, now=NOW)
    await queue.extend_lease(pool, calls[1].queue_id, "dead-robot", 600, now=NOW)
    assert await queue.reap_expired(pool, now=NOW + timedelta(seconds=59)) == 0
    assert await queue.reap_expired(pool, now=NOW + timedelta(seconds=61)) == 1
    reaped = row(conn, calls[0].queue_id)
    assert (reaped["status"], reaped["attempt"], reaped["last_result"]) == ("pending", 0, "lease_expired")
    assert row(conn, calls[1].queue_id)["status"] == "leased"
    with pytest.raises(QueueError):
        await queue.complete(pool, calls[0].queue_id, "dead-robot", "answered", now=NOW)
    [again] = await queue.claim(pool, 1, "new-robot", 60, now=NOW + timedelta(seconds=61))
    assert (again.queue_id, again.attempt) == (calls[0].queue_id, 1)
    with pytest.raises(QueueError):
        await queue.extend_lease(pool, calls[0].queue_id, "dead-robot", 60, now=NOW)


async def test_enqueue_is_idempotent_and_stop_cancels(conn: Conn, pool: AsyncConnectionPool) -> None:
    campaign_id = make_campaign(conn, "idem", 4)
    assert await queue.enqueue(pool, campaign_id, now=NOW) == 0
    conn.execute("INSERT INTO contacts (campaign_id, phone) VALUES (%s, '+33699999999')", (campaign_id,))
    assert await queue.enqueue(pool, campaign_id, now=NOW) == 1
    await queue.claim(pool, 1, "r", 60, now=NOW)
    _, cancelled = store.stop(conn, "idem", now=NOW)
    assert cancelled == 4
    assert await queue.claim(pool, 5, "r", 60, now=NOW) == []
