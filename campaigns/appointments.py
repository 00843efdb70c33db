"""Appointments in the database: advisers' free slots, atomic holds while the bot confirms, then
confirmation; listing, moving and cancelling for operators.

Two calls can never get the same slot: an exclusion constraint on each adviser's blocked time
(``starts_at`` to ``blocked_until``, the buffer included) refuses the second hold, which raises
:class:`SlotTaken`. A hold lasts ``held_until``; expired holds are released before each new hold
and by the robot's scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from campaigns.schedule import parse_window
from campaigns.slots import Availability, Slot, free_slots
from services.db import query
from services.errors import ConflictError, NotFoundError

Conn = psycopg.Connection[dict[str, Any]]
Row = dict[str, Any]
HOLD_FOR = timedelta(minutes=3)


class SlotTaken(ConflictError):
    """Somebody else booked this slot first."""


@dataclass(frozen=True)
class BookingFor:
    """Whose appointment it is: the call, its contact and campaign."""

    call_id: int | None = None
    contact_id: int | None = None
    campaign_id: int | None = None


def availability_of(row: Row, blocked: list[Row]) -> Availability:
    """An adviser row (with its ``hours``) and its blocked periods as an :class:`Availability`."""
    return Availability(
        adviser_id=int(row["id"]),
        adviser_name=str(row["name"]),
        timezone=str(row["timezone"]),
        hours=tuple(parse_window(w) for w in row["hours"]),
        length=timedelta(minutes=int(row["appointment_minutes"])),
        buffer=timedelta(minutes=int(row["buffer_minutes"])),
        blocked=tuple((b["starts_at"], b["ends_at"]) for b in blocked if b["adviser_id"] == row["id"]),
        title=str(row["title"]),
    )


async def find_slots(
    pool: AsyncConnectionPool, skill: str, now: datetime, horizon: timedelta = timedelta(days=21)
) -> list[Slot]:
    """Free slots of the active advisers with ``skill`` ('' for any), earliest first."""
    async with pool.connection() as conn:
        advisers = cast(
            list[Row],
            await (await conn.execute(query("appointments", "active_advisers"), {"skill": skill})).fetchall(),
        )
        ids = [a["id"] for a in advisers]
        params = {"ids": ids, "now": now, "until": now + horizon}
        blocked = cast(
            list[Row], await (await conn.execute(query("appointments", "blocked"), params)).fetchall()
        )
    return free_slots([availability_of(a, blocked) for a in advisers], now, horizon=horizon)


async def hold(pool: AsyncConnectionPool, slot: Slot, who: BookingFor, now: datetime) -> int:
    """Hold ``slot`` for ``HOLD_FOR`` while the caller confirms; SlotTaken if it is gone."""
    params = {
        "adviser_id": slot.adviser_id,
        "campaign_id": who.campaign_id,
        "call_id": who.call_id,
        "contact_id": who.contact_id,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "blocked_until": slot.blocked_until,
        "held_until": now + HOLD_FOR,
        "now": now,
    }
    try:
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(
                query("appointments", "expire_holds"), {"now": now, "adviser_id": slot.adviser_id}
            )
            row = await (await conn.execute(query("appointments", "hold"), params)).fetchone()
    except psycopg.errors.ExclusionViolation:
        raise SlotTaken(f"the slot at {slot.starts_at.isoformat()} was just booked") from None
    assert row is not None
    return int(cast(Row, row)["id"])


async def confirm(pool: AsyncConnectionPool, appointment_id: int, now: datetime) -> Row:
    """Turn a hold into a confirmed appointment; return it with its adviser and contact."""
    async with pool.connection() as conn:
        done = await (
            await conn.execute(query("appointments", "confirm"), {"id": appointment_id, "now": now})
        ).fetchone()
        if done is None:
            raise SlotTaken(f"appointment {appointment_id} is no longer held (its hold expired)")
        row = await (await conn.execute(query("appointments", "get"), {"id": appointment_id})).fetchone()
    assert row is not None
    return cast(Row, row)


async def release(pool: AsyncConnectionPool, appointment_id: int, now: datetime) -> None:
    """Give a held slot back (the caller declined it, or hung up before confirming)."""
    async with pool.connection() as conn:
        await conn.execute(query("appointments", "release"), {"id": appointment_id, "now": now})


async def expire_holds(pool: AsyncConnectionPool, now: datetime) -> int:
    """Release every hold past its time (a robot that died mid-confirmation); return how many."""
    async with pool.connection() as conn:
        cur = await conn.execute(query("appointments", "expire_holds"), {"now": now, "adviser_id": None})
        return cur.rowcount


def get(conn: Conn, appointment_id: int) -> Row:
    """One appointment with its adviser and contact."""
    row = conn.execute(query("appointments", "get"), {"id": appointment_id}).fetchone()
    if row is None:
        raise NotFoundError(f"no appointment {appointment_id} (see `minibot appointments list`)")
    return row


def upcoming(conn: Conn, since: datetime, adviser: str = "") -> list[Row]:
    """Confirmed appointments ending after ``since`` (of one adviser when named)."""
    return conn.execute(query("appointments", "list"), {"since": since, "adviser": adviser}).fetchall()


def _audit(conn: Conn, actor: str, action: str, appointment_id: int, details: dict[str, Any]) -> None:
    conn.execute(
        query("appointments", "audit"),
        {
            "actor": actor,
            "action": action,
            "target": f"appointment:{appointment_id}",
            "details": Jsonb(details),
        },
    )


def cancel(conn: Conn, appointment_id: int, actor: str, now: datetime, note: str = "") -> Row:
    """Cancel a confirmed appointment (its slot becomes bookable again); audited."""
    before = get(conn, appointment_id)
    with conn.transaction():
        if (
            conn.execute(
                query("appointments", "cancel"), {"id": appointment_id, "note": note, "now": now}
            ).fetchone()
            is None
        ):
            raise ConflictError(f"appointment {appointment_id} is {before['status']}, not confirmed")
        _audit(
            conn,
            actor,
            "appointment.cancel",
            appointment_id,
            {"starts_at": before["starts_at"].isoformat(), "note": note},
        )
    return get(conn, appointment_id)


def move(conn: Conn, appointment_id: int, starts_at: datetime, actor: str, now: datetime) -> Row:
    """Move a confirmed appointment to ``starts_at`` (same length and buffer); ConflictError when
    the adviser is already booked then; audited."""
    before = get(conn, appointment_id)
    length = before["ends_at"] - before["starts_at"]
    buffer = timedelta(minutes=int(before["buffer_minutes"]))
    params = {
        "id": appointment_id,
        "starts_at": starts_at,
        "ends_at": starts_at + length,
        "blocked_until": starts_at + length + buffer,
        "now": now,
    }
    try:
        with conn.transaction():
            if conn.execute(query("appointments", "move"), params).fetchone() is None:
                raise ConflictError(f"appointment {appointment_id} is {before['status']}, not confirmed")
            details = {"from": before["starts_at"].isoformat(), "to": starts_at.isoformat()}
            _audit(conn, actor, "appointment.move", appointment_id, details)
    except psycopg.errors.ExclusionViolation:
        raise SlotTaken(
            f"{before['adviser']} already has an appointment at {starts_at.isoformat()}"
        ) from None
    return get(conn, appointment_id)
