"""Admin page: list, create and disable dashboard users (same rules as `minibot users`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web

from dashboard import accounts, security, store
from dashboard.auth import requires, session_of
from dashboard.keys import DB_URL, POOL
from services import db
from services.errors import MiniBotError

T = TypeVar("T")


def _in_connection(url: str, action: Callable[..., T], *args: Any) -> T:
    with db.connect(url, autocommit=True) as conn:
        return action(conn, *args)


async def _run(request: web.Request, action: Callable[..., T], *args: Any) -> T:
    """Run a synchronous account action (bcrypt is slow on purpose) in a worker thread."""
    return await asyncio.to_thread(_in_connection, request.app[DB_URL], action, *args)


async def _render(request: web.Request, error: str | None = None, status: int = 200) -> web.StreamResponse:
    users = await _run(request, accounts.list_users)
    context = {"users": users, "roles": security.ROLES, "error": error}
    return aiohttp_jinja2.render_template("users.html", request, context, status=status)


@requires("admin")
async def users_page(request: web.Request) -> web.StreamResponse:
    """GET /users."""
    return await _render(request)


@requires("admin")
async def create_user(request: web.Request) -> web.StreamResponse:
    """POST /users: create a user from the form (email, role, password)."""
    form = await request.post()
    email, role, password = (str(form.get(k, "")).strip() for k in ("email", "role", "password"))
    try:
        await _run(request, accounts.create_user, email, role, password)
    except MiniBotError as exc:
        return await _render(request, str(exc), 400)
    await store.audit(request.app[POOL], session_of(request).email, "user.create", email, {"role": role})
    raise web.HTTPSeeOther("/users")


@requires("admin")
async def disable_user(request: web.Request) -> web.StreamResponse:
    """POST /users/disable: disable the user named in the form."""
    email = str((await request.post()).get("email", ""))
    try:
        await _run(request, accounts.disable_user, email)
    except MiniBotError as exc:
        return await _render(request, str(exc), 404)
    await store.audit(request.app[POOL], session_of(request).email, "user.disable", email, {})
    raise web.HTTPSeeOther("/users")
