"""Dashboard authentication: login, lockout, rate limit, CSRF, JWT expiry and refresh, roles, headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from dashboard import security
from dashboard.app import create_app
from dashboard.auth import SESSION_COOKIE
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]


class Clock:
    """A settable clock injected into the app."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def seeded(conn: psycopg.Connection[dict[str, object]], tmp_path: Path) -> Seed:
    return seed(conn, tmp_path / "rec")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(db_url: str, tmp_path: Path, seeded: Seed, clock: Clock) -> AsyncIterator[Client]:
    app = create_app(dashboard_settings(tmp_path), db_url, clock=clock)
    async with TestClient(TestServer(app)) as c:
        yield c


async def csrf_of(client: Client, path: str = "/login") -> str:
    """Load a page and return the CSRF token of its forms."""
    page = await (await client.get(path)).text()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def login(client: Client, email: str, password: str = PASSWORD) -> int:
    token = await csrf_of(client)
    resp = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, allow_redirects=False
    )
    return resp.status


async def test_anonymous_pages_redirect_to_login_and_api_answers_401(client: Client, seeded: Seed) -> None:
    for path in ("/campaigns", "/live", "/leads", f"/calls/{seeded.ended_call_id}", "/leads/export.csv"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 302, path
        assert resp.headers["Location"].startswith("/login?next=")
    for path in ("/api/v1/campaigns", "/api/v1/leads", "/api/v1/calls", "/api/v1/stats"):
        resp = await client.get(path)
        assert resp.status == 401, path
        assert "error" in await resp.json()
    resp = await client.post(f"/api/v1/campaigns/{seeded.campaign_id}/start")
    assert resp.status == 401


async def test_login_sets_hardened_cookie_and_security_headers(client: Client) -> None:
    token = await csrf_of(client)
    resp = await client.post(
        "/login",
        data={"email": "viewer@example.com", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 302
    cookie = resp.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    page = await client.get("/campaigns")
    assert page.status == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"]
    assert "Alpha" in await page.text()


async def test_cookie_is_secure_behind_tls_proxy(client: Client) -> None:
    token = await csrf_of(client)
    resp = await client.post(
        "/login",
        data={"email": "viewer@example.com", "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert resp.cookies[SESSION_COOKIE]["secure"]


async def test_login_without_csrf_is_refused(client: Client) -> None:
    resp = await client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert resp.status == 403


async def test_form_post_without_csrf_is_refused_even_when_logged_in(client: Client, seeded: Seed) -> None:
    assert await login(client, "supervisor@example.com") == 302
    resp = await client.post(f"/campaigns/{seeded.campaign_id}/pause", allow_redirects=False)
    assert resp.status == 403
    resp = await client.post(
        f"/campaigns/{seeded.campaign_id}/pause", data={"csrf_token": "forged"}, allow_redirects=False
    )
    assert resp.status == 403


async def test_lockout_after_five_failures(
    client: Client, conn: psycopg.Connection[dict[str, object]], clock: Clock
) -> None:
    for _ in range(4):
        assert await login(client, "admin@example.com", "wrong-password") == 401
    assert await login(client, "admin@example.com", "wrong-password") == 423
    row = conn.execute("SELECT locked_until FROM users WHERE email = 'admin@example.com'").fetchone()
    assert row and row["locked_until"] == clock.now + timedelta(minutes=15)
    assert await login(client, "admin@example.com") == 423  # right password, still locked
    clock.now += timedelta(minutes=16)
    assert await login(client, "admin@example.com") == 302


async def test_rate_limit_per_ip_and_email(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode()
    monkeypatch.setattr(security, "_dummy_hash", lambda: cheap)  # unknown emails still cost one bcrypt check
    statuses = [await login(client, "nobody@example.com", "x") for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert await login(client, "viewer@example.com") == 302  # other email, same IP: still allowed


async def test_session_expires_after_eight_hours_and_slides(client: Client, clock: Clock) -> None:
    assert await login(client, "viewer@example.com") == 302
    clock.now += timedelta(hours=5)  # past half-life: the response carries a refreshed cookie
    resp = await client.get("/leads", allow_redirects=False)
    assert resp.status == 200
    assert SESSION_COOKIE in resp.cookies
    clock.now += timedelta(hours=7)  # 12 h after login, 7 h after refresh: still valid
    assert (await client.get("/leads", allow_redirects=False)).status == 200
    clock.now += timedelta(hours=9)  # no request for 9 h: expired
    resp = await client.get("/leads", allow_redirects=False)
    assert resp.status == 302


async def test_forged_or_expired_jwt_is_rejected(client: Client, clock: Clock) -> None:
    forged = security.encode_session(
        "another-secret-0123456789abcdefghijkl", 1, "admin@example.com", "admin", clock.now.timestamp()
    )
    expired = security.encode_session(
        "test-secret-key-0123456789abcdefghij",
        1,
        "admin@example.com",
        "admin",
        (clock.now - timedelta(hours=9)).timestamp(),
    )
    for token in (forged, expired):
        resp = await client.get("/api/v1/campaigns", cookies={SESSION_COOKIE: token})
        assert resp.status == 401


async def test_logout_drops_the_session(client: Client) -> None:
    assert await login(client, "viewer@example.com") == 302
    token = await csrf_of(client, "/leads")
    resp = await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 302
    assert (await client.get("/leads", allow_redirects=False)).status == 302


async def test_disabled_user_loses_access(
    client: Client, conn: psycopg.Connection[dict[str, object]]
) -> None:
    assert await login(client, "viewer@example.com") == 302
    conn.execute("UPDATE users SET disabled = true WHERE email = 'viewer@example.com'")
    assert (await client.get("/leads", allow_redirects=False)).status == 302


async def test_open_redirect_after_login_is_blocked(client: Client) -> None:
    token = await csrf_of(client)
    resp = await client.post(
        "/login",
        data={
            "email": "viewer@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example",
        },
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/campaigns"


def test_secret_key_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    first = security.load_secret_key("", tmp_path)
    assert security.load_secret_key("", tmp_path) == first
    assert (tmp_path / security.SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert security.load_secret_key("configured", tmp_path) == "configured"
