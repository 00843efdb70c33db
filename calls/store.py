"""Postgres adapter for the live side: calls, turns, leads, DNC requests (sql/queries/calls.sql).

Every statement survives a database outage: writes go through the pool's ordered
:class:`~services.db.WriteBehind` (a live call never waits for the database), reads and the call
row written before a dial are retried with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from services.db import query, retrying, write_behind


@dataclass(frozen=True)
class TurnRecord:
    """One turn of a conversation as stored in ``turns``."""

    call_id: int
    seq: int
    speaker: str
    text: str
    step: str | None = None
    intent: str | None = None
    confidence: float | None = None
    sentiment: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    asr_latency_ms: int | None = None
    response_latency_ms: int | None = None
    barge_in: bool = False
    interrupted_at_ms: int | None = None
    nlu_source: str | None = None  # caller turns: "fast", "llm" or "fallback"
    objection: str | None = None  # caller turns: the scenario objection raised, if any


@dataclass(frozen=True)
class LeadRecord:
    """The qualification of an answered call as stored in ``leads``."""

    call_id: int
    contact_id: int | None
    campaign_id: int
    status: str
    score: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    sentiment: str | None = None
    sentiment_timeline: list[Any] = field(default_factory=list)
    rationale: str = ""
    callback_at: datetime | None = None
    summary_source: str | None = None  # "llm", "fallback" or "heuristic"
    nlu_source: str | None = None  # "llm" if the model decided an answer, else "fallback" or "fast"
    objections: list[str] = field(default_factory=list)  # raised during the call, in order


class CallStore:
    """Writes the life of calls into Postgres."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self.writer = write_behind(pool)

    async def _execute(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(query("calls", name), params)
            row = await cur.fetchone() if cur.description else None
            return dict(row) if row else None

    async def _write(self, name: str, params: dict[str, Any]) -> None:
        """A write whose result nobody waits for: at once, or after an outage (in order)."""
        await self.writer.run(
            f"{name} (call {params.get('call_id', '-')})", lambda: self._execute(name, params)
        )

    async def insert_call(
        self,
        *,
        queue_id: int,
        campaign_id: int,
        contact_id: int,
        attempt: int,
        channel_id: str,
        robot_id: str,
        queued_at: datetime | None,
        originated_at: datetime,
        give_up: Callable[[], bool] = lambda: False,
    ) -> int:
        """Create the call row before originating; returns its id (idempotent on channel id).

        Retried through an outage until ``give_up()`` (then :class:`DatabaseError`)."""
        row = await retrying(
            f"recording call {channel_id}",
            lambda: self._execute(
                "insert_call",
                {
                    "queue_id": queue_id,
                    "campaign_id": campaign_id,
                    "contact_id": contact_id,
                    "attempt": attempt,
                    "channel_id": channel_id,
                    "robot_id": robot_id,
                    "queued_at": queued_at,
                    "originated_at": originated_at,
                },
            ),
            give_up=give_up,
        )
        assert row is not None
        return int(row["id"])

    async def mark_ringing(self, call_id: int) -> None:
        """The far end is ringing."""
        await self._write("mark_ringing", {"call_id": call_id})

    async def mark_answered(self, call_id: int, at: datetime) -> None:
        """The callee answered."""
        await self._write("mark_answered", {"call_id": call_id, "at": at})

    async def set_step(self, call_id: int, step: str) -> None:
        """Record the scenario step in progress (the live view shows it)."""
        await self._write("set_step", {"call_id": call_id, "step": step})

    async def set_amd(self, call_id: int, result: str, reason: str) -> None:
        """Record the answering-machine verdict and why."""
        await self._write("set_amd", {"call_id": call_id, "result": result, "reason": reason})

    async def set_recording(self, call_id: int, path: str) -> None:
        """Record where the call's recording is."""
        await self._write("set_recording", {"call_id": call_id, "path": path})

    async def set_transfer(self, call_id: int, endpoint: str, result: str) -> None:
        """Record a hand-off to a human: the endpoint rung and ``connected`` or why it failed."""
        await self._write("set_transfer", {"call_id": call_id, "endpoint": endpoint, "result": result})

    async def end_call(
        self, call_id: int, *, at: datetime, cause: int | None, cause_text: str, outcome: str
    ) -> None:
        """Close the call row (a row already closed is left as it is)."""
        await self._write(
            "end_call",
            {"call_id": call_id, "at": at, "cause": cause, "cause_text": cause_text, "outcome": outcome},
        )

    async def forget_call(self, call_id: int) -> None:
        """Delete the row of a call that was never dialled (Asterisk refused the originate)."""
        await self._write("forget_call", {"call_id": call_id})

    async def unfinished_calls(self, robot_id: str) -> list[dict[str, Any]]:
        """Calls this robot started and never closed (to reconcile after a restart)."""

        async def fetch() -> list[dict[str, Any]]:
            async with self.pool.connection() as conn:
                cur = await conn.execute(query("calls", "unfinished_calls_of_robot"), {"robot_id": robot_id})
                return [dict(r) for r in await cur.fetchall()]

        return await retrying("listing unfinished calls", fetch)

    async def add_turn(self, turn: TurnRecord) -> None:
        """Store one turn."""
        await self._write("insert_turn", asdict(turn))

    async def mark_interrupted(self, call_id: int, seq: int, cut_ms: int) -> None:
        """The caller barged in: mark the bot turn ``seq`` as cut ``cut_ms`` after it started."""
        await self._write("mark_interrupted", {"call_id": call_id, "seq": seq, "cut_ms": cut_ms})

    async def save_lead(self, lead: LeadRecord) -> None:
        """Insert or update the lead of a call."""
        params = asdict(lead)
        params["answers"] = Jsonb(lead.answers)
        params["sentiment_timeline"] = Jsonb(lead.sentiment_timeline)
        await self._write("upsert_lead", params)

    async def add_dnc(self, phone: str, reason: str, contact_id: int | None, at: datetime) -> None:
        """The callee asked not to be called again: add the number to DNC and mark the refusal."""
        await self._write("add_dnc", {"phone": phone, "reason": reason})
        if contact_id is not None:
            await self._write("mark_contact_refused", {"contact_id": contact_id, "at": at})

    async def release_unstarted_leases(
        self, robot_id: str, now: datetime, *, give_up: Callable[[], bool] = lambda: False
    ) -> int:
        """Give back leases this robot holds without a call row (claimed, never dialled)."""

        async def release() -> int:
            async with self.pool.connection() as conn:
                cur = await conn.execute(
                    query("calls", "release_unstarted_leases"), {"robot_id": robot_id, "now": now}
                )
                return cur.rowcount

        return await retrying("releasing leases never dialled", release, give_up=give_up)
