"""Typed keys of the aiohttp application state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from psycopg_pool import AsyncConnectionPool

from dashboard.sessions import SessionPolicy
from dashboard.throttle import LoginLimits
from services.config import Settings

Clock = Callable[[], datetime]

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", AsyncConnectionPool)
SECRET = web.AppKey("secret", str)
DB_URL = web.AppKey("db_url", str)  # for synchronous work in threads (user management)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
LIMITS = web.AppKey("login_limits", LoginLimits)
SESSION_POLICY = web.AppKey("session_policy", SessionPolicy)
# addresses of reverse proxies whose X-Forwarded-For is believed
TRUSTED_PROXIES: web.AppKey[frozenset[str]] = web.AppKey("trusted_proxies")
POLL_SECONDS = web.AppKey("poll_seconds", float)
STOPPING = web.AppKey("stopping", asyncio.Event)  # set on shutdown: event streams end
