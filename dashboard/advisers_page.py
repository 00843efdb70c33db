"""The advisers the bot books appointments with: list, add, weekly hours, calendar import and export.

Every write goes through :mod:`campaigns.advisers` (the rules of ``minibot advisers``) and is audited.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from campaigns import advisers
from campaigns.advisers import AdviserInput
from campaigns.schedule import parse_window
from dashboard import errors, store
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.keys import CLOCK, POOL
from dashboard.params import FilterError, parse_id, parse_int
from dashboard.schedule_page import window_label
from dashboard.threads import in_thread
from services.errors import ConfigError, ConflictError, ImportError_, NotFoundError

MAX_FIELD = 200


@requires("viewer")
async def advisers_page(request: web.Request) -> web.StreamResponse:
    """GET /advisers: each adviser's hours, skills, time zone and upcoming appointments."""
    rows = await in_thread(request.app, advisers.list_all)
    imported = None
    try:
        count = parse_int(request.query.get("imported"), "imported", 0)
        adviser_id = parse_int(request.query.get("adviser_id"), "adviser_id")
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from None
    named = [r["name"] for r in rows if r["id"] == adviser_id]
    if count is not None and named:
        imported = {"count": count, "name": named[0]}
    lang = errors.language(request)
    shown = [r | {"hours_shown": [window_label(lang, parse_window(h)) for h in r["hours"]]} for r in rows]
    context = {"advisers": shown, "imported": imported}
    return aiohttp_jinja2.render_template("advisers.html", request, context)


def _list(raw: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(separator) if part.strip())


def _number(form: dict[str, str], field: str, low: int, high: int, default: int) -> int:
    try:
        value = parse_int(form.get(field), field, low, high)
    except FilterError as exc:
        raise Problem(422, exc.key, **exc.params) from None
    return default if value is None else value


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: str(v).strip()[: MAX_FIELD * 10] for k, v in form.items() if isinstance(v, str)}


async def _audit(request: web.Request, action: str, name: str, details: dict[str, Any]) -> None:
    await store.audit(request.app[POOL], session_of(request).email, action, f"adviser:{name}", details)


@requires("admin")
async def add_adviser(request: web.Request) -> web.StreamResponse:
    """POST /advisers: a new adviser with their weekly hours (one window a line)."""
    form = await _form(request)
    adviser = AdviserInput(
        name=form.get("name", "")[:MAX_FIELD],
        title=form.get("title", "")[:MAX_FIELD] or "conseiller",
        email=form.get("email", "")[:MAX_FIELD],
        phone=form.get("phone", "")[:MAX_FIELD],
        timezone=form.get("timezone", "")[:MAX_FIELD] or "Europe/Paris",
        skills=_list(form.get("skills", ""), ","),
        hours=_list(form.get("hours", ""), "\n"),
        appointment_minutes=_number(form, "length", 5, 480, 45),
        buffer_minutes=_number(form, "buffer", 0, 240, 15),
    )
    try:
        row = await in_thread(request.app, advisers.add, adviser)
    except ConfigError as exc:
        raise Problem(422, "adviser_invalid", reason=str(exc)) from None
    except ConflictError:
        raise Problem(409, "adviser_exists", name=adviser.name) from None
    await _audit(request, "adviser.add", str(row["name"]), {"hours": list(adviser.hours)})
    raise web.HTTPSeeOther("/advisers")


async def _adviser(request: web.Request) -> dict[str, Any]:
    adviser_id = parse_id(request.match_info["id"])
    if adviser_id is None:
        raise Problem(404, "adviser_not_found")
    try:
        return await in_thread(request.app, advisers.get, str(adviser_id))
    except NotFoundError:
        raise Problem(404, "adviser_not_found") from None


@requires("admin")
async def set_hours(request: web.Request) -> web.StreamResponse:
    """POST /advisers/{id}/hours: replace the adviser's weekly hours."""
    adviser = await _adviser(request)
    windows = list(_list((await _form(request)).get("hours", ""), "\n"))
    try:
        stored = await in_thread(request.app, advisers.set_hours, str(adviser["id"]), windows)
    except ConfigError as exc:
        raise Problem(422, "adviser_invalid", reason=str(exc)) from None
    await _audit(request, "adviser.hours", str(adviser["name"]), {"hours": stored})
    raise web.HTTPSeeOther("/advisers")


@requires("supervisor")
async def import_busy(request: web.Request) -> web.StreamResponse:
    """POST /advisers/{id}/busy: an uploaded ``.ics`` replaces the adviser's calendar busy times."""
    adviser = await _adviser(request)
    upload = (await request.post()).get("ics")
    if not isinstance(upload, web.FileField):
        raise Problem(422, "ics_missing")
    data = upload.file.read()
    try:
        count = await in_thread(request.app, advisers.import_busy, str(adviser["id"]), data)
    except ImportError_ as exc:
        raise Problem(422, "ics_invalid", reason=str(exc)) from None
    await _audit(request, "adviser.busy_import", str(adviser["name"]), {"periods": count})
    raise web.HTTPSeeOther(f"/advisers?imported={count}&adviser_id={adviser['id']}")


@requires("supervisor")
async def export_ics(request: web.Request) -> web.StreamResponse:
    """GET /advisers/{id}/calendar.ics: the adviser's appointments and busy times as iCalendar."""
    adviser = await _adviser(request)
    data = await in_thread(request.app, advisers.export_ics, str(adviser["id"]), request.app[CLOCK]())
    return web.Response(
        body=data,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="conseiller-{adviser["id"]}.ics"'},
    )
