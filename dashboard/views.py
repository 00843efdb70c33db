"""Server-rendered pages: campaigns, leads, call detail, recordings, and the actions behind their forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from campaigns.store import allowed_actions
from dashboard import control, errors, i18n, kpis, rgpd, store, svg
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.export import csv_chunks
from dashboard.keys import CLOCK, POOL, SETTINGS
from dashboard.params import FilterError, parse_choice, parse_id
from dashboard.security import redact
from dashboard.store import LEAD_STATUSES, LeadFilter
from dashboard.threads import in_thread
from services.csvout import STYLES, csv_style
from services.db import query
from services.errors import ComplianceError, ConflictError, NotFoundError


def _path_id(request: web.Request, missing: str) -> int:
    """The ``{id}`` of the URL; 404 with the ``missing`` message when it cannot name a row."""
    row_id = parse_id(request.match_info["id"])
    if row_id is None:
        raise Problem(404, missing)
    return row_id


def _lead_filter(request: web.Request) -> LeadFilter:
    try:
        return LeadFilter.parse(request.query)
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc


async def index(request: web.Request) -> web.StreamResponse:
    """GET / -> the campaigns page."""
    raise web.HTTPFound("/campaigns")


@requires("viewer")
async def campaigns_page(request: web.Request) -> web.StreamResponse:
    """GET /campaigns: KPIs per campaign and a calls-per-hour chart."""
    pool = request.app[POOL]
    now = request.app[CLOCK]()
    campaigns = await kpis.campaign_kpis(request.app)
    zone = ZoneInfo(request.app[SETTINGS].timezone)
    for c in campaigns:
        hours = await store.fetch_all(
            pool, "calls_per_hour", {"campaign_id": c["id"], "now": now, "hours": 24}
        )
        c["chart"] = svg.bar_chart(
            [(h["hour"].astimezone(zone).strftime("%H h"), int(h["calls"])) for h in hours],
            560,
            title=c["name"],
            labels=True,
        )
        c["qualified_rate"] = (c["qualified"] / c["answered"]) if c["answered"] else None
        c["actions"] = allowed_actions(str(c["status"]))
    return aiohttp_jinja2.render_template("campaigns.html", request, {"campaigns": campaigns})


@requires("supervisor")
async def campaign_action(request: web.Request) -> web.StreamResponse:
    """POST /campaigns/{id}/{action}: start, pause or stop."""
    action = request.match_info["action"]
    try:
        await in_thread(
            request.app,
            control.control_campaign,
            _path_id(request, "campaign_not_found"),
            action,
            session_of(request).email,
        )
    except NotFoundError as exc:
        raise Problem(404, "campaign_not_found") from exc
    except ComplianceError as exc:
        raise Problem(409, "campaign_consent_missing") from exc
    except ConflictError as exc:
        raise await _move_conflict(request, action) from exc
    kpis.forget(request.app)
    raise web.HTTPSeeOther(_back(request, "/campaigns"))


async def _move_conflict(request: web.Request, action: str) -> Problem:
    """The refused move in the user's language: what was asked, the state, what is possible."""
    row = await store.fetch_one(request.app[POOL], "campaign_detail", {"campaign_id": _path_id(request, "")})
    status = str(row["status"]) if row else ""
    lang = errors.language(request)
    possible = ", ".join(i18n.value_label(lang, "action", a) for a in allowed_actions(status)) or "–"
    return Problem(
        409,
        "campaign_move_conflict",
        action=i18n.value_label(lang, "action", action),
        state=i18n.value_label(lang, "campaign_status", status),
        possible=possible,
    )


def _back(request: web.Request, default: str) -> str:
    """The page the form was on (same origin only), else ``default``."""
    back = request.headers.get("Referer", "")
    return back if back.startswith(f"{request.scheme}://{request.host}/") else default


@requires("viewer")
async def leads_page(request: web.Request) -> web.StreamResponse:
    """GET /leads: filters, sort, keyset pagination."""
    flt = _lead_filter(request)
    try:
        rows, next_cursor = await store.leads_page(request.app[POOL], flt, 50)
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc
    session = session_of(request)
    pool = request.app[POOL]
    campaigns = await store.fetch_all(pool, "list_campaigns")
    assignees: list[dict[str, Any]] = []
    if session.role != "viewer":
        async with pool.connection() as conn:
            assignees = list(await (await conn.execute(query("users", "list_assignable_users"))).fetchall())
    next_params = {**flt.query_params(), "cursor": next_cursor} if next_cursor else None
    return aiohttp_jinja2.render_template(
        "leads.html",
        request,
        {
            "leads": redact(rows, session.role),
            "flt": flt,
            "statuses": LEAD_STATUSES,
            "campaigns": campaigns,
            "assignees": assignees,
            "next_params": next_params,
            "export_params": flt.query_params(),
        },
    )


