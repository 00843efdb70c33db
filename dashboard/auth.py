"""Authentication and authorisation: the role decorator, the auth/CSRF middleware, login and logout."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import hdrs, web

from dashboard import i18n, security
from dashboard.keys import CLOCK, LIMITER, POOL, SECRET
from dashboard.security import Role, Session
from services.db import query

SESSION_COOKIE = "minibot_session"
CSRF_COOKIE = "minibot_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MAX_FAILURES = 5
LOCK_MINUTES = 15
ROLE_ATTR = "__minibot_role__"
SESSION_KEY: web.RequestKey[Session | None] = web.RequestKey("session")
CSRF_KEY = web.RequestKey("csrf", str)
REFRESH_KEY = web.RequestKey("refresh_session", Session)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)


def requires(role: Role) -> Callable[[H], H]:
    """Mark a route handler as needing at least ``role`` (checked by :func:`auth_middleware`)."""

    def mark(handler: H) -> H:
        setattr(handler, ROLE_ATTR, role)
        return handler

    return mark


def session_of(request: web.Request) -> Session:
    """The authenticated session of a request that passed a :func:`requires` check."""
    session = request[SESSION_KEY]
    assert session is not None, "session_of() used on a route without @requires"
    return session


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def is_secure(request: web.Request) -> bool:
    """TLS directly or behind a proxy that says so."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


async def _user_row(request: web.Request, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
    async with request.app[POOL].connection() as conn:
        cur = await conn.execute(query("users", name), params)
        row: dict[str, Any] | None = await cur.fetchone()
        return row


async def _identify(request: web.Request) -> tuple[Session | None, bool]:
    """The session from a bearer token or the cookie, and whether it came from the cookie."""
    now = request.app[CLOCK]().timestamp()
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        row = await _user_row(
            request, "user_by_token_hash", {"token_hash": security.hash_api_token(auth[7:].strip())}
        )
        if row is None or row["disabled"]:
            return None, False
        return Session(int(row["id"]), str(row["email"]), row["role"], now, now + 60), False
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None, False
    session = security.decode_session(request.app[SECRET], token, now)
    if session is None:
        return None, False
    row = await _user_row(request, "user_by_id", {"id": session.user_id})
    if row is None or row["disabled"]:
        return None, False
    return Session(
        session.user_id, str(row["email"]), row["role"], session.issued_at, session.expires_at
    ), True


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={hdrs.LOCATION: location})


def _deny(request: web.Request, status: int, message: str) -> web.Response:
    if _is_api(request):
        return web.json_response({"error": message}, status=status)
    if status == 401:
        return _redirect(f"/login?next={request.path_qs}")
    return web.Response(status=status, text=message)


async def _csrf_ok(request: web.Request) -> bool:
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    return security.csrf_matches(request.cookies.get(CSRF_COOKIE), submitted)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the caller, enforce the route's role and CSRF on unsafe methods, refresh sessions."""
    request[CSRF_KEY] = request.cookies.get(CSRF_COOKIE) or security.new_csrf_token()
    session, from_cookie = await _identify(request)
    request[SESSION_KEY] = session
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    needs_csrf = from_cookie or (session is None and not _is_api(request))
    if unsafe and needs_csrf and not await _csrf_ok(request):
        return _deny(request, 403, "CSRF token missing or invalid")
    needed: Role | None = getattr(request.match_info.handler, ROLE_ATTR, None)
    if needed is not None:
        if session is None:
            return _deny(request, 401, "authentication required")
        if not security.role_at_least(session.role, needed):
            return _deny(request, 403, f"this needs the {needed} role")
    if from_cookie and session is not None:
        remaining = session.expires_at - request.app[CLOCK]().timestamp()
        if remaining < security.SESSION_SECONDS / 2:
            request[REFRESH_KEY] = session
    return await handler(request)


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Security headers on every response; CSRF cookie and sliding session refresh where due."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.get(CSRF_KEY) and request.cookies.get(CSRF_COOKIE) != request[CSRF_KEY]:
        _late_cookie(response, CSRF_COOKIE, request[CSRF_KEY], is_secure(request), None)
    lang = request.query.get("lang")
    if lang in i18n.LANGUAGES and request.cookies.get(i18n.LANG_COOKIE) != lang:
        _late_cookie(response, i18n.LANG_COOKIE, str(lang), is_secure(request), 365 * 86400)
    refresh = request.get(REFRESH_KEY)
    if refresh is not None and SESSION_COOKIE not in response.cookies:
        token = security.encode_session(
            request.app[SECRET],
            refresh.user_id,
            refresh.email,
            refresh.role,
            request.app[CLOCK]().timestamp(),
        )
        _late_cookie(response, SESSION_COOKIE, token, is_secure(request), security.SESSION_SECONDS)


def _late_cookie(
    response: web.StreamResponse, name: str, value: str, secure: bool, max_age: int | None
) -> None:
    """Add a cookie from the prepare hook (aiohttp has already serialised ``response.cookies`` by then)."""
    response.set_cookie(name, value, httponly=True, samesite="Lax", secure=secure, max_age=max_age, path="/")
    response.headers.add(hdrs.SET_COOKIE, response.cookies[name].output(header="").strip())


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, user_id: int, email: str, role: Role
) -> None:
    """Issue a fresh session cookie (HttpOnly, SameSite=Lax, Secure over TLS)."""
    token = security.encode_session(
        request.app[SECRET], user_id, email, role, request.app[CLOCK]().timestamp()
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=is_secure(request),
        max_age=security.SESSION_SECONDS,
        path="/",
    )


def _safe_next(raw: str | None) -> str:
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/campaigns"


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login."""
    return aiohttp_jinja2.render_template(
        "login.html", request, {"error": None, "next": request.query.get("next")}
    )


async def login_submit(request: web.Request) -> web.StreamResponse:
    """POST /login: rate limit per IP+email, lockout after repeated failures, then the session cookie."""
    form = await request.post()
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "")))
    now = request.app[CLOCK]()

    def fail(key: str, status: int) -> web.StreamResponse:
        return aiohttp_jinja2.render_template(
            "login.html", request, {"error": key, "next": next_url, "email": email}, status=status
        )

    if not request.app[LIMITER].allow(f"{request.remote}|{email}", now):
        return fail("too_many", 429)
    row = await _user_row(request, "user_by_email", {"email": email})
    if row is not None and row["disabled"]:
        row = None
    if row is not None and row["locked_until"] is not None and row["locked_until"] > now:
        return fail("locked", 423)
    # bcrypt takes ~0.25 s on purpose: off the event loop, and spent even for unknown emails
    password_hash = str(row["password_hash"]) if row is not None else None
    valid = await asyncio.to_thread(security.check_password_or_dummy, password, password_hash)
    if row is None:
        return fail("bad_credentials", 401)
    if not valid:
        async with request.app[POOL].connection() as conn:
            cur = await conn.execute(
                query("users", "record_login_failure"),
                {"id": row["id"], "max_failures": MAX_FAILURES, "lock_minutes": LOCK_MINUTES, "now": now},
            )
            after = await cur.fetchone()
        locked = after is not None and after["locked_until"] is not None and after["locked_until"] > now
        return fail("locked" if locked else "bad_credentials", 423 if locked else 401)
    async with request.app[POOL].connection() as conn:
        await conn.execute(query("users", "record_login_success"), {"id": row["id"]})
    request.app[LIMITER].reset(f"{request.remote}|{email}")
    response = _redirect(next_url)
    set_session_cookie(request, response, int(row["id"]), email, row["role"])
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout: drop the session cookie."""
    response = _redirect("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
