"""The dashboard application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from dashboard import (
    advisers_page,
    api,
    appointments_page,
    auth,
    browse,
    errors,
    i18n,
    kpis,
    live,
    review,
    schedule_page,
    security,
    users_page,
    views,
)
from dashboard.keys import (
    CLOCK,
    DB_URL,
    LIMITS,
    POLL_SECONDS,
    POOL,
    SECRET,
    SESSION_POLICY,
    SETTINGS,
    STOPPING,
    TRUSTED_PROXIES,
    Clock,
)
from dashboard.sessions import SessionPolicy
from dashboard.throttle import LoginLimits
from services.config import Settings
from services.db import open_pool

HERE = Path(__file__).resolve().parent


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def _context(request: web.Request) -> dict[str, Any]:
    lang = errors.language(request)
    session = request.get(auth.SESSION_KEY)
    tz = request.app[SETTINGS].timezone
    return {
        "lang": lang,
        "t": lambda key: i18n.translate(lang, key),
        "v": lambda kind, value: i18n.value_label(lang, kind, value),
        "num": lambda value, decimals=0: i18n.format_number(lang, value, decimals),
        "pct": lambda ratio, decimals=1: i18n.format_percent(lang, ratio, decimals),
        "when": lambda value, zone=None: i18n.format_datetime(lang, value, zone or tz),
        "session": session,
        "csrf": request.get(auth.CSRF_KEY, ""),
        "can": lambda role: session is not None and security.role_at_least(session.role, role),
        "path": request.path,
    }


def _add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", views.index)
    r.add_get("/login", auth.login_page)
    r.add_post("/login", auth.login_submit)
    r.add_post("/logout", auth.logout)
    r.add_get("/campaigns", views.campaigns_page)
    r.add_get("/campaigns/{id}", browse.campaign_page)
    r.add_post("/campaigns/{id}/{action:start|pause|resume|stop}", views.campaign_action)
    r.add_get("/review", review.review_page)
    r.add_get("/calls", browse.calls_page)
    r.add_get("/live", live.live_page)
    r.add_get("/live/events", live.live_events)
    r.add_get("/leads", views.leads_page)
    r.add_get("/leads/export.csv", views.leads_export)
    r.add_post("/leads/{id}/review", views.lead_review)
    r.add_post("/leads/{id}/assign", views.lead_assign)
    r.add_get("/leads/{id}", review.lead_page)
    r.add_post("/leads/{id}/decide", review.decide)
    r.add_post("/leads/{id}/note", review.note)
    r.add_post("/leads/{id}/callback", review.callback)
    r.add_post("/leads/{id}/dnc", review.opposition)
    r.add_get("/calls/{id}", views.call_page)
    r.add_get("/calls/{id}/recording", views.call_recording)
    r.add_post("/contacts/{id}/erase", views.contact_erase)
    r.add_get("/users", users_page.users_page)
    r.add_post("/users", users_page.create_user)
    r.add_post("/users/disable", users_page.disable_user)
    r.add_post("/users/sign-out", users_page.sign_out_user)
    r.add_post("/users/unlock", users_page.unlock_user)
    r.add_post("/campaigns/{id}/schedule", schedule_page.set_schedule)
    r.add_get("/appointments", appointments_page.appointments_page)
    r.add_post("/appointments/{id}/move", appointments_page.move)
    r.add_post("/appointments/{id}/cancel", appointments_page.cancel)
    r.add_get("/advisers", advisers_page.advisers_page)
    r.add_post("/advisers", advisers_page.add_adviser)
    r.add_post("/advisers/{id}/hours", advisers_page.set_hours)
    r.add_post("/advisers/{id}/busy", advisers_page.import_busy)
    r.add_get("/advisers/{id}/calendar.ics", advisers_page.export_ics)
    r.add_static("/static", HERE / "static")
    api.add_routes(app)


def create_app(
    settings: Settings,
    database: str | AsyncConnectionPool,
    *,
    clock: Clock = _utcnow,
    poll_seconds: float = 0.5,
    limits: LoginLimits | None = None,
) -> web.Application:
    """Build the dashboard: ``database`` is a URL (the app opens and closes its pool) or an open pool."""
    app = web.Application(middlewares=[errors.error_middleware, auth.auth_middleware])
    app[SETTINGS] = settings
    app[SECRET] = security.load_secret_key(settings.secret_key, settings.data_dir)
    app[CLOCK] = clock
    app[LIMITS] = limits or LoginLimits()
    app[SESSION_POLICY] = SessionPolicy(
        idle=timedelta(minutes=settings.dashboard_idle_minutes),
        lifetime=timedelta(hours=settings.dashboard_session_hours),
    )
    app[TRUSTED_PROXIES] = frozenset(
        p.strip() for p in settings.dashboard_trusted_proxies.split(",") if p.strip()
    )
    app[POLL_SECONDS] = poll_seconds
    app[STOPPING] = asyncio.Event()
    app[kpis.KPI_CACHE] = kpis.KpiCache()

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()

    app.on_shutdown.append(stop_streams)
    if isinstance(database, AsyncConnectionPool):
        app[POOL] = database
        app[DB_URL] = str(database.conninfo)
    else:
        url = app[DB_URL] = database

        async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
            app[POOL] = await open_pool(url, min_size=2, max_size=10)
            yield
            await app[POOL].close()

        app.cleanup_ctx.append(pool_ctx)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        context_processors=[_context],
    )
    app.on_response_prepare.append(auth.on_prepare)
    _add_routes(app)
    return app
