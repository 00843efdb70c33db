"""Database reads and writes of the dashboard, all through ``sql/queries/dashboard.sql``."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, LiteralString, cast

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from dashboard.params import FilterError, parse_choice, parse_date, parse_int
from services.db import query

Row = dict[str, Any]
LEAD_STATUSES = ("qualified", "not_interested", "callback", "do_not_call", "unreachable")
SORTS = ("recent", "score")
MAX_PAGE = 200
MAX_SCORE = 1_000_000


def _sql(name: str) -> LiteralString:
    return query("dashboard", name)


async def fetch_all(
    pool: AsyncConnectionPool, name: str, params: Mapping[str, Any] | None = None
) -> list[Row]:
    """Rows of a named dashboard query (custom plan each time: optional filters fold away)."""
    async with pool.connection() as conn:
        cur = await conn.execute(_sql(name), params or {}, prepare=False)
        return cast(list[Row], await cur.fetchall()) if cur.description else []


async def fetch_one(pool: AsyncConnectionPool, name: str, params: Mapping[str, Any]) -> Row | None:
    """First row of a named dashboard query, or None."""
    rows = await fetch_all(pool, name, params)
    return rows[0] if rows else None


@dataclass(frozen=True)
class LeadFilter:
    """Lead list filters, sort order and keyset cursor."""

    campaign_id: int | None = None
    status: str | None = None
    min_score: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive day
    sort: str = "recent"
    cursor: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> LeadFilter:
        """Build from query-string parameters; raises :class:`FilterError` on bad input."""
        return cls(
            campaign_id=parse_int(params.get("campaign_id"), "campaign_id"),
            status=parse_choice(params.get("status"), "status", LEAD_STATUSES),
            min_score=parse_int(params.get("min_score"), "min_score", -MAX_SCORE, MAX_SCORE),
            since=parse_date(params.get("since"), "since"),
            until=parse_date(params.get("until"), "until"),
            sort=parse_choice(params.get("sort"), "sort", SORTS) or "recent",
            cursor=params.get("cursor") or None,
        )

    def query_params(self, *, with_cursor: bool = False) -> dict[str, str]:
        """The filter as query-string parameters (for links and the export URL)."""
        out = {
            "campaign_id": "" if self.campaign_id is None else str(self.campaign_id),
            "status": self.status or "",
            "min_score": "" if self.min_score is None else str(self.min_score),
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "sort": self.sort,
        }
        if with_cursor and self.cursor:
            out["cursor"] = self.cursor
        return {k: v for k, v in out.items() if v}

    def sql_params(self, limit: int) -> dict[str, Any]:
        """Parameters of the ``leads_by_*`` queries."""
        params: dict[str, Any] = {
            "campaign_id": self.campaign_id,
            "status": self.status,
            "min_score": self.min_score,
            "since": self.since,
            "until": self.until + timedelta(days=1) if self.until else None,
            "after_id": None,
            "after_created": None,
            "after_score": None,
            "limit": limit,
        }
        if self.cursor:
            key, after_id = _decode_cursor(self.cursor)
            params["after_id"] = after_id
            params["after_score" if self.sort == "score" else "after_created"] = (
                parse_int(key, "cursor", -(2**31), 2**31 - 1)
                if self.sort == "score"
                else datetime.fromisoformat(key)
            )
        return params


def encode_cursor(key: str, row_id: int) -> str:
    """Opaque keyset cursor for (sort key, id)."""
    return base64.urlsafe_b64encode(f"{key}|{row_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, row_id = raw.rsplit("|", 1)
        if not key:
            raise ValueError(cursor)
        return key, parse_int(row_id, "cursor") or 0
    except ValueError:
        raise FilterError("invalid_cursor") from None


async def leads_page(
    pool: AsyncConnectionPool, flt: LeadFilter, limit: int = 50
) -> tuple[list[Row], str | None]:
    """One keyset page of leads and the cursor of the next page (None on the last page)."""
    limit = max(1, min(limit, MAX_PAGE))
    try:
        params = flt.sql_params(limit + 1)
    except ValueError as exc:  # a cursor whose key does not fit the sort order
        raise FilterError("invalid_cursor") from exc
    rows = await fetch_all(pool, "leads_by_score" if flt.sort == "score" else "leads_by_recent", params)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    key = str(last["score"]) if flt.sort == "score" else last["created_at"].isoformat()
    return rows, encode_cursor(key, int(last["id"]))


async def iter_leads(pool: AsyncConnectionPool, flt: LeadFilter, batch: int = MAX_PAGE) -> AsyncIterator[Row]:
    """Every lead matching the filter, fetched page by page (for streamed exports)."""
    current = replace(flt, cursor=None)
    while True:
        rows, cursor = await leads_page(pool, current, batch)
        for row in rows:
            yield row
        if cursor is None:
            return
        current = replace(current, cursor=cursor)


# ---------------------------------------------------------------- campaigns


async def audit(
    pool: AsyncConnectionPool, actor: str, action: str, target: str, details: dict[str, Any]
) -> None:
    """Append one audit_log entry."""
    async with pool.connection() as conn:
        await conn.execute(
            _sql("insert_audit"),
            {"actor": actor, "action": action, "target": target, "details": Jsonb(details)},
        )
