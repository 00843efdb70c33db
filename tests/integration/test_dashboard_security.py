"""Dashboard security (issue #17): revocable sessions, login throttling, redirects, API tokens.

Every test here reproduces one of the reported attacks against the real app and database.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import psycopg
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from dashboard import accounts, passwords
from dashboard.app import create_app
from dashboard.auth import CSRF_COOKIE, SESSION_COOKIE
from dashboard.throttle import LoginLimits
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]
Conn = psycopg.Connection[dict[str, object]]
ATTACKER, VICTIM_IP = "203.0.113.9", "198.51.100.7"


class Clock:
    """A settable clock injected into the app."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def seeded(conn: Conn, tmp_path: Path) -> Seed:
    return seed(conn, tmp_path / "rec")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown emails still cost one bcrypt check, at the seed's cheap cost."""
    cheap = passwords.PREHASH_PREFIX + bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode()
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: cheap)


@pytest.fixture
async def make_client(db_url: str, tmp_path: Path, seeded: Seed, clock: Clock) -> AsyncIterator[MakeClient]:
    """Start an app (settings overrides and login limits as keyword arguments) behind a trusted proxy."""
    clients: list[Client] = []

    async def make(limits: LoginLimits | None = None, **overrides: object) -> Client:
        settings = dataclasses.replace(
            dashboard_settings(tmp_path), dashboard_trusted_proxies="127.0.0.1", **overrides
        )
        app = create_app(settings, db_url, clock=clock, poll_seconds=0.02, limits=limits)
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for c in clients:
        await c.close()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client()


async def csrf_of(client: Client, path: str = "/login") -> str:
    page = await (await client.get(path)).text()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def login(
    client: Client, email: str, password: str = PASSWORD, ip: str = VICTIM_IP, **extra: str
) -> int:
    token = await csrf_of(client)
    resp = await client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, **extra},
        headers={"X-Forwarded-For": ip},
        allow_redirects=False,
    )
    return resp.status


def session_cookie(client: Client) -> str:
    cookies = {c.key: c.value for c in client.session.cookie_jar}
    return cookies[SESSION_COOKIE]


async def status_with(client: Client, path: str, cookie: str) -> int:
    """Status of ``path`` requested with exactly this session cookie (a replayed, stolen cookie)."""
    client.session.cookie_jar.clear()
    resp = await client.get(path, cookies={SESSION_COOKIE: cookie}, allow_redirects=False)
    return resp.status


# ---------------------------------------------------------------- sessions


async def test_logout_ends_the_session_on_the_server(client: Client) -> None:
    assert await login(client, "viewer@example.com") == 302
    cookie = session_cookie(client)
    token = await csrf_of(client, "/leads")
    assert (await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)).status == 302
    assert await status_with(client, "/leads", cookie) == 302
    assert await status_with(client, "/api/v1/stats", cookie) == 401


async def test_logging_in_again_ends_the_previous_session(client: Client) -> None:
    assert await login(client, "viewer@example.com") == 302
    first = session_cookie(client)
    assert await login(client, "supervisor@example.com") == 302
    assert session_cookie(client) != first
    assert await status_with(client, "/leads", first) == 302


@pytest.mark.parametrize(
    "change",
    [
        lambda c: accounts.set_password(c, "viewer@example.com", "une toute nouvelle phrase"),
        lambda c: accounts.set_role(c, "viewer@example.com", "supervisor"),
        lambda c: accounts.disable_user(c, "viewer@example.com"),
        lambda c: accounts.sign_out(c, "viewer@example.com"),
        lambda c: c.execute("UPDATE users SET role = 'admin' WHERE email = 'viewer@example.com'"),
    ],
    ids=["password", "role", "disable", "sign-out", "role-by-sql"],
)
async def test_account_changes_end_existing_sessions(
    client: Client, conn: Conn, change: Callable[[Conn], object]
) -> None:
    assert await login(client, "viewer@example.com") == 302
    cookie = session_cookie(client)
    assert await status_with(client, "/leads", cookie) == 200
    change(conn)
    assert await status_with(client, "/leads", cookie) == 302
    assert await status_with(client, "/api/v1/stats", cookie) == 401


async def test_admin_signs_a_user_out_everywhere_from_the_users_page(
    make_client: MakeClient, conn: Conn
) -> None:
    viewer: Client = await make_client()
    admin: Client = await make_client()
    assert await login(viewer, "viewer@example.com") == 302
    assert await login(admin, "admin@example.com") == 302
    page = await (await admin.get("/users")).text()
    assert "Déconnecter partout" in page
    token = await csrf_of(admin, "/users")
    resp = await admin.post(
        "/users/sign-out", data={"csrf_token": token, "email": "viewer@example.com"}, allow_redirects=False
    )
    assert resp.status == 303
    assert (await viewer.get("/leads", allow_redirects=False)).status == 302
    audit = conn.execute("SELECT action, target FROM audit_log").fetchall()
    assert {"action": "user.sign_out", "target": "viewer@example.com"} in audit


