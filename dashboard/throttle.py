"""Login throttling in the database, shared by every dashboard process.

Three budgets are charged *before* the password is checked, in one transaction (so a burst of
concurrent attempts cannot all slip through while bcrypt runs):

- the pair (email, client address): 5 consecutive failures lock that address out of that account,
  for 1 minute, then 2, 4, … up to 1 hour; the account stays open from anywhere else;
- the client address: 20 failures per 15 minutes across all emails (password spraying);
- everyone: 300 failures per 15 minutes (a spray from many addresses).

A successful attempt gives its reservation back and forgets the pair's failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from psycopg_pool import AsyncConnectionPool

from services.db import query


@dataclass(frozen=True)
class LoginLimits:
    """Budgets of failed logins."""

    pair_failures: int = 5
    pair_window: timedelta = timedelta(hours=24)
    lock_base: timedelta = timedelta(minutes=1)
    lock_max: timedelta = timedelta(hours=1)
    ip_failures: int = 20
    global_failures: int = 300
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempt:
    """The throttle keys one login attempt is charged to."""

    email: str
    ip: str

    @property
    def pair_key(self) -> str:
        return f"pair:{self.email}|{self.ip}"

    def budgets(self, limits: LoginLimits) -> list[tuple[str, str | None, int, timedelta]]:
        """(key, email, max attempts, window) in a fixed order, so concurrent transactions never deadlock."""
        return [
            ("global", None, limits.global_failures, limits.window),
            (f"ip:{self.ip}", None, limits.ip_failures, limits.window),
            (self.pair_key, self.email, limits.pair_failures, limits.pair_window),
        ]


async def reserve(pool: AsyncConnectionPool, attempt: Attempt, limits: LoginLimits, now: datetime) -> bool:
    """Charge the attempt to every budget; False (nothing charged) when one is locked or spent."""
    async with pool.connection() as conn, conn.transaction():
        for key, email, max_attempts, window in attempt.budgets(limits):
            cur = await conn.execute(
                query("users", "throttle_reserve"),
                {
                    "key": key,
                    "email": email,
                    "now": now,
                    "max_attempts": max_attempts,
                    "window_seconds": window.total_seconds(),
                },
            )
            if await cur.fetchone() is None:
                raise psycopg.Rollback()
        return True
    return False


async def failed(pool: AsyncConnectionPool, attempt: Attempt, limits: LoginLimits, now: datetime) -> None:
    """A wrong password: the reservation stays charged; a full pair budget locks the pair."""
    async with pool.connection() as conn:
        await conn.execute(
            query("users", "throttle_pair_failed"),
            {
                "key": attempt.pair_key,
                "now": now,
                "max_attempts": limits.pair_failures,
                "lock_seconds": limits.lock_base.total_seconds(),
                "max_lock_seconds": limits.lock_max.total_seconds(),
            },
        )


async def succeeded(pool: AsyncConnectionPool, attempt: Attempt, limits: LoginLimits, now: datetime) -> None:
    """A right password: give the address and global reservations back, forget the pair's failures."""
    async with pool.connection() as conn, conn.transaction():
        for key, _, _, _ in attempt.budgets(limits)[:2]:
            await conn.execute(query("users", "throttle_release"), {"key": key})
        await conn.execute(query("users", "throttle_pair_succeeded"), {"key": attempt.pair_key, "now": now})
