"""Admin page: list, create and disable users, end their sessions, lift login locks (as `minibot users`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from dashboard import accounts, errors, i18n, security, store
from dashboard.auth import requires, session_of
from dashboard.keys import CLOCK, POOL
from dashboard.passwords import PolicyError
from dashboard.threads import in_thread
from services.errors import ConfigError, ConflictError, NotFoundError


async def _render(request: web.Request, error: str | None = None, status: int = 200) -> web.StreamResponse:
    users = await in_thread(request.app, accounts.list_users, request.app[CLOCK]())
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
    except PolicyError as exc:
        return await _render(request, exc.in_language(errors.language(request)), 422)
    except ConflictError:
        return await _render(request, i18n.translate(errors.language(request), "user_exists"), 409)
    except ConfigError:
        return await _render(request, i18n.translate(errors.language(request), "role_invalid"), 422)
    await store.audit(request.app[POOL], session_of(request).email, "user.create", email, {"role": role})
    raise web.HTTPSeeOther("/users")


async def _user_action(
    request: web.Request, action: Callable[..., Any], audit_action: str
) -> web.StreamResponse:
    email = str((await request.post()).get("email", ""))
    try:
        await in_thread(request.app, action, email)
    except NotFoundError:
        raise errors.Problem(404, "user_not_found") from None
    await store.audit(request.app[POOL], session_of(request).email, audit_action, email, {})
    raise web.HTTPSeeOther("/users")


@requires("admin")
async def disable_user(request: web.Request) -> web.StreamResponse:
    """POST /users/disable: disable the user named in the form."""
    return await _user_action(request, accounts.disable_user, "user.disable")


@requires("admin")
async def sign_out_user(request: web.Request) -> web.StreamResponse:
    """POST /users/sign-out: end every session of the user ("sign out everywhere")."""
    return await _user_action(request, accounts.sign_out, "user.sign_out")


@requires("admin")
async def unlock_user(request: web.Request) -> web.StreamResponse:
    """POST /users/unlock: lift the login locks on the account."""
    return await _user_action(request, accounts.unlock, "user.unlock")
