"""Retention: delete recordings and blank transcripts of calls older than the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from services.db import query

Row = dict[str, Any]


def delete_files(paths: list[str]) -> int:
    """Delete the files that exist among ``paths``; return how many were deleted."""
    removed = 0
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            path.unlink()
            removed += 1
    return removed


@dataclass(frozen=True)
class PurgeResult:
    """What a retention purge removed."""

    cutoff: datetime
    recordings: int
    files_deleted: int
    transcripts: int


async def purge_expired(
    pool: AsyncConnectionPool, retention_days: int, now: datetime, actor: str
) -> PurgeResult:
    """Delete recordings and blank transcript text of calls ended more than ``retention_days`` ago."""
    cutoff = now - timedelta(days=retention_days)
    params = {"cutoff": cutoff}
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(query("dashboard", "expired_recordings"), params)
        paths = [str(r["recording_path"]) for r in cast(list[Row], await cur.fetchall())]
        await conn.execute(query("dashboard", "purge_expired_recordings"), params)
        turns = (await conn.execute(query("dashboard", "purge_expired_turns"), params)).rowcount
        details = {"cutoff": cutoff.isoformat(), "recordings": len(paths), "turns": turns}
        await conn.execute(
            query("dashboard", "insert_audit"),
            {"actor": actor, "action": "retention.purge", "target": "", "details": Jsonb(details)},
        )
    return PurgeResult(cutoff, len(paths), delete_files(paths), turns)