async def test_idle_timeout_and_absolute_lifetime(client: Client, clock: Clock) -> None:
    assert await login(client, "viewer@example.com") == 302
    for _ in range(40):  # active every 20 minutes: never idle, but 12 h is the limit
        clock.now += timedelta(minutes=20)
        status = (await client.get("/leads", allow_redirects=False)).status
        if status != 200:
            assert status == 302, await (await client.get("/leads", allow_redirects=False)).text()
            break
    assert clock.now - datetime(2026, 11, 23, 9, 0, tzinfo=UTC) == timedelta(hours=12)
    assert await login(client, "viewer@example.com") == 302
    clock.now += timedelta(minutes=29)
    assert (await client.get("/leads", allow_redirects=False)).status == 200
    clock.now += timedelta(minutes=31)
    assert (await client.get("/leads", allow_redirects=False)).status == 302


async def test_session_limits_are_configurable(make_client: MakeClient, clock: Clock) -> None:
    client: Client = await make_client(dashboard_idle_minutes=5, dashboard_session_hours=1)
    assert await login(client, "viewer@example.com") == 302
    clock.now += timedelta(minutes=6)
    assert (await client.get("/leads", allow_redirects=False)).status == 302
    assert await login(client, "viewer@example.com") == 302
    for _ in range(20):
        clock.now += timedelta(minutes=4)
        if (await client.get("/leads", allow_redirects=False)).status != 200:
            break
    assert clock.now - datetime(2026, 11, 23, 9, 6, tzinfo=UTC) == timedelta(hours=1)


async def test_csrf_token_is_rotated_at_login(client: Client, seeded: Seed) -> None:
    before = await csrf_of(client)
    assert await login(client, "supervisor@example.com") == 302
    after = {c.key: c.value for c in client.session.cookie_jar}[CSRF_COOKIE]
    assert after != before
    stale = await client.post(
        f"/campaigns/{seeded.campaign_id}/pause", data={"csrf_token": before}, allow_redirects=False
    )
    assert stale.status == 403
    fresh = await client.post(
        f"/campaigns/{seeded.campaign_id}/pause", data={"csrf_token": after}, allow_redirects=False
    )
    assert fresh.status == 303


async def _read_until_closed(resp: ClientResponse) -> list[str]:
    lines: list[str] = []
    while line := await resp.content.readline():
        lines.append(line.decode())
    return lines


@pytest.mark.parametrize("ending", ["disable", "logout", "idle"])
async def test_open_live_stream_ends_with_the_session(
    make_client: MakeClient, conn: Conn, clock: Clock, ending: str
) -> None:
    client: Client = await make_client()
    assert await login(client, "viewer@example.com") == 302
    cookie = session_cookie(client)
    resp = await client.get("/live/events?after=0")
    assert resp.status == 200
    assert (await resp.content.readline()).startswith(b"event: calls")
    if ending == "disable":
        accounts.disable_user(conn, "viewer@example.com")
    elif ending == "logout":
        other: Client = await make_client()
        token = await csrf_of(other)
        other.session.cookie_jar.update_cookies({SESSION_COOKIE: cookie, CSRF_COOKIE: token})
        assert (await other.post("/logout", data={"csrf_token": token}, allow_redirects=False)).status == 302
    else:
        clock.now += timedelta(minutes=31)
    # a stream that outlives its session would never close: the wait is only a failure guard
    await asyncio.wait_for(_read_until_closed(resp), timeout=20)


# ---------------------------------------------------------------- login throttling


class Gate:
    """Holds every password check until released, counting the checks that started."""

    def __init__(self, real: Callable[[str, str | None], bool]) -> None:
        self.real = real
        self.cond = threading.Condition()
        self.entered = 0
        self.open = False

    def __call__(self, password: str, password_hash: str | None) -> bool:
        with self.cond:
            self.entered += 1
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.open, timeout=30)
        return self.real(password, password_hash)

    def wait_entered(self, count: int) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.entered >= count, timeout=20)

    def release(self) -> None:
        with self.cond:
            self.open = True
            self.cond.notify_all()


