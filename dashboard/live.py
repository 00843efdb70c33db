"""Live view: calls in progress and their transcript, pushed with Server-Sent Events.

The event stream polls the database (every ``POLL_SECONDS``): ``calls`` events carry the full list
of calls in progress when it changes, ``turn`` events carry each new turn (its id is the SSE id,
so a reconnecting browser resumes with ``Last-Event-ID``).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from dashboard import errors, i18n, store
from dashboard.auth import requires, session_of, still_authenticated
from dashboard.jsonutil import dumps
from dashboard.keys import POLL_SECONDS, POOL, STOPPING
from dashboard.params import parse_id
from dashboard.security import redact


async def _snapshot(request: web.Request) -> list[dict[str, Any]]:
    rows = await store.fetch_all(request.app[POOL], "live_calls")
    return redact(rows, session_of(request).role)


@requires("viewer")
async def live_page(request: web.Request) -> web.StreamResponse:
    """GET /live: calls in progress with their transcript so far; live.js then follows /live/events."""
    calls = await _snapshot(request)
    turns = await store.fetch_all(request.app[POOL], "live_turns_after", {"after_id": 0})
    by_call: dict[int, list[dict[str, Any]]] = {}
    for turn in turns:
        by_call.setdefault(int(turn["call_id"]), []).append(turn)
    last_id = max((int(t["id"]) for t in turns), default=0)
    lang = errors.language(request)
    labels = {
        "call": i18n.translate(lang, "call"),
        "status": i18n.translate(lang, "status"),
        "step": i18n.translate(lang, "step"),
        **{
            kind: {k: i18n.value_label(lang, kind, k) for k in i18n.VALUES[kind]}
            for kind in ("call_status", "speaker")
        },
    }
    context = {"calls": calls, "turns": by_call, "last_turn_id": last_id, "labels": dumps(labels)}
    return aiohttp_jinja2.render_template("live.html", request, context)


def _after_id(request: web.Request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or ""
    return parse_id(raw) or 0


@requires("viewer")
async def live_events(request: web.Request) -> web.StreamResponse:
    """GET /live/events: the SSE stream, until the client goes away or its session ends.

    The session is checked again before every poll: logout, expiry, disabling or a role change
    close an open stream within one poll interval.
    """
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    after_id = _after_id(request)
    previous: str | None = None
    try:
        while not request.app[STOPPING].is_set() and await still_authenticated(request):
            calls = dumps(await _snapshot(request))
            if calls != previous:
                await response.write(f"event: calls\ndata: {calls}\n\n".encode())
                previous = calls
            for turn in await store.fetch_all(request.app[POOL], "live_turns_after", {"after_id": after_id}):
                after_id = int(turn["id"])
                await response.write(f"id: {after_id}\nevent: turn\ndata: {dumps(turn)}\n\n".encode())
            await response.write(b": keep-alive\n\n")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(request.app[STOPPING].wait(), request.app[POLL_SECONDS])
    except ConnectionResetError:  # the browser went away
        pass
    return response
