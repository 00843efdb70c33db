"""Appointments the bot booked: the upcoming list, the appointment on a lead, move and cancel.

Moves and cancels go through :mod:`campaigns.appointments` (the same rules and audit as
``minibot appointments``), then the adviser is sent the updated invitation or the cancellation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import aiohttp_jinja2
from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from calls.appointment_notice import notify
from campaigns import advisers, appointments
from campaigns.appointments import SlotTaken
from campaigns.compliance import zone
from dashboard import errors, i18n
from dashboard.auth import requires, safe_next, session_of
from dashboard.errors import Problem
from dashboard.keys import CLOCK, POOL, SETTINGS
from dashboard.params import parse_id
from dashboard.security import redact
from dashboard.threads import in_thread
from services.db import query
from services.errors import ConflictError, NotFoundError

MAX_NOTE = 2000


async def _rows(pool: AsyncConnectionPool, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(query("dashboard_appointments", name), params)
        return cast(list[dict[str, Any]], await cur.fetchall())


def _with_move_value(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its start as a ``datetime-local`` value in the adviser's time zone."""
    local = row["starts_at"].astimezone(zone(str(row["adviser_timezone"])))
    return {**row, "move_value": f"{local:%Y-%m-%dT%H:%M}"}


async def for_call(pool: AsyncConnectionPool, call_id: int | None) -> dict[str, Any] | None:
    """The appointment a call booked (confirmed, else the latest cancelled one), or None."""
    if call_id is None:
        return None
    rows = await _rows(pool, "for_call", {"call_id": call_id})
    return _with_move_value(rows[0]) if rows else None


async def confirmed_by_call(pool: AsyncConnectionPool, call_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Confirmed appointments of ``call_ids`` by call (the review queue's badge)."""
    rows = await _rows(pool, "confirmed_for_calls", {"call_ids": call_ids})
    return {int(r["call_id"]): r for r in rows}


@requires("viewer")
async def appointments_page(request: web.Request) -> web.StreamResponse:
    """GET /appointments: upcoming confirmed appointments, optionally of one adviser."""
    adviser = request.query.get("adviser", "").strip()[:200]
    now = request.app[CLOCK]()
    rows = await in_thread(request.app, appointments.upcoming, now, adviser)
    everyone = await in_thread(request.app, advisers.list_all)
    call_ids = [int(r["call_id"]) for r in rows if r["call_id"] is not None]
    leads = {
        int(r["call_id"]): int(r["id"])
        for r in await _rows(request.app[POOL], "leads_of_calls", {"call_ids": call_ids})
    }
    with_leads = [_with_move_value(r) | {"lead_id": leads.get(r["call_id"] or 0)} for r in rows]
    shown = redact(with_leads, session_of(request).role)
    context = {"appointments": shown, "advisers": everyone, "adviser": adviser}
    return aiohttp_jinja2.render_template("appointments.html", request, context)


def _appointment_id(request: web.Request) -> int:
    appointment_id = parse_id(request.match_info["id"])
    if appointment_id is None:
        raise Problem(404, "appointment_not_found")
    return appointment_id


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}


def _not_confirmed(request: web.Request, status: str) -> Problem:
    lang = errors.language(request)
    return Problem(
        409, "appointment_not_confirmed", state=i18n.value_label(lang, "appointment_status", status)
    )


async def _current(request: web.Request, appointment_id: int) -> dict[str, Any]:
    try:
        return await in_thread(request.app, appointments.get, appointment_id)
    except NotFoundError:
        raise Problem(404, "appointment_not_found") from None


def _start(raw: str, tz: str) -> datetime:
    """The new start from a ``datetime-local`` field, read in the adviser's time zone."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Problem(422, "datetime_invalid") from None
    if not 2000 <= value.year <= 2100:
        raise Problem(422, "datetime_invalid")
    return value if value.tzinfo else value.replace(tzinfo=zone(tz))


@requires("supervisor")
async def move(request: web.Request) -> web.StreamResponse:
    """POST /appointments/{id}/move: a new start (adviser's time); 409 when the adviser is busy then."""
    appointment_id = _appointment_id(request)
    form = await _form(request)
    current = await _current(request, appointment_id)
    tz = str(current["adviser_timezone"])
    start = _start(form.get("starts_at", ""), tz)
    actor, now = session_of(request).email, request.app[CLOCK]()
    try:
        row = await in_thread(request.app, appointments.move, appointment_id, start, actor, now)
    except SlotTaken:
        when = i18n.format_datetime(errors.language(request), start, tz)
        raise Problem(409, "appointment_slot_taken", adviser=current["adviser"], when=when) from None
    except ConflictError:
        raise _not_confirmed(request, str(current["status"])) from None
    await notify(request.app[SETTINGS], row)
    raise web.HTTPSeeOther(safe_next(form.get("back") or "/appointments"))


@requires("supervisor")
async def cancel(request: web.Request) -> web.StreamResponse:
    """POST /appointments/{id}/cancel: cancel with a note; the slot can be booked again."""
    appointment_id = _appointment_id(request)
    form = await _form(request)
    note = form.get("note", "")
    if len(note) > MAX_NOTE:
        raise Problem(422, "text_too_long", max=MAX_NOTE)
    current = await _current(request, appointment_id)
    actor, now = session_of(request).email, request.app[CLOCK]()
    try:
        row = await in_thread(request.app, appointments.cancel, appointment_id, actor, now, note)
    except ConflictError:
        raise _not_confirmed(request, str(current["status"])) from None
    await notify(request.app[SETTINGS], row)
    raise web.HTTPSeeOther(safe_next(form.get("back") or "/appointments"))
