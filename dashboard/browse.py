"""The calls list with its filters, and the campaign page (state, settings, progress, funnel, charts)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from campaigns.store import allowed_actions
from dashboard import errors, i18n, store, svg
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.keys import POOL, SETTINGS
from dashboard.params import FilterError, parse_choice, parse_date, parse_id, parse_int
from dashboard.security import redact

OUTCOMES = tuple(i18n.VALUES["outcome"])
AMD_VERDICTS = tuple(i18n.VALUES["amd"])
PAGE = 50


def _calls_filter(request: web.Request) -> dict[str, Any]:
    """The calls-list filters as query parameters (400 with the reason when one is wrong)."""
    q = request.query
    zone = ZoneInfo(request.app[SETTINGS].timezone)
    try:
        since = parse_date(q.get("since"), "since")
        until = parse_date(q.get("until"), "until")
        return {
            "campaign_id": parse_int(q.get("campaign_id"), "campaign_id"),
            "outcome": parse_choice(q.get("outcome"), "outcome", OUTCOMES),
            "amd": parse_choice(q.get("amd"), "amd", AMD_VERDICTS),
            "since": datetime.combine(since, time(), zone) if since else None,
            "until": datetime.combine(until + timedelta(days=1), time(), zone) if until else None,
            "min_duration_s": parse_int(q.get("min_duration_s"), "min_duration_s", 0, 86_400),
            "with_recording": q.get("with_recording") == "1",
            "before_id": parse_int(q.get("before_id"), "before_id"),
        }
    except FilterError as exc:
        raise Problem(400, exc.key, **exc.params) from exc


@requires("viewer")
async def calls_page(request: web.Request) -> web.StreamResponse:
    """GET /calls: newest first, filtered by campaign, outcome, AMD verdict, dates, duration, recording."""
    params = _calls_filter(request)
    rows = await store.fetch_all(request.app[POOL], "calls_page", {**params, "limit": PAGE + 1})
    more = len(rows) > PAGE
    rows = redact(rows[:PAGE], session_of(request).role)
    kept = {k: v for k, v in request.query.items() if k != "before_id" and v}
    next_params = {**kept, "before_id": str(rows[-1]["id"])} if more and rows else None
    context = {
        "calls": rows,
        "campaigns": await store.fetch_all(request.app[POOL], "list_campaigns"),
        "outcomes": OUTCOMES,
        "verdicts": AMD_VERDICTS,
        "query": request.query,
        "next_params": next_params,
    }
    return aiohttp_jinja2.render_template("calls.html", request, context)


@requires("viewer")
async def campaign_page(request: web.Request) -> web.StreamResponse:
    """GET /campaigns/{id}: state and allowed moves, settings, progress, funnel, leads by hour of day."""
    campaign_id = parse_id(request.match_info["id"])
    pool = request.app[POOL]
    campaign = None
    if campaign_id is not None:
        campaign = await store.fetch_one(pool, "campaign_detail", {"campaign_id": campaign_id})
    if campaign is None:
        raise Problem(404, "campaign_not_found")
    lang = errors.language(request)
    zone = str((campaign["run_schedule"] or {}).get("timezone") or request.app[SETTINGS].timezone)
    funnel_row = await store.fetch_one(pool, "campaign_funnel", {"campaign_id": campaign_id}) or {}
    steps = ("dialled", "answered", "human", "qualified", "transferred")
    first = int(funnel_row.get("dialled") or 0)
    funnel = svg.funnel(
        [
            (
                i18n.translate(lang, f"funnel_{step}"),
                int(funnel_row.get(step) or 0),
                f"{i18n.format_number(lang, int(funnel_row.get(step) or 0))}"
                + (
                    f" · {i18n.format_percent(lang, int(funnel_row.get(step) or 0) / first)}" if first else ""
                ),
            )
            for step in steps
        ]
    )
    hours = await store.fetch_all(pool, "qualified_by_hour", {"campaign_id": campaign_id, "zone": zone})
    by_hour = svg.grouped_bars(
        [(f"{h['hour']} h", int(h["answered"]), int(h["qualified"])) for h in hours],
        (i18n.translate(lang, "answered"), i18n.translate(lang, "qualified_leads")),
    ) if hours else None  # fmt: skip
    context = {
        "c": {**campaign, "actions": allowed_actions(str(campaign["status"]))},
        "zone": zone,
        "funnel": funnel,
        "funnel_row": funnel_row,
        "by_hour": by_hour,
        "outcomes": await store.fetch_all(pool, "campaign_outcomes", {"campaign_id": campaign_id}),
        "progress": await store.fetch_one(pool, "campaign_progress", {"campaign_id": campaign_id}) or {},
    }
    return aiohttp_jinja2.render_template("campaign.html", request, context)
