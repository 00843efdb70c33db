"""Dashboard authentication basics: redirects, cookie flags, CSRF, headers, the secret key.

Sessions, throttling, tokens and redirects in depth: ``test_dashboard_security.py``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

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
        assert resp.content_type == "application/problem+json"
        assert (await resp.json())["status"] == 401
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


def test_secret_key_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    first = security.load_secret_key("", tmp_path)
    assert security.load_secret_key("", tmp_path) == first
    assert (tmp_path / security.SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert security.load_secret_key("configured", tmp_path) == "configured"
