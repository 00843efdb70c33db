"""The shared call queue: enqueue, claim with a lease, complete with the retry policy, reschedule, reap.

Attempt accounting rule: ``attempt`` counts dials. ``claim`` increments it once (the lease is
taken to dial). ``reschedule`` (dial refused before it happened, e.g. compliance) and
``reap_expired`` (lease lost: the dial may not have happened) give the attempt back, so a row
never loses or double-counts an attempt; ``complete`` keeps it (the dial happened).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, LiteralString

from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from campaigns import retry
from campaigns.models import ClaimedCall
from services.db import query
from services.errors import QueueError


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


async def _rows(conn: AsyncConnection[Any], sql: LiteralString, params: dict[str, Any]) -> list[DictRow]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


async def enqueue(pool: AsyncConnectionPool, campaign_id: int, now: datetime | None = None) -> int:
    """Queue every contact of the campaign not queued yet (pending, attempt 0); return rows added."""
    async with pool.connection() as conn:
        cur = await conn.execute(query("queue", "enqueue"), {"campaign_id": campaign_id, "now": _now(now)})
        return cur.rowcount


async def claim(
    pool: AsyncConnectionPool, n: int, owner: str, lease_seconds: float, now: datetime | None = None
) -> list[ClaimedCall]:
    """Lease up to ``n`` due rows of running campaigns, respecting each campaign's concurrency limit.

    One ``UPDATE ... FOR UPDATE SKIP LOCKED`` statement picks rows by campaign priority + row
    priority, then ``not_before``, then id, and increments ``attempt`` once per claimed row.
    """
    if n < 1:
        return []
    params = {"n": n, "owner": owner, "lease_seconds": lease_seconds, "now": _now(now)}
    async with pool.connection() as conn, conn.pipeline():
        # One round trip: the lock, the claim and the commit run back to back on the server,
        # so the serialised section lasts only as long as the claim statement itself.
        async with conn.transaction():
            await conn.execute(query("queue", "claim_begin"))
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(query("queue", "claim"), params)
        rows = await cur.fetchall()
    rows.sort(key=lambda r: (-r["effective_priority"], r["not_before"], r["queue_id"]))
    return [_claimed(r) for r in rows]


def _claimed(row: dict[str, Any]) -> ClaimedCall:
    return ClaimedCall(
        queue_id=row["queue_id"],
        attempt=row["attempt"],
        lease_owner=row["lease_owner"],
        lease_expires=row["lease_expires"],
        campaign_id=row["campaign_id"],
        campaign_name=row["campaign_name"],
        scenario=row["scenario"],
        endpoint_template=row["endpoint_template"],
        caller_id=row["caller_id"],
        ring_timeout_s=row["ring_timeout_s"],
        amd_mode=row["amd_mode"],
        record_calls=row["record_calls"],
        compliance_profile=row["compliance_profile"],
        b2b=row["b2b"],
        calls_per_second=row["calls_per_second"],
        contact_id=row["contact_id"],
        phone=row["phone"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        timezone=row["timezone"],
        consent=row["consent"],
        extra=dict(row["extra"] or {}),
        refused_at=row["refused_at"],
        in_dnc=row["in_dnc"],
        recent_attempts=tuple(row["recent_attempts"] or ()),
        amd_bias=row["amd_bias"],
    )


async def complete(
    pool: AsyncConnectionPool,
    queue_id: int,
    owner: str,
    outcome: str,
    now: datetime | None = None,
    *,
    dialled: bool = True,
) -> retry.Verdict:
    """Finish a leased row with a call outcome; retry later per the campaign policy, or mark done.

    ``dialled=False`` closes a row that was never dialled (DNC, no consent): its attempt is given back.

    Raises QueueError when the row is not leased by ``owner`` (e.g. completed twice, reaped).
    """
    if outcome not in retry.OUTCOMES:
        raise QueueError(f"unknown call outcome {outcome!r}; expected one of {sorted(retry.OUTCOMES)}")
    at = _now(now)
    async with pool.connection() as conn, conn.transaction():
        found = await _rows(conn, query("queue", "lock_leased"), {"queue_id": queue_id, "owner": owner})
        if not found:
            raise QueueError(f"queue row {queue_id} is not leased by {owner!r} (completed or expired)")
        row = found[0]
        verdict = retry.decide(retry.parse_policy(row["retry_policy"]), outcome, row["attempt"], at)
        await conn.execute(
            query("queue", "finish"),
            {
                "queue_id": queue_id,
                "status": "pending" if verdict.retry else "done",
                "not_before": verdict.not_before,
                "outcome": outcome,
                "wait_reason": f"retry after {outcome}" if verdict.retry else None,
                "given_back": 0 if dialled else 1,
                "now": at,
            },
        )
    return verdict


async def reschedule(
    pool: AsyncConnectionPool,
    queue_id: int,
    owner: str,
    not_before: datetime,
    reason: str,
    *,
    now: datetime | None = None,
) -> None:
    """Return a leased row to pending at ``not_before`` without consuming its attempt."""
    params = {"queue_id": queue_id, "owner": owner, "not_before": not_before, "reason": reason}
    async with pool.connection() as conn:
        cur = await conn.execute(query("queue", "reschedule"), params | {"now": _now(now)})
        if await cur.fetchone() is None:
            raise QueueError(f"queue row {queue_id} is not leased by {owner!r}; cannot reschedule it")


async def extend_lease(
    pool: AsyncConnectionPool, queue_id: int, owner: str, lease_seconds: float, now: datetime | None = None
) -> datetime:
    """Push a lease's expiry to ``now + lease_seconds``; return the new expiry."""
    params = {"queue_id": queue_id, "owner": owner, "lease_seconds": lease_seconds, "now": _now(now)}
    async with pool.connection() as conn:
        found = await _rows(conn, query("queue", "extend_lease"), params)
    if not found:
        raise QueueError(f"queue row {queue_id} is not leased by {owner!r}; cannot extend its lease")
    expires: datetime = found[0]["lease_expires"]
    return expires


async def reap_expired(pool: AsyncConnectionPool, now: datetime | None = None) -> int:
    """Return expired leases to pending, giving their attempt back; return how many."""
    async with pool.connection() as conn:
        cur = await conn.execute(query("queue", "reap_expired"), {"now": _now(now)})
        return cur.rowcount


async def pause_campaign(
    pool: AsyncConnectionPool, campaign_id: int, reason: str, now: datetime | None = None
) -> bool:
    """Pause a running campaign with the reason (shown by ``campaign status`` and the dashboard);
    False when it was not running any more."""
    params = {"campaign_id": campaign_id, "reason": reason, "now": _now(now)}
    async with pool.connection() as conn:
        cur = await conn.execute(query("queue", "pause_campaign"), params)
        return await cur.fetchone() is not None


async def reserve_dial_slot(pool: AsyncConnectionPool, campaign_id: int, calls_per_second: float) -> float:
    """Take the campaign's next dial slot (shared by every robot); return the seconds to wait.

    Slots are ``1 / calls_per_second`` apart on the database clock, with no burst: the limit holds
    for the campaign across all robots, in any one-second window.
    """
    params = {"campaign_id": campaign_id, "cps": calls_per_second}
    async with pool.connection() as conn:
        rows = await _rows(conn, query("queue", "reserve_dial_slot"), params)
    return float(rows[0]["wait_s"])
