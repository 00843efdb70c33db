"""Admin page: list, create and disable dashboard users (same rules as `minibot users`)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from dashboard import accounts, security, store
from dashboard.auth import requires, session_of
from dashboard.keys import POOL
from dashboard.threads import in_thread
from services.errors import MiniBotError


async def _render(request: web.Request, error: str | None = None, status: int = 200) -> web.StreamResponse:
    users = await in_thread(request.app, accounts.list_users)
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
        await in_thread(request.app, accounts.create_user, email, role, password)
    except MiniBotError as exc:
        return await _render(request, str(exc), 400)
    await store.audit(request.app[POOL], session_of(request).email, "user.create", email, {"role": role})
    raise web.HTTPSeeOther("/users")


@requires("admin")
async def disable_user(request: web.Request) -> web.StreamResponse:
    """POST /users/disable: disable the user named in the form."""
    email = str((await request.post()).get("email", ""))
    try:
        await in_thread(request.app, accounts.disable_user, email)
    except MiniBotError as exc:
        return await _render(request, str(exc), 404)
    await store.audit(request.app[POOL], session_of(request).email, "user.disable", email, {})
    raise web.HTTPSeeOther("/users")
