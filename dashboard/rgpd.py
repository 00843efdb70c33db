"""RGPD: erase one contact on request (the retention purge lives in ``campaigns.retention``)."""

from __future__ import annotations

from typing import Any, cast

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from campaigns.retention import delete_files
from services.db import query
from services.errors import NotFoundError

Row = dict[str, Any]


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
    return {"turns": turns, "recordings_deleted": delete_files(paths)}