async def test_concurrent_wrong_passwords_then_the_right_one_do_not_get_through(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(passwords.check_password_or_dummy)
    monkeypatch.setattr(passwords, "check_password_or_dummy", gate)
    token = await csrf_of(client)

    async def attempt(password: str) -> int:
        resp = await client.post(
            "/login",
            data={"email": "admin@example.com", "password": password, "csrf_token": token},
            headers={"X-Forwarded-For": ATTACKER},
            allow_redirects=False,
        )
        return resp.status

    wrong = [asyncio.ensure_future(attempt(f"wrong-password-{i}")) for i in range(9)]
    try:
        assert await asyncio.to_thread(gate.wait_entered, 5)
        # the four attempts over the budget are refused at once, without a password check
        for refused, finished in enumerate(asyncio.as_completed(wrong, timeout=20), start=1):
            assert await finished == 429
            if refused == 4:
                break
        assert await attempt(PASSWORD) == 429  # the right password, sent while five checks run
    finally:
        gate.release()
    statuses = sorted([await w for w in wrong])
    assert statuses == [401] * 5 + [429] * 4
    assert gate.entered == 5  # never more checks than the budget
    assert await attempt(PASSWORD) == 429  # locked: the right password does not clear the lock


async def test_the_attacker_is_locked_not_the_victim_with_backoff_and_admin_unlock(
    client: Client, clock: Clock
) -> None:
    for _ in range(5):
        assert await login(client, "supervisor@example.com", "wrong-password", ip=ATTACKER) == 401
    assert await login(client, "supervisor@example.com", PASSWORD, ip=ATTACKER) == 429
    assert await login(client, "supervisor@example.com", PASSWORD, ip=VICTIM_IP) == 302  # victim unaffected
    clock.now += timedelta(minutes=1, seconds=1)  # first lock: 1 minute
    for _ in range(5):
        assert await login(client, "supervisor@example.com", "wrong-password", ip=ATTACKER) == 401
    clock.now += timedelta(minutes=1, seconds=30)  # second lock: 2 minutes
    assert await login(client, "supervisor@example.com", "wrong-password", ip=ATTACKER) == 429
    assert await login(client, "admin@example.com", PASSWORD, ip=VICTIM_IP) == 302
    users = await (await client.get("/users")).text()
    assert "Déverrouiller" in users
    token = await csrf_of(client, "/users")
    resp = await client.post(
        "/users/unlock", data={"csrf_token": token, "email": "supervisor@example.com"}, allow_redirects=False
    )
    assert resp.status == 303
    assert await login(client, "supervisor@example.com", PASSWORD, ip=ATTACKER) == 302


async def test_password_spraying_from_one_address_is_limited(client: Client) -> None:
    statuses = [await login(client, f"user{i}@example.com", "Summer2026!", ip=ATTACKER) for i in range(40)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    assert await login(client, "viewer@example.com", PASSWORD, ip=VICTIM_IP) == 302  # other clients go on


async def test_global_limit_stops_a_spray_from_many_addresses(make_client: MakeClient) -> None:
    client: Client = await make_client(limits=LoginLimits(global_failures=6))
    statuses = [
        await login(client, f"user{i}@example.com", "Summer2026!", ip=f"192.0.2.{i}") for i in range(10)
    ]
    assert statuses == [401] * 6 + [429] * 4


async def test_long_passwords_at_login_and_user_creation_never_crash(client: Client) -> None:
    assert await login(client, "admin@example.com", "é" * 100) == 401
    assert await login(client, "admin@example.com", PASSWORD) == 302
    token = await csrf_of(client, "/users")
    form = {
        "csrf_token": token,
        "email": "phrase@example.com",
        "role": "viewer",
        "password": "le chat de ma voisine dort sur le toit " * 3,
    }
    created = await client.post("/users", data=form, allow_redirects=False)
    assert created.status == 303
    weak = await client.post("/users", data={**form, "email": "w@example.com", "password": "12345678"})
    assert weak.status == 422 and "au moins 12 caractères" in await weak.text()
    bad = await client.post("/users", data={**form, "email": "a@"})
    assert bad.status == 422 and "adresse e-mail valide" in await bad.text()


# ---------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    "target", ["/\t/evil.test", "/\n/x", "/\\evil.test", "\\\\evil.test", "//evil.test", "https://evil.test"]
)
async def test_login_never_redirects_off_site(client: Client, target: str) -> None:
    assert await login(client, "viewer@example.com", next=target) == 302
    client.session.cookie_jar.clear()
    token = await csrf_of(client)
    resp = await client.post(
        "/login",
        data={"email": "viewer@example.com", "password": PASSWORD, "csrf_token": token, "next": target},
        headers={"X-Forwarded-For": VICTIM_IP},
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/campaigns"


async def test_login_redirect_keeps_the_full_requested_page(client: Client) -> None:
    first = await client.get("/leads?status=qualified&sort=score", allow_redirects=False)
    assert first.headers["Location"] == "/login?next=%2Fleads%3Fstatus%3Dqualified%26sort%3Dscore"
    token = await csrf_of(client)
    resp = await client.post(
        "/login",
        data={
            "email": "viewer@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/leads?status=qualified&sort=score",
        },
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/leads?status=qualified&sort=score"


# ---------------------------------------------------------------- API tokens


async def test_api_tokens_expire_have_scopes_record_use_and_revoke(
    client: Client, conn: Conn, clock: Clock, seeded: Seed
) -> None:
    read_id, read_token = accounts.issue_token(
        conn, "supervisor@example.com", days=30, scope="read", now=clock.now
    )
    _, write_token = accounts.issue_token(conn, "supervisor@example.com", days=1, now=clock.now)
    reader = {"Authorization": f"Bearer {read_token}"}
    writer = {"Authorization": f"Bearer {write_token}"}
    assert (await client.get("/api/v1/stats", headers=reader)).status == 200
    refused = await client.post(f"/api/v1/campaigns/{seeded.campaign_id}/pause", headers=reader)
    assert refused.status == 403 and "lecture seule" in (await refused.json())["detail"]
    assert (await client.post(f"/api/v1/campaigns/{seeded.campaign_id}/pause", headers=writer)).status == 200
    used = {t["id"]: t["last_used_at"] for t in accounts.list_tokens(conn, "supervisor@example.com")}
    assert used[read_id] == clock.now
    clock.now += timedelta(days=1, seconds=1)
    assert (await client.get("/api/v1/stats", headers=writer)).status == 401  # expired
    assert (await client.get("/api/v1/stats", headers=reader)).status == 200
    accounts.revoke_token(conn, read_id)
    assert (await client.get("/api/v1/stats", headers=reader)).status == 401
    problem = await client.get("/api/v1/stats", headers=reader)
    assert problem.content_type == "application/problem+json"
    assert json.loads(await problem.text())["status"] == 401


async def test_disabling_a_user_revokes_their_tokens(client: Client, conn: Conn, clock: Clock) -> None:
    _, token = accounts.issue_token(conn, "viewer@example.com", now=clock.now)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/stats", headers=headers)).status == 200
    accounts.disable_user(conn, "viewer@example.com")
    assert (await client.get("/api/v1/stats", headers=headers)).status == 401
    assert all(t["revoked_at"] is not None for t in accounts.list_tokens(conn, "viewer@example.com"))


# ---------------------------------------------------------------- CSV export

FORMULAS = (
    '=1+HYPERLINK("http://evil.test","click")',
    "-2+3+cmd|' /C calc'!A0",
    ' \t"@SUM(A1)',
    "+1+1",
)


def put_formulas(conn: Conn, seeded: Seed) -> None:
    """The seeded qualified lead and its contact carry formula payloads (summary, names)."""
    conn.execute("UPDATE leads SET summary = %s WHERE id = %s", (FORMULAS[0], seeded.lead_ids[0]))
    conn.execute(
        "UPDATE contacts SET first_name = %s, last_name = %s WHERE id = %s",
        (FORMULAS[1], FORMULAS[2], seeded.contact_id),
    )


def assert_neutralised(text: str) -> None:
    """Every formula-looking cell starts with a quote (French Excel's ``;`` export or plain CSV)."""
    text = text.removeprefix("\ufeff")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    assert rows
    for row in rows:
        for column, value in row.items():
            first = value.lstrip(" \t\r\n\"'")[:1]
            assert not (first in "=+-@" and first and not value.startswith("'")) or re.fullmatch(
                r"[+-]?\d+", value
            ), (column, value)
    qualified = next(r for r in rows if r["status"] == "qualified")
    assert qualified["summary"] == "'" + FORMULAS[0]
    assert qualified["first_name"] == "'" + FORMULAS[1]
    assert qualified["last_name"] == "'" + FORMULAS[2]
    assert qualified["phone"] == "+33612341234"  # a plain number stays usable


async def test_web_export_neutralises_formulas(client: Client, conn: Conn, seeded: Seed) -> None:
    put_formulas(conn, seeded)
    assert await login(client, "supervisor@example.com") == 302
    resp = await client.get("/leads/export.csv")
    assert resp.status == 200
    excel = await resp.text()
    assert excel.startswith("\ufeffid;created_at;")  # French Excel: BOM and semicolons
    assert_neutralised(excel)
    plain = await (await client.get("/leads/export.csv?format=plain")).text()
    assert plain.startswith("id,created_at,")  # scripts: plain commas
    assert_neutralised(plain)
    assert (await client.get("/leads/export.csv?format=xlsx")).status == 400
