"""Every parameter of every dashboard route gets a table of hostile values: never a 500.

Pages answer a French HTML error, the API answers problem+json. The route table must list every
route the app registers, so a new route without fuzzing fails here.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import bcrypt
import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from dashboard import accounts, passwords
from dashboard.app import create_app
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
Conn = psycopg.Connection[dict[str, object]]

LEAD_FILTERS = ("campaign_id", "status", "min_score", "since", "until", "sort", "cursor", "lang")


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HOSTILE = (
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "-1",
    "0",
    "²",
    "١٢٣",
    "1e3",
    "0x1f",
    "1.5",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "",
    " ",
    "\x00",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "é" * 100,
    "a" * 5000,
    "987654321",
    "{viewer_id}",  # a lead assigned to a viewer, a viewer's id where a user is expected
    _cursor("9999-12-31T23:59:59+00:00|99999999999999999999"),
    _cursor("99999999999|1"),
    _cursor("x|1"),
    "not-base64!",
)

# (method, route) -> the parameters to fuzz: "path:<name>", "query:<name>", "form:<name>", "header:<name>"
ROUTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/"): ("query:lang",),
    ("GET", "/login"): ("query:next", "query:lang"),
    ("POST", "/login"): ("form:email", "form:password", "form:next"),
    ("POST", "/logout"): (),  # no parameter (ends the fuzzing session, so not sent)
    ("GET", "/campaigns"): ("query:lang",),
    ("GET", "/campaigns/{id}"): ("path:id", "query:lang"),
    ("GET", "/review"): ("query:campaign_id", "query:lang"),
    ("GET", "/calls"): (
        "query:campaign_id",
        "query:outcome",
        "query:amd",
        "query:since",
        "query:until",
        "query:min_duration_s",
        "query:with_recording",
        "query:before_id",
    ),
    ("GET", "/leads/{id}"): ("path:id",),
    ("POST", "/leads/{id}/decide"): ("path:id", "form:decision", "form:reason"),
    ("POST", "/leads/{id}/note"): ("path:id", "form:note"),
    ("POST", "/leads/{id}/callback"): ("path:id", "form:callback_at"),
    ("POST", "/leads/{id}/dnc"): ("path:id", "form:reason"),
    ("POST", "/campaigns/{id}/{action}"): ("path:id", "path:action"),
    ("GET", "/live"): ("query:lang",),
    ("GET", "/live/events"): ("query:after", "header:Last-Event-ID"),
    ("GET", "/leads"): tuple(f"query:{f}" for f in LEAD_FILTERS),
    ("GET", "/leads/export.csv"): (*(f"query:{f}" for f in LEAD_FILTERS), "query:format"),
    ("POST", "/leads/{id}/review"): ("path:id",),
    ("POST", "/leads/{id}/assign"): ("path:id", "form:user_id"),
    ("GET", "/calls/{id}"): ("path:id", "query:lang"),
    ("GET", "/calls/{id}/recording"): ("path:id",),
    ("POST", "/contacts/{id}/erase"): ("path:id",),
    ("GET", "/users"): ("query:lang",),
    ("POST", "/users"): ("form:email", "form:role", "form:password"),
    ("POST", "/users/disable"): ("form:email",),
    ("POST", "/users/sign-out"): ("form:email",),
    ("POST", "/users/unlock"): ("form:email",),
    ("POST", "/campaigns/{id}/schedule"): (
        "path:id",
        "form:starts_at",
        "form:ends_at",
        "form:timezone",
        "form:holidays",
        "form:windows",
    ),
    ("GET", "/appointments"): ("query:adviser", "query:lang"),
    ("POST", "/appointments/{id}/move"): ("path:id", "form:starts_at", "form:back"),
    ("POST", "/appointments/{id}/cancel"): ("path:id", "form:note", "form:back"),
    ("GET", "/advisers"): ("query:imported", "query:adviser_id", "query:lang"),
    ("POST", "/advisers"): (
        "form:name",
        "form:email",
        "form:timezone",
        "form:skills",
        "form:hours",
        "form:length",
        "form:buffer",
    ),
    ("POST", "/advisers/{id}/hours"): ("path:id", "form:hours"),
    ("POST", "/advisers/{id}/busy"): ("path:id",),
    ("GET", "/advisers/{id}/calendar.ics"): ("path:id",),
    ("GET", "/api/v1/openapi.json"): (),
    ("GET", "/api/v1/campaigns"): (),
    ("POST", "/api/v1/campaigns/{id}/{action}"): ("path:id", "path:action"),
    ("GET", "/api/v1/calls"): ("query:campaign_id", "query:status", "query:before_id", "query:limit"),
    ("GET", "/api/v1/calls/{id}"): ("path:id",),
    ("GET", "/api/v1/calls/{id}/turns"): ("path:id",),
    ("GET", "/api/v1/leads"): (*(f"query:{f}" for f in LEAD_FILTERS), "query:limit"),
    ("GET", "/api/v1/stats"): (),
}
# valid values for the parameters not under test
DEFAULTS = {
    "id": "{lead_id}",
    "action": "pause",
    "email": "nobody@example.com",
    "password": "une phrase de passe correcte",
    "role": "viewer",
    "user_id": "",
    "decision": "disqualified",
    "reason": "déjà équipé",
    "note": "rappeler après 18 h",
    "callback_at": "2026-12-01T10:00",
    "next": "/leads",
    "starts_at": "2027-01-06T10:00",
    "ends_at": "2027-02-26T19:00",
    "timezone": "Europe/Paris",
    "holidays": "FR",
    "windows": "lun-ven 10:00-12:30",
    "back": "/appointments",
    "name": "Claire Martin",
    "skills": "patrimoine",
    "hours": "mon-fri 09:00-12:30",
    "length": "45",
    "buffer": "15",
}


@pytest.fixture(autouse=True)
def cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = passwords.PREHASH_PREFIX + bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode()
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: cheap)


@pytest.fixture
async def admin(db_url: str, tmp_path: Path, conn: Conn) -> AsyncIterator[tuple[Client, Seed, str]]:
    seeded = seed(conn, tmp_path / "rec")
    _, token = accounts.issue_token(conn, "admin@example.com")
    app = create_app(dashboard_settings(tmp_path), db_url, poll_seconds=0.02)
    async with TestClient(TestServer(app)) as client:
        page = await (await client.get("/login")).text()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match
        resp = await client.post(
            "/login",
            data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": match.group(1)},
            allow_redirects=False,
        )
        assert resp.status == 302
        yield client, seeded, token


def _header_safe(value: str) -> str:
    """What an HTTP client can send in a header (no control characters, Latin-1)."""
    return re.sub(r"[\x00-\x1f\x7f]", "", value).encode("latin-1", "replace").decode("latin-1")


def _route_keys(app: web.Application) -> set[tuple[str, str]]:
    keys = set()
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if route.method != "HEAD" and not canonical.startswith("/static"):
            keys.add((route.method, re.sub(r"\{(\w+):[^}]*\}", r"{\1}", canonical)))
    return keys


async def test_route_table_covers_every_route(admin: tuple[Client, Seed, str]) -> None:
    client, _, _ = admin
    assert _route_keys(client.app) == set(ROUTES)


async def test_no_route_answers_500_to_hostile_values(admin: tuple[Client, Seed, str], conn: Conn) -> None:
    client, seeded, token = admin
    viewer = conn.execute("SELECT id FROM users WHERE role = 'viewer'").fetchone()
    assert viewer
    ids = {"{viewer_id}": str(viewer["id"]), "{lead_id}": str(seeded.lead_ids[0])}

    def concrete(value: str) -> str:
        return ids.get(value, value)

    csrf = {c.key: c.value for c in client.session.cookie_jar}["minibot_csrf"]
    failures: list[str] = []
    seen: set[int] = set()
    checked = 0
    for (method, route), params in ROUTES.items():
        for param in params:
            where, name = param.split(":")
            for hostile in HOSTILE:
                value = concrete(hostile)
                path = route
                for field in re.findall(r"\{(\w+)\}", route):
                    raw = value if (where, field) == ("path", name) else concrete(DEFAULTS[field])
                    path = path.replace(f"{{{field}}}", quote(raw, safe=""))
                query = {name: value} if where == "query" else {}
                fields = [p.split(":")[1] for p in params if p.startswith("form:")]
                form = {field: concrete(DEFAULTS[field]) for field in fields}
                if route == "/login":
                    form["email"] = "admin@example.com"
                    form["password"] = "wrong-password"
                if where == "form":
                    form[name] = value
                headers = {name: _header_safe(value)} if where == "header" else {}
                if route.startswith("/api/"):
                    headers["Authorization"] = f"Bearer {token}"
                data = {**form, "csrf_token": csrf} if method == "POST" else None
                async with client.request(
                    method, path, params=query, data=data, headers=headers, allow_redirects=False
                ) as resp:
                    status = resp.status
                    kind = resp.content_type
                    body = "" if route == "/live/events" or status < 400 else await resp.text()
                checked += 1
                seen.add(status)
                if status >= 500:
                    failures.append(f"{method} {path} {param}={hostile[:30]!r}: {status}")
                elif status >= 400 and route.startswith("/api/"):
                    if kind != "application/problem+json":
                        failures.append(f"{method} {path} {param}={hostile[:30]!r}: {kind}")
                elif status >= 400 and (kind != "text/html" or '<html lang="fr">' not in body):
                    failures.append(f"{method} {path} {param}={hostile[:30]!r}: {kind} not French HTML")
    assert not failures, "\n".join(failures[:40])
    assert checked > 1000
    assert {200, 302, 303, 400, 404, 422, 429} <= seen, seen  # the values reached the handlers


async def test_assigning_a_lead_to_a_viewer_or_an_unknown_user_is_refused(
    admin: tuple[Client, Seed, str], conn: Conn
) -> None:
    client, seeded, _ = admin
    csrf = {c.key: c.value for c in client.session.cookie_jar}["minibot_csrf"]
    viewer = conn.execute("SELECT id FROM users WHERE role = 'viewer'").fetchone()
    assert viewer
    for user_id in (str(viewer["id"]), "987654", "²", "99999999999999999999"):
        resp = await client.post(
            f"/leads/{seeded.lead_ids[0]}/assign", data={"csrf_token": csrf, "user_id": user_id}
        )
        assert resp.status == 422, user_id
        assert "superviseur ou un administrateur" in await resp.text()
    row = conn.execute("SELECT assigned_to FROM leads WHERE id = %s", (seeded.lead_ids[0],)).fetchone()
    assert row == {"assigned_to": None}


async def test_an_out_of_range_export_answers_400_before_streaming(admin: tuple[Client, Seed, str]) -> None:
    client, _, _ = admin
    for query in ("campaign_id=99999999999999999999", "until=9999-12-31", "min_score=²"):
        resp = await client.get(f"/leads/export.csv?{query}")
        assert resp.status == 400, query
        assert resp.content_type == "text/html" and "Requête invalide" in await resp.text()
