"""Server-side sessions: created at login, checked on every request, revocable at once.

The cookie holds a random value; the table holds its keyed hash, the user, the last activity
(idle timeout) and the absolute expiry. Logout, an admin's "sign out everywhere" and any change of
the user's password, role or disabled flag (a trigger, migration 110) revoke them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from psycopg_pool import AsyncConnectionPool

from dashboard import security
from dashboard.security import Session
from services.db import query


@dataclass(frozen=True)
class SessionPolicy:
    """Idle timeout and absolute lifetime of a session."""

    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)


async def create(
    pool: AsyncConnectionPool, secret: str, user_id: int, *, ip: str, now: datetime, policy: SessionPolicy
) -> str:
    """Open a session for ``user_id``; returns the cookie value."""
    token = security.new_session_token()
    async with pool.connection() as conn:
        await conn.execute(
            query("users", "create_session"),
            {
                "id_hash": security.session_hash(secret, token),
                "user_id": user_id,
                "now": now,
                "expires_at": now + policy.lifetime,
                "ip": ip,
            },
        )
    return token


async def resume(
    pool: AsyncConnectionPool, secret: str, token: str, now: datetime, policy: SessionPolicy
) -> Session | None:
    """The live session behind a cookie value (the request counts as activity), or None."""
    id_hash = security.session_hash(secret, token)
    async with pool.connection() as conn:
        cur = await conn.execute(
            query("users", "touch_session"),
            {"id_hash": id_hash, "now": now, "idle_seconds": policy.idle.total_seconds()},
        )
        row = cast(dict[str, Any] | None, await cur.fetchone())
    if row is None:
        return None
    return Session(int(row["id"]), str(row["email"]), row["role"], "write", id_hash)


async def still_valid(pool: AsyncConnectionPool, id_hash: str, now: datetime, policy: SessionPolicy) -> bool:
    """True while the session is alive (checked by open event streams, without counting as activity)."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            query("users", "check_session"),
            {"id_hash": id_hash, "now": now, "idle_seconds": policy.idle.total_seconds()},
        )
        return await cur.fetchone() is not None


async def revoke(pool: AsyncConnectionPool, id_hash: str, now: datetime) -> None:
    """End one session (logout)."""
    async with pool.connection() as conn:
        await conn.execute(query("users", "revoke_session"), {"id_hash": id_hash, "now": now})