@requires("supervisor")
async def leads_export(request: web.Request) -> web.StreamResponse:
    """GET /leads/export.csv: the current filter as a streamed CSV download.

    ``format=excel`` (default: semicolons and BOM for French Excel) or ``format=plain`` (commas, for
    scripts). The first chunk is read before the response starts, so a bad filter answers 400, not a
    cut download.
    """
    flt = _lead_filter(request)
    try:
        style = csv_style(parse_choice(request.query.get("format"), "format", tuple(STYLES)) or "excel")
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc
    chunks = csv_chunks(request.app[POOL], flt, style=style)
    try:
        first = await anext(chunks)
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="leads.csv"',
        }
    )
    await response.prepare(request)
    await response.write(first.encode())
    async for chunk in chunks:
        await response.write(chunk.encode())
    await store.audit(request.app[POOL], session_of(request).email, "leads.export", "", flt.query_params())
    await response.write_eof()
    return response


async def _lead_update(
    request: web.Request, name: str, params: dict[str, Any], action: str
) -> web.StreamResponse:
    """Apply a lead update, audit it, go back to the page the form was on."""
    row = await store.fetch_one(request.app[POOL], name, params)
    if row is None:
        raise Problem(404, "lead_not_found")
    details = {k: v for k, v in params.items() if k != "lead_id"}
    await store.audit(
        request.app[POOL], session_of(request).email, action, f"lead:{params['lead_id']}", details
    )
    raise web.HTTPSeeOther(_back(request, "/leads"))


@requires("supervisor")
async def lead_review(request: web.Request) -> web.StreamResponse:
    """POST /leads/{id}/review."""
    params = {"lead_id": _path_id(request, "lead_not_found"), "user_id": session_of(request).user_id}
    return await _lead_update(request, "mark_lead_reviewed", params, "lead.reviewed")


@requires("supervisor")
async def lead_assign(request: web.Request) -> web.StreamResponse:
    """POST /leads/{id}/assign (form field user_id; empty unassigns)."""
    lead_id = _path_id(request, "lead_not_found")
    form = await request.post()
    user_id = parse_id(str(form.get("user_id", ""))) if form.get("user_id") else None
    if form.get("user_id") and (
        user_id is None
        or await store.fetch_one(request.app[POOL], "assignable_user", {"id": user_id}) is None
    ):
        raise Problem(422, "assignee_invalid")
    return await _lead_update(request, "assign_lead", {"lead_id": lead_id, "user_id": user_id}, "lead.assign")


@requires("viewer")
async def call_page(request: web.Request) -> web.StreamResponse:
    """GET /calls/{id}: transcript, sentiment timeline, recording player, AMD verdict, other attempts."""
    pool = request.app[POOL]
    call_id = _path_id(request, "call_not_found")
    call = await store.fetch_one(pool, "call_detail", {"call_id": call_id})
    if call is None:
        raise Problem(404, "call_not_found")
    session = session_of(request)
    call = redact([call], session.role)[0]
    turns = await store.fetch_all(pool, "call_turns", {"call_id": call_id})
    attempts = []
    if call["contact_id"] is not None:
        attempts = await store.fetch_all(pool, "contact_attempts", {"contact_id": call["contact_id"]})
    timeline = svg.sentiment_timeline(
        [(int(t["start_ms"] or 0), str(t["sentiment"])) for t in turns if t["speaker"] == "caller"]
    )
    return aiohttp_jinja2.render_template(
        "call.html",
        request,
        {"call": call, "turns": turns, "attempts": attempts, "timeline": timeline},
    )


def _recording_file(base: Path, raw: str) -> Path | None:
    """The recording file when it exists inside the recordings directory (never outside it)."""
    path = Path(raw).resolve()
    return path if path.is_relative_to(base.resolve()) and path.is_file() else None


@requires("supervisor")
async def call_recording(request: web.Request) -> web.StreamResponse:
    """GET /calls/{id}/recording: the WAV file, with HTTP Range support; only under recordings_dir."""
    call_id = _path_id(request, "recording_not_found")
    row = await store.fetch_one(request.app[POOL], "call_detail", {"call_id": call_id})
    if row is None or not row["recording_path"]:
        raise Problem(404, "recording_not_found")
    path = _recording_file(request.app[SETTINGS].recordings_dir, str(row["recording_path"]))
    if path is None:
        raise Problem(404, "recording_not_found")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "private, no-store"})


@requires("admin")
async def contact_erase(request: web.Request) -> web.StreamResponse:
    """POST /contacts/{id}/erase: RGPD erasure (admin only), audited."""
    try:
        contact_id = _path_id(request, "contact_not_found")
        await rgpd.erase_contact(request.app[POOL], contact_id, session_of(request).email)
    except NotFoundError as exc:
        raise Problem(404, "contact_not_found") from exc
    raise web.HTTPSeeOther("/leads")
