"""RGPD: erase one contact on request, and purge recordings and transcripts past the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from services.db import query
from services.errors import NotFoundError

Row = dict[str, Any]


def _delete_files(paths: list[str]) -> int:
    removed = 0
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            path.unlink()
            removed += 1
    return removed


async def erase_contact(pool: AsyncConnectionPool, contact_id: int, actor: str) -> dict[str, int]:
    """Anonymise a contact: personal fields, transcripts, lead answers and recording files; audited.

    Its pending queue rows are cancelled (and the claim skips erased contacts).

    DNC entries are kept on purpose (the opposition itself must survive erasure).
    """
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(query("dashboard", "erase_contact"), {"contact_id": contact_id})
        if await cur.fetchone() is None:
            raise NotFoundError(f"contact {contact_id} does not exist or is already erased")
        cur = await conn.execute(query("dashboard", "contact_recordings"), {"contact_id": contact_id})
        paths = [str(r["recording_path"]) for r in cast(list[Row], await cur.fetchall())]
        turns = (
            await conn.execute(query("dashboard", "erase_contact_turns"), {"contact_id": contact_id})
        ).rowcount
        await conn.execute(query("dashboard", "erase_contact_calls"), {"contact_id": contact_id})
        await conn.execute(query("dashboard", "erase_contact_queue"), {"contact_id": contact_id})
        await conn.execute(query("dashboard", "erase_contact_leads"), {"contact_id": contact_id})
        details = {"turns": turns, "recordings": len(paths)}
        await conn.execute(
            query("dashboard", "insert_audit"),
            {
                "actor": actor,
                "action": "contact.erase",
                "target": f"contact:{contact_id}",
                "details": Jsonb(details),
            },
        )
    return {"turns": turns, "recordings_deleted": _delete_files(paths)}


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
    return PurgeResult(cutoff, len(paths), _delete_files(paths), turns)
