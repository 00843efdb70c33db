"""Authentication and authorisation: the role decorator, the auth/CSRF middleware, login and logout."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
from aiohttp import hdrs, web

from dashboard import i18n, passwords, security, sessions, throttle
from dashboard.errors import Problem, is_api
from dashboard.keys import CLOCK, LIMITS, POOL, SECRET, SESSION_POLICY, TRUSTED_PROXIES
from dashboard.security import Role, Session
from services.db import query

SESSION_COOKIE = "minibot_session"
CSRF_COOKIE = "minibot_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
DEFAULT_NEXT = "/campaigns"
MAX_EMAIL = 254
ROLE_ATTR = "__minibot_role__"
SESSION_KEY: web.RequestKey[Session | None] = web.RequestKey("session")
CSRF_KEY = web.RequestKey("csrf", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)
_TAB_NEWLINE = re.compile(r"[\t\n\r]")


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


def is_secure(request: web.Request) -> bool:
    """TLS directly or behind a proxy that says so."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def client_ip(request: web.Request) -> str:
    """The client's address: the peer, or behind a trusted proxy the last untrusted X-Forwarded-For hop."""
    trusted = request.app[TRUSTED_PROXIES]
    peer = request.remote or ""
    if peer not in trusted:
        return peer
    for raw in reversed(request.headers.get("X-Forwarded-For", "").split(",")):
        hop = raw.strip()
        if hop and hop not in trusted:
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


def safe_next(raw: str | None) -> str:
    """A same-origin path to go to after login, read the way a browser reads a Location header.

    Browsers drop tabs and newlines anywhere, trim leading/trailing spaces and control characters and
    treat ``\\`` as ``/``: ``/\\t/evil.test`` and ``/\\\\evil.test`` both mean ``//evil.test``.
    """
    if not raw:
        return DEFAULT_NEXT
    url = _TAB_NEWLINE.sub("", raw).strip("".join(chr(c) for c in range(33))).replace("\\", "/")
    if not url.startswith("/") or url.startswith("//") or any(ord(c) < 32 or ord(c) == 127 for c in url):
        return DEFAULT_NEXT
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.isascii():
        return DEFAULT_NEXT
    return url


async def _identify(request: web.Request) -> Session | None:
    """The caller from a bearer token or the session cookie (None when anonymous or no longer valid)."""
    app = request.app
    now = app[CLOCK]()
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        async with app[POOL].connection() as conn:
            cur = await conn.execute(
                query("users", "use_api_token"),
                {"token_hash": security.hash_api_token(auth[7:].strip()), "now": now},
            )
            row: dict[str, Any] | None = await cur.fetchone()
        if row is None:
            return None
        return Session(int(row["id"]), str(row["email"]), row["role"], row["scope"])
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await sessions.resume(app[POOL], app[SECRET], token, now, app[SESSION_POLICY])


async def still_authenticated(request: web.Request) -> bool:
    """Whether the caller of a long request (an event stream) is still allowed in: session or token alive."""
    session = request[SESSION_KEY]
    if session is None:
        return False
    if session.session_hash is None:
        return await _identify(request) is not None
    app = request.app
    return await sessions.still_valid(app[POOL], session.session_hash, app[CLOCK](), app[SESSION_POLICY])


def _login_redirect(request: web.Request) -> web.Response:
    return web.Response(status=302, headers={hdrs.LOCATION: "/login?" + urlencode({"next": request.path_qs})})


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
    """Resolve the caller, enforce the route's role, the token scope and CSRF on unsafe methods."""
    request[CSRF_KEY] = request.cookies.get(CSRF_COOKIE) or security.new_csrf_token()
    session = await _identify(request)
    request[SESSION_KEY] = session
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    from_cookie = session is not None and session.session_hash is not None
    needs_csrf = from_cookie or (session is None and not is_api(request))
    if unsafe and needs_csrf and not await _csrf_ok(request):
        raise Problem(403, "csrf_invalid")
    needed: Role | None = getattr(request.match_info.handler, ROLE_ATTR, None)
    if needed is not None:
        if session is None:
            if is_api(request):
                raise Problem(401, "error_unauthenticated")
            return _login_redirect(request)
        if not security.role_at_least(session.role, needed):
            raise Problem(403, "forbidden_role", role=needed)
        if unsafe and session.scope == "read":
            raise Problem(403, "forbidden_scope")
    return await handler(request)


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Security headers on every response; the CSRF and language cookies where due."""
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


def _late_cookie(
    response: web.StreamResponse, name: str, value: str, secure: bool, max_age: int | None
) -> None:
    """Add a cookie from the prepare hook (aiohttp has already serialised ``response.cookies`` by then)."""
    if name in response.cookies:
        return
    response.set_cookie(name, value, httponly=True, samesite="Lax", secure=secure, max_age=max_age, path="/")
    response.headers.add(hdrs.SET_COOKIE, response.cookies[name].output(header="").strip())


async def login_page(request: web.Request) -> web.StreamResponse:
    """GET /login."""
    return aiohttp_jinja2.render_template(
        "login.html", request, {"error": None, "next": safe_next(request.query.get("next"))}
    )


async def login_submit(request: web.Request) -> web.StreamResponse:
    """POST /login: throttled per address+account, per address and globally, then a new session."""
    app = request.app
    form = await request.post()
    email = str(form.get("email", "")).strip().lower()[:MAX_EMAIL]
    password = str(form.get("password", ""))
    next_url = safe_next(str(form.get("next", "")))
    now = app[CLOCK]()
    attempt = throttle.Attempt(email, client_ip(request))

    def fail(key: str, status: int) -> web.StreamResponse:
        return aiohttp_jinja2.render_template(
            "login.html", request, {"error": key, "next": next_url, "email": email}, status=status
        )

    if not await throttle.reserve(app[POOL], attempt, app[LIMITS], now):
        return fail("too_many", 429)
    async with app[POOL].connection() as conn:
        row = await (await conn.execute(query("users", "user_by_email"), {"email": email})).fetchone()
    if row is not None and row["disabled"]:
        row = None
    # bcrypt takes ~0.25 s on purpose: off the event loop, and spent even for unknown emails
    password_hash = str(row["password_hash"]) if row is not None else None
    valid = await asyncio.to_thread(passwords.check_password_or_dummy, password, password_hash)
    if row is None or not valid:
        await throttle.failed(app[POOL], attempt, app[LIMITS], now)
        return fail("bad_credentials", 401)
    await throttle.succeeded(app[POOL], attempt, app[LIMITS], now)
    previous = request[SESSION_KEY]
    if previous is not None and previous.session_hash is not None:  # a login replaces the session
        await sessions.revoke(app[POOL], previous.session_hash, now)
    policy = app[SESSION_POLICY]
    token = await sessions.create(
        app[POOL], app[SECRET], int(row["id"]), ip=attempt.ip, now=now, policy=policy
    )
    request[CSRF_KEY] = security.new_csrf_token()  # a new session gets a new CSRF token
    response = web.Response(status=302, headers={hdrs.LOCATION: next_url})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=is_secure(request),
        max_age=int(policy.lifetime.total_seconds()),
        path="/",
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout: end the session on the server and drop the cookie."""
    session = request[SESSION_KEY]
    if session is not None and session.session_hash is not None:
        await sessions.revoke(request.app[POOL], session.session_hash, request.app[CLOCK]())
    request[CSRF_KEY] = security.new_csrf_token()
    response = web.Response(status=302, headers={hdrs.LOCATION: "/login"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
