"""JSON API under /api/v1 (bearer token or session cookie), described by :mod:`dashboard.openapi`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from dashboard import control, kpis, openapi, store
from dashboard.auth import requires, session_of
from dashboard.jsonutil import dumps
from dashboard.keys import CLOCK, POOL
from dashboard.security import redact
from dashboard.store import FilterError, LeadFilter
from dashboard.threads import in_thread
from services.errors import ComplianceError, ConflictError, NotFoundError


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


def _opt_int(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=dumps({"error": f"{name} must be an integer"}),
                                 content_type="application/json") from None  # fmt: skip


def _path_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise web.HTTPNotFound(text=dumps({"error": "not found"}), content_type="application/json")
    return int(raw)


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
        row = await in_thread(
            request.app, control.control_campaign, _path_id(request), action, session_of(request).email
        )
    except NotFoundError as exc:
        return _error(404, str(exc))
    except (ConflictError, ComplianceError) as exc:
        return _error(409, str(exc))
    kpis.forget(request.app)
    return _json(row)


@requires("viewer")
async def calls(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/calls."""
    limit = max(1, min(_opt_int(request, "limit", 50) or 50, store.MAX_PAGE))
    params = {
        "campaign_id": _opt_int(request, "campaign_id"),
        "status": request.query.get("status") or None,
        "before_id": _opt_int(request, "before_id"),
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
    row = await store.fetch_one(request.app[POOL], "call_detail", {"call_id": _path_id(request)})
    if row is None:
        return _error(404, "no such call")
    shown = redact([row], session_of(request).role)[0]
    return _json({k: shown[k] for k in _CALL_FIELDS if k in shown})


@requires("viewer")
async def call_turns(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/calls/{id}/turns."""
    call_id = _path_id(request)
    if await store.fetch_one(request.app[POOL], "call_detail", {"call_id": call_id}) is None:
        return _error(404, "no such call")
    return _json({"items": await store.fetch_all(request.app[POOL], "call_turns", {"call_id": call_id})})


@requires("viewer")
async def leads(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/leads."""
    try:
        flt = LeadFilter.parse(request.query)
        rows, cursor = await store.leads_page(request.app[POOL], flt, _opt_int(request, "limit", 50) or 50)
    except FilterError as exc:
        return _error(400, str(exc))
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
