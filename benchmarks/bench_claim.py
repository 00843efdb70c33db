"""Call-queue claim throughput: 1,000,000 queued rows, 4 concurrent claimers, batches of 50 and of 1.

Each claimer releases what it claimed (bulk ``done``) as a dialer would, so the number of
leased rows stays bounded by the campaign's max concurrent calls. Figures: claims/s over wall
time (claim + release) and p99 latency of one ``claim`` call.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from benchmarks.common import emit, percentile, scratch_database
from campaigns import queue, store
from campaigns.models import CampaignSettings
from services import db

ROWS = 1_000_000
CLAIMERS = 4
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _prepare(url: str) -> None:
    with db.connect(url, autocommit=True) as conn:
        campaign = store.create(
            conn, "bench", CampaignSettings(compliance_profile="none", max_concurrent_calls=1000)
        )
        conn.execute(
            "INSERT INTO contacts (campaign_id, phone) "
            "SELECT %s, '+336' || lpad(g::text, 8, '0') FROM generate_series(1, %s) g",
            (campaign.id, ROWS),
        )
        store.start(conn, "bench", now=NOW)
        conn.execute("VACUUM ANALYZE")


async def _claimer(url: str, owner: str, batch: int, total: int, latencies: list[float]) -> int:
    pool = await db.open_pool(url, min_size=1, max_size=1)
    claimed = 0
    try:
        while claimed < total:
            started = time.perf_counter()
            calls = await queue.claim(pool, batch, owner, 300, now=NOW)
            latencies.append(time.perf_counter() - started)
            if not calls:
                break
            claimed += len(calls)
            async with pool.connection() as conn:
                await conn.execute(
                    "UPDATE call_queue SET status = 'done', lease_owner = NULL WHERE id = ANY(%s)",
                    ([c.queue_id for c in calls],),
                )
    finally:
        await pool.close()
    return claimed


async def _run(url: str, batch: int, per_claimer: int) -> tuple[float, float]:
    latencies: list[float] = []
    started = time.perf_counter()
    counts = await asyncio.gather(
        *(_claimer(url, f"bench-{i}", batch, per_claimer, latencies) for i in range(CLAIMERS))
    )
    elapsed = time.perf_counter() - started
    return sum(counts) / elapsed, percentile(latencies, 99) * 1000


def main() -> None:
    """Run both claim modes on one scratch database and print the figures."""
    with scratch_database() as url:
        _prepare(url)
        rate, p99 = asyncio.run(_run(url, 50, 100_000))
        emit("claim_batch50_rate", rate, "claims/s", ">= 5000", rate >= 5000, claimers=CLAIMERS, rows=ROWS)
        emit("claim_batch50_p99", p99, "ms", "info", True)
        # what autovacuum does between the phases (call_queue is vacuumed every 5000 changes,
        # see sql/003): the batch phase left 400,000 dead entries at the head of the pending index
        with db.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM call_queue")
        rate, p99 = asyncio.run(_run(url, 1, 5_000))
        emit("claim_single_rate", rate, "claims/s", ">= 1000", rate >= 1000, claimers=CLAIMERS, rows=ROWS)
        emit("claim_single_p99", p99, "ms", "info", True)


if __name__ == "__main__":
    main()
