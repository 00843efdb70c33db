"""JSON API under /api/v1 (bearer token or session cookie), described by :mod:`dashboard.openapi`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from dashboard import control, kpis, openapi, store
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.jsonutil import dumps
from dashboard.keys import CLOCK, POOL
from dashboard.params import FilterError, parse_id, parse_int
from dashboard.security import redact
from dashboard.store import LeadFilter
from dashboard.threads import in_thread
from services.errors import ComplianceError, ConflictError, NotFoundError


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def _query_int(request: web.Request, name: str, low: int = 1) -> int | None:
    try:
        return parse_int(request.query.get(name), name, low)
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc


def _path_id(request: web.Request, missing: str) -> int:
    row_id = parse_id(request.match_info["id"])
    if row_id is None:
        raise Problem(404, missing)
    return row_id


def _limit(request: web.Request) -> int:
    return min(_query_int(request, "limit") or 50, store.MAX_PAGE)


async def openapi_document(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/openapi.json (public: it describes the API, holds no data)."""
    return _json(openapi.document())


@requires("viewer")
async def campaigns(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/campaigns."""
    return _json({"items": await kpis.campaign_kpis(request.app)})


@requires("supervisor")
async def campaign_action(request: web.Request) -> web.StreamResponse:
    """POST /api/v1/campaigns/{id}/{action}."""
    action = request.match_info["action"]
    try:
        campaign_id = _path_id(request, "campaign_not_found")
        row = await in_thread(
            request.app, control.control_campaign, campaign_id, action, session_of(request).email
        )
    except NotFoundError as exc:
        raise Problem(404, "campaign_move_refused", reason=str(exc)) from exc
    except (ConflictError, ComplianceError) as exc:
        raise Problem(409, "campaign_move_refused", reason=str(exc)) from exc
    kpis.forget(request.app)
    return _json(row)


@requires("viewer")
async def calls(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/calls."""
    limit = _limit(request)
    params = {
        "campaign_id": _query_int(request, "campaign_id"),
        "status": request.query.get("status") or None,
        "before_id": _query_int(request, "before_id"),
        "limit": limit + 1,
    }
    rows = await store.fetch_all(request.app[POOL], "list_calls", params)
    next_before = rows[limit - 1]["id"] if len(rows) > limit else None
    items = redact(rows[:limit], session_of(request).role)
    return _json({"items": items, "next_before_id": None if next_before is None else str(next_before)})


_CALL_FIELDS = tuple(openapi.SCHEMAS["Call"]["properties"])


@requires("viewer")
async def call_detail(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/calls/{id}."""
    row = await store.fetch_one(
        request.app[POOL], "call_detail", {"call_id": _path_id(request, "call_not_found")}
    )
    if row is None:
        raise Problem(404, "call_not_found")
    shown = redact([row], session_of(request).role)[0]
    return _json({k: shown[k] for k in _CALL_FIELDS if k in shown})


@requires("viewer")
async def call_turns(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/calls/{id}/turns."""
    call_id = _path_id(request, "call_not_found")
    if await store.fetch_one(request.app[POOL], "call_detail", {"call_id": call_id}) is None:
        raise Problem(404, "call_not_found")
    return _json({"items": await store.fetch_all(request.app[POOL], "call_turns", {"call_id": call_id})})


@requires("viewer")
async def leads(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/leads."""
    try:
        flt = LeadFilter.parse(request.query)
        rows, cursor = await store.leads_page(request.app[POOL], flt, _limit(request))
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc
    return _json({"items": redact(rows, session_of(request).role), "next_cursor": cursor})


@requires("viewer")
async def stats(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/stats: totals since 24 hours ago."""
    since = request.app[CLOCK]() - timedelta(hours=24)
    row = await store.fetch_one(request.app[POOL], "stats", {"since": since})
    return _json({**(row or {}), "since": since})


def add_routes(app: web.Application) -> None:
    """Register every API route (each one is listed in the OpenAPI document)."""
    app.router.add_get("/api/v1/openapi.json", openapi_document)
    app.router.add_get("/api/v1/campaigns", campaigns)
    app.router.add_post("/api/v1/campaigns/{id}/{action}", campaign_action)
    app.router.add_get("/api/v1/calls", calls)
    app.router.add_get("/api/v1/calls/{id}", call_detail)
    app.router.add_get("/api/v1/calls/{id}/turns", call_turns)
    app.router.add_get("/api/v1/leads", leads)
    app.router.add_get("/api/v1/stats", stats)
