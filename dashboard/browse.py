"""The calls list with its filters, and the campaign page (state, settings, progress, funnel, charts)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from campaigns import reports
from campaigns.store import allowed_actions
from dashboard import errors, i18n, schedule_page, store, svg
from dashboard.auth import requires, session_of
from dashboard.errors import Problem
from dashboard.keys import CLOCK, POOL, SETTINGS
from dashboard.params import FilterError, parse_choice, parse_date, parse_id, parse_int
from dashboard.security import redact
from dashboard.threads import in_thread

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


FUNNEL_STEPS = ("dialled", "answered", "humans", "qualified", "transferred")
DAYS = 14


def _funnel_chart(lang: str, funnel: reports.Funnel | None) -> Markup | None:
    """The funnel bars, each with its count and its share of the calls dialled."""
    if funnel is None or not funnel.dialled:
        return None
    steps = []
    for step in FUNNEL_STEPS:
        count = int(getattr(funnel, step))
        caption = f"{i18n.format_number(lang, count)} · {i18n.format_percent(lang, count / funnel.dialled)}"
        steps.append((i18n.translate(lang, f"funnel_{step}"), count, caption))
    return svg.funnel(steps)


async def _charts(request: web.Request, campaign_id: int, zone: str, lang: str) -> dict[str, Markup | None]:
    """Answered and qualified by hour of day and by day, talk time by day, AMD verdicts."""
    pool = request.app[POOL]
    legend = (i18n.translate(lang, "answered"), i18n.translate(lang, "qualified_leads"))
    hours = await store.fetch_all(pool, "qualified_by_hour", {"campaign_id": campaign_id, "zone": zone})
    today = request.app[CLOCK]().astimezone(ZoneInfo(zone)).date()
    days = await store.fetch_all(
        pool, "campaign_days", {"campaign_id": campaign_id, "zone": zone, "today": today, "days": DAYS}
    )
    verdicts = await store.fetch_all(pool, "campaign_amd", {"campaign_id": campaign_id})
    day_label = "%d/%m" if lang == "fr" else "%m-%d"
    talked = [(d["day"].strftime(day_label), int(d["avg_talk_s"] or 0)) for d in days]
    return {
        "by_hour": svg.grouped_bars(
            [(f"{h['hour']} h", int(h["answered"]), int(h["qualified"])) for h in hours], legend
        ) if hours else None,
        "by_day": svg.grouped_bars(
            [(d["day"].strftime(day_label), int(d["answered"]), int(d["qualified"])) for d in days], legend
        ) if any(d["answered"] for d in days) else None,
        "talk_by_day": svg.bar_chart(talked, 560, title=i18n.translate(lang, "talk_by_day"), labels=True)
        if any(v for _, v in talked) else None,
        "amd": svg.funnel([
            (i18n.value_label(lang, "amd", v["verdict"]), int(v["calls"]),
             i18n.format_number(lang, int(v["calls"])))
            for v in verdicts
        ]) if verdicts else None,
    }  # fmt: skip


@requires("viewer")
async def campaign_page(request: web.Request) -> web.StreamResponse:
    """GET /campaigns/{id}: state and allowed moves, settings, progress, funnel and cost, charts."""
    campaign_id = parse_id(request.match_info["id"])
    pool = request.app[POOL]
    campaign = None
    if campaign_id is not None:
        campaign = await store.fetch_one(pool, "campaign_detail", {"campaign_id": campaign_id})
    if campaign is None or campaign_id is None:
        raise Problem(404, "campaign_not_found")
    lang = errors.language(request)
    settings = request.app[SETTINGS]
    zone = str((campaign["run_schedule"] or {}).get("timezone") or settings.timezone)
    rates = reports.Rates(settings.cost_per_call, settings.cost_per_minute)
    everything = await in_thread(request.app, reports.funnels, *reports.ALL_TIME, rates)
    funnel = next((f for f in everything if f.campaign == campaign["name"]), None)
    context = {
        "c": {**campaign, "actions": allowed_actions(str(campaign["status"]))},
        "zone": zone,
        "funnel": funnel,
        "funnel_chart": _funnel_chart(lang, funnel),
        "priced": bool(rates.per_call or rates.per_minute),
        "outcomes": await store.fetch_all(pool, "campaign_outcomes", {"campaign_id": campaign_id}),
        "progress": await store.fetch_one(pool, "campaign_progress", {"campaign_id": campaign_id}) or {},
        **await _charts(request, campaign_id, zone, lang),
        "schedule": await schedule_page.schedule_view(request, campaign),
    }
    return aiohttp_jinja2.render_template("campaign.html", request, context)
