"""The lead review: a queue of the leads to look at first, the lead page and its actions (all audited).

Queue order: qualified, call back due, failed transfer to an adviser, then the other unreviewed leads;
within a group the best score, then the most recent. Each action returns to the lead (or, after a
decision, goes to the next lead of the queue).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from campaigns import dnc
from dashboard import appointments_page, store, svg
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.keys import CLOCK, POOL, SETTINGS
from dashboard.params import parse_id
from dashboard.security import redact
from dashboard.threads import in_thread
from services.db import query
from services.errors import MiniBotError

DECISIONS = ("qualified", "disqualified")
MAX_TEXT = 2000
QUEUE_PAGE = 100


def _lead_id(request: web.Request) -> int:
    lead_id = parse_id(request.match_info["id"])
    if lead_id is None:
        raise Problem(404, "lead_not_found")
    return lead_id


async def _queue(request: web.Request, exclude_id: int | None, limit: int) -> list[dict[str, Any]]:
    campaign_id = parse_id(request.query.get("campaign_id", ""))
    params = {
        "now": request.app[CLOCK](),
        "campaign_id": campaign_id,
        "exclude_id": exclude_id,
        "limit": limit,
    }
    return await store.fetch_all(request.app[POOL], "review_queue", params)


@requires("viewer")
async def review_page(request: web.Request) -> web.StreamResponse:
    """GET /review: the leads to review, the most urgent first."""
    leads = redact(await _queue(request, None, QUEUE_PAGE), session_of(request).role)
    booked = await appointments_page.confirmed_by_call(
        request.app[POOL], [int(str(x["call_id"])) for x in leads]
    )
    leads = [lead | {"appointment": booked.get(int(str(lead["call_id"])))} for lead in leads]
    return aiohttp_jinja2.render_template("review.html", request, {"leads": leads})


@requires("viewer")
async def lead_page(request: web.Request) -> web.StreamResponse:
    """GET /leads/{id}: transcript synchronised with the recording, answers, summary and the actions."""
    pool = request.app[POOL]
    lead_id = _lead_id(request)
    lead = await store.fetch_one(pool, "lead_detail", {"lead_id": lead_id})
    if lead is None:
        raise Problem(404, "lead_not_found")
    session = session_of(request)
    lead = redact([lead], session.role)[0]
    turns = await store.fetch_all(pool, "call_turns", {"call_id": lead["call_id"]})
    timeline = svg.sentiment_timeline(
        [(int(t["start_ms"] or 0), str(t["sentiment"])) for t in turns if t["speaker"] == "caller"]
    )
    objections = [t for t in turns if t.get("objection")]
    upcoming = await _queue(request, lead_id, 1)
    assignees: list[dict[str, Any]] = []
    if session.role != "viewer":
        async with pool.connection() as conn:
            assignees = list(await (await conn.execute(query("users", "list_assignable_users"))).fetchall())
    context = {
        "lead": lead,
        "turns": turns,
        "timeline": timeline,
        "objections": objections,
        "next_lead": upcoming[0]["id"] if upcoming else None,
        "assignees": assignees,
        "answers": _answers(lead["answers"]),
        "appointment": await appointments_page.for_call(pool, int(str(lead["call_id"]))),
    }
    return aiohttp_jinja2.render_template("lead.html", request, context)


def _answers(stored: object) -> list[tuple[str, str]]:
    """The qualification answers as (question key, what was understood) pairs."""
    if not isinstance(stored, dict):
        return []
    out = []
    for key, value in sorted(stored.items()):
        shown = value.get("intent") or value.get("text") if isinstance(value, dict) else value
        out.append((str(key), str(shown or "")))
    return out


async def _form_text(request: web.Request, name: str) -> str:
    value = str((await request.post()).get(name, "")).strip()
    if len(value) > MAX_TEXT:
        raise Problem(422, "text_too_long", max=MAX_TEXT)
    return value


async def _audited(request: web.Request, lead_id: int, action: str, details: dict[str, Any]) -> None:
    await store.audit(request.app[POOL], session_of(request).email, action, f"lead:{lead_id}", details)


async def _update(request: web.Request, name: str, params: dict[str, Any]) -> None:
    if await store.fetch_one(request.app[POOL], name, params) is None:
        raise Problem(404, "lead_not_found")


@requires("supervisor")
async def decide(request: web.Request) -> web.StreamResponse:
    """POST /leads/{id}/decide: qualify or disqualify (a reason is required), then the next lead."""
    lead_id = _lead_id(request)
    decision = await _form_text(request, "decision")
    reason = await _form_text(request, "reason")
    if decision not in DECISIONS:
        raise Problem(422, "decision_invalid")
    if decision == "disqualified" and not reason:
        raise Problem(422, "reason_required")
    session = session_of(request)
    params = {
        "lead_id": lead_id,
        "decision": decision,
        "reason": reason,
        "user_id": session.user_id,
        "now": request.app[CLOCK](),
    }
    await _update(request, "decide_lead", params)
    await _audited(request, lead_id, f"lead.{decision}", {"reason": reason})
    upcoming = await _queue(request, lead_id, 1)
    raise web.HTTPSeeOther(f"/leads/{upcoming[0]['id']}" if upcoming else "/review")


@requires("supervisor")
async def note(request: web.Request) -> web.StreamResponse:
    """POST /leads/{id}/note: keep a note on the lead."""
    lead_id = _lead_id(request)
    text = await _form_text(request, "note")
    await _update(request, "note_lead", {"lead_id": lead_id, "note": text})
    await _audited(request, lead_id, "lead.note", {"length": len(text)})
    raise web.HTTPSeeOther(f"/leads/{lead_id}")


@requires("supervisor")
async def callback(request: web.Request) -> web.StreamResponse:
    """POST /leads/{id}/callback: schedule a call back (local time of the dashboard's time zone)."""
    lead_id = _lead_id(request)
    raw = await _form_text(request, "callback_at")
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise Problem(422, "callback_invalid") from None
    at = local if local.tzinfo else local.replace(tzinfo=ZoneInfo(request.app[SETTINGS].timezone))
    if not 2000 <= at.year <= 2100:
        raise Problem(422, "callback_invalid")
    await _update(request, "schedule_lead_callback", {"lead_id": lead_id, "callback_at": at})
    await _audited(request, lead_id, "lead.callback", {"callback_at": at.isoformat()})
    raise web.HTTPSeeOther(f"/leads/{lead_id}")


@requires("supervisor")
async def opposition(request: web.Request) -> web.StreamResponse:
    """POST /leads/{id}/dnc: the person asked not to be called again: DNC list, lead marked."""
    lead_id = _lead_id(request)
    reason = await _form_text(request, "reason")
    lead = await store.fetch_one(request.app[POOL], "lead_detail", {"lead_id": lead_id})
    if lead is None:
        raise Problem(404, "lead_not_found")
    if not lead["phone"] or lead["erased_at"]:
        raise Problem(409, "dnc_no_phone")
    try:
        phone = await in_thread(
            request.app, lambda conn: dnc.add(conn, str(lead["phone"]), source="dashboard", reason=reason)
        )
    except MiniBotError:  # a number that cannot be normalised
        raise Problem(409, "dnc_no_phone") from None
    await _update(request, "lead_opposed", {"lead_id": lead_id})
    await _audited(request, lead_id, "lead.dnc", {"phone": phone[:-4] + "****", "reason": reason})
    raise web.HTTPSeeOther(f"/leads/{lead_id}")
