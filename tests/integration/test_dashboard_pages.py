"""Dashboard pages, API and RGPD against the real database: permissions, masking, export, live events."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from campaigns import retention
from dashboard import accounts, openapi
from dashboard.app import create_app
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
Conn = psycopg.Connection[dict[str, object]]


@pytest.fixture
def seeded(conn: Conn, tmp_path: Path) -> Seed:
    return seed(conn, tmp_path / "rec")


@pytest.fixture
async def client(db_url: str, tmp_path: Path, seeded: Seed) -> AsyncIterator[Client]:
    app = create_app(dashboard_settings(tmp_path), db_url, poll_seconds=0.05)
    async with TestClient(TestServer(app)) as c:
        yield c


async def csrf_of(client: Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', await (await client.get(path)).text())
    assert match
    return match.group(1)


async def login_as(client: Client, role: str) -> str:
    """Log in as the seeded user of ``role``; returns the CSRF token for later form posts (new at login)."""
    token = await csrf_of(client, "/login")
    resp = await client.post(
        "/login",
        data={"email": f"{role}@example.com", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 302
    return await csrf_of(client, "/leads")


async def test_viewer_is_read_only_and_sees_masked_numbers(client: Client, seeded: Seed) -> None:
    csrf = await login_as(client, "viewer")
    leads = await (await client.get("/leads")).text()
    assert "+33*****1234" in leads and "+33612341234" not in leads
    call = await (await client.get(f"/calls/{seeded.ended_call_id}")).text()
    assert "+33*****1234" in call and "+33612341234" not in call
    api = await (await client.get("/api/v1/leads")).json()
    assert {item["phone"] for item in api["items"]} == {"+33*****1234"}
    assert (await client.get("/leads/export.csv")).status == 403
    assert (await client.get(f"/calls/{seeded.ended_call_id}/recording")).status == 403
    for path in (
        f"/campaigns/{seeded.campaign_id}/pause",
        f"/contacts/{seeded.contact_id}/erase",
        f"/leads/{seeded.lead_ids[0]}/review",
    ):
        resp = await client.post(path, data={"csrf_token": csrf}, allow_redirects=False)
        assert resp.status == 403, path
    assert (await client.post(f"/api/v1/campaigns/{seeded.campaign_id}/pause")).status == 403


async def test_supervisor_sees_full_numbers_but_cannot_erase(client: Client, seeded: Seed) -> None:
    csrf = await login_as(client, "supervisor")
    assert "+33612341234" in await (await client.get("/leads")).text()
    resp = await client.post(
        f"/contacts/{seeded.contact_id}/erase", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 403


def _queue_counts(conn: Conn, campaign_id: int) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM call_queue WHERE campaign_id = %s GROUP BY status", (campaign_id,)
    ).fetchall()
    return {str(r["status"]): int(r["n"]) for r in rows}


async def test_campaign_buttons_follow_the_cli_rules_consent_queue_and_cancel(
    client: Client, conn: Conn, seeded: Seed
) -> None:
    csrf = await login_as(client, "supervisor")
    for phone in ("+33600000001", "+33600000002"):
        conn.execute(
            "INSERT INTO contacts (campaign_id, phone) VALUES (%s, %s)", (seeded.other_campaign_id, phone)
        )
    base = f"/campaigns/{seeded.other_campaign_id}"

    async def press(action: str) -> int:
        resp = await client.post(f"{base}/{action}", data={"csrf_token": csrf}, allow_redirects=False)
        return resp.status

    assert await press("pause") == 409  # a draft cannot be paused
    refused = await client.post(f"{base}/start", data={"csrf_token": csrf}, allow_redirects=False)
    assert refused.status == 409 and "consent" in await refused.text()  # 'fr' profile, no consent
    assert _queue_counts(conn, seeded.other_campaign_id) == {}
    conn.execute(
        "UPDATE contacts SET consent = 'opt-in 2026-01-05' WHERE campaign_id = %s",
        (seeded.other_campaign_id,),
    )
    assert await press("start") == 303
    assert _queue_counts(conn, seeded.other_campaign_id) == {"pending": 2}
    assert await press("pause") == 303
    assert await press("start") == 303
    assert _queue_counts(conn, seeded.other_campaign_id) == {"pending": 2}  # restarting does not queue twice
    assert await press("stop") == 303
    assert _queue_counts(conn, seeded.other_campaign_id) == {"cancelled": 2}  # nothing left to dial
    status = conn.execute(
        "SELECT status FROM campaigns WHERE id = %s", (seeded.other_campaign_id,)
    ).fetchone()
    assert status == {"status": "stopped"}
    actions = conn.execute("SELECT action, details FROM audit_log ORDER BY id").fetchall()
    assert [a["action"] for a in actions] == [
        "campaign.start",
        "campaign.pause",
        "campaign.start",
        "campaign.stop",
    ]
    assert actions[0]["details"]["queued"] == 2 and actions[-1]["details"]["cancelled"] == 2


async def test_campaigns_page_shows_kpis_chart_and_buttons_by_role(client: Client) -> None:
    await login_as(client, "viewer")
    page = await (await client.get("/campaigns?lang=en")).text()
    assert "Campaigns" in page and "<svg" in page and "Human" in page
    assert 'action="/campaigns/' not in page
    remembered = await (await client.get("/leads", headers={"Accept-Language": "fr-FR"})).text()
    assert "Leads</h1>" in remembered  # ?lang=en was remembered in a cookie
    await client.get("/campaigns?lang=fr")
    french = await (await client.get("/campaigns", headers={"Accept-Language": "en"})).text()
    assert "Campagnes" in french and "Répondeur" in french


async def test_export_streams_the_current_filter(client: Client, conn: Conn) -> None:
    await login_as(client, "supervisor")
    resp = await client.get("/leads/export.csv?status=qualified")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
    text = await resp.text()
    assert text.startswith("\ufeffid;created_at;")  # French Excel: BOM and semicolons
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert [(r["status"], r["phone"]) for r in rows] == [("qualified", "+33612341234")]
    audit = conn.execute("SELECT action, details FROM audit_log").fetchone()
    assert audit == {"action": "leads.export", "details": {"status": "qualified", "sort": "recent"}}


async def test_review_and_assign_lead(client: Client, conn: Conn, seeded: Seed) -> None:
    csrf = await login_as(client, "supervisor")
    lead = seeded.lead_ids[0]
    sup = conn.execute("SELECT id FROM users WHERE email = 'supervisor@example.com'").fetchone()
    assert sup
    await client.post(f"/leads/{lead}/review", data={"csrf_token": csrf}, allow_redirects=False)
    await client.post(f"/leads/{lead}/assign", data={"csrf_token": csrf, "user_id": str(sup["id"])})
    row = conn.execute("SELECT reviewed_by, assigned_to FROM leads WHERE id = %s", (lead,)).fetchone()
    assert row == {"reviewed_by": sup["id"], "assigned_to": sup["id"]}


async def test_leads_keyset_pages_cover_every_lead_once(client: Client, conn: Conn, seeded: Seed) -> None:
    conn.execute(
        "WITH c AS (INSERT INTO calls (campaign_id, status) SELECT %s, 'ended' FROM generate_series(1, 120)"
        " RETURNING id)"
        " INSERT INTO leads (call_id, campaign_id, status, score, created_at)"
        " SELECT id, %s, 'callback', id %% 7, now() - (id %% 5) * interval '1 hour' FROM c",
        (seeded.campaign_id, seeded.campaign_id),
    )
    await login_as(client, "viewer")
    for sort, key in (("recent", "created_at"), ("score", "score")):
        seen: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = await (await client.get(f"/api/v1/leads?sort={sort}&limit=50&cursor={cursor}")).json()
            seen.extend(page["items"])
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        assert len(seen) == 122 and len({s["id"] for s in seen}) == 122
        keys = [(s[key], s["id"]) for s in seen]
        assert keys == sorted(keys, reverse=True)
    filtered = await (await client.get("/api/v1/leads?min_score=6&status=callback")).json()
    assert filtered["items"] and all(i["score"] >= 6 and i["status"] == "callback" for i in filtered["items"])
    assert (await client.get("/api/v1/leads?cursor=bogus")).status == 400
    assert (await client.get("/api/v1/leads?since=yesterday")).status == 400


async def test_call_page_and_recording_with_range(
    client: Client, conn: Conn, seeded: Seed, tmp_path: Path
) -> None:
    await login_as(client, "supervisor")
    page = await (await client.get(f"/calls/{seeded.ended_call_id}")).text()
    assert "non pas du tout" in page and "speech then silence" in page and 'data-start-ms="2600"' in page
    assert f'href="/calls/{seeded.ended_call_id - 1}"' in page  # the contact's other attempt
    assert "<polyline" in page
    assert 'id="transfer"' not in page  # this call was never transferred
    conn.execute(
        "UPDATE calls SET transfer_endpoint = 'PJSIP/conseiller@trunk', transfer_result = 'connected'"
        " WHERE id = %s",
        (seeded.ended_call_id,),
    )
    page = await (await client.get(f"/calls/{seeded.ended_call_id}")).text()
    assert '<dd id="transfer">PJSIP/conseiller@trunk · connected</dd>' in page
    api = await (await client.get(f"/api/v1/calls/{seeded.ended_call_id}")).json()
    assert (api["transfer_endpoint"], api["transfer_result"]) == ("PJSIP/conseiller@trunk", "connected")
    full = (tmp_path / "rec" / "call-1.wav").read_bytes()
    resp = await client.get(f"/calls/{seeded.ended_call_id}/recording", headers={"Range": "bytes=100-199"})
    assert resp.status == 206
    assert await resp.read() == full[100:200]


async def test_admin_erases_a_contact(client: Client, conn: Conn, seeded: Seed, tmp_path: Path) -> None:
    csrf = await login_as(client, "admin")
    resp = await client.post(
        f"/contacts/{seeded.contact_id}/erase", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    contact = conn.execute(
        "SELECT phone, first_name, erased_at FROM contacts WHERE id = %s", (seeded.contact_id,)
    )
    row = contact.fetchone()
    assert (
        row and row["phone"] == f"erased-{seeded.contact_id}" and row["first_name"] == "" and row["erased_at"]
    )
    texts = conn.execute("SELECT text FROM turns WHERE call_id = %s", (seeded.ended_call_id,)).fetchall()
    assert {t["text"] for t in texts} == {""}
    assert not (tmp_path / "rec" / "call-1.wav").exists()
    summary = conn.execute("SELECT summary FROM leads WHERE id = %s", (seeded.lead_ids[0],)).fetchone()
    assert summary == {"summary": ""}
    audit = conn.execute("SELECT actor, action, target FROM audit_log").fetchone()
    assert audit == {
        "actor": "admin@example.com",
        "action": "contact.erase",
        "target": f"contact:{seeded.contact_id}",
    }
    again = await client.post(f"/contacts/{seeded.contact_id}/erase", data={"csrf_token": csrf})
    assert again.status == 404


async def test_retention_purge_only_touches_old_calls(
    pool: Any, conn: Conn, seeded: Seed, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    conn.execute(
        "UPDATE calls SET ended_at = %s WHERE id = %s", (now - timedelta(days=200), seeded.ended_call_id)
    )
    conn.execute("UPDATE turns SET text = 'recent' WHERE call_id <> %s", (seeded.ended_call_id,))
    result = await retention.purge_expired(pool, 180, now, "cli")
    assert (result.recordings, result.files_deleted, result.transcripts) == (1, 1, 4)
    assert not (tmp_path / "rec" / "call-1.wav").exists()
    row = conn.execute("SELECT recording_path FROM calls WHERE id = %s", (seeded.ended_call_id,)).fetchone()
    assert row == {"recording_path": None}
    again = await retention.purge_expired(pool, 180, now, "cli")
    assert (again.recordings, again.transcripts) == (0, 0)


async def test_live_events_push_calls_and_new_turns(client: Client, conn: Conn, seeded: Seed) -> None:
    await login_as(client, "viewer")
    resp = await client.get("/live/events?after=0")
    assert resp.headers["Content-Type"].startswith("text/event-stream")

    async def next_event(kind: str) -> dict[str, Any] | list[Any]:
        event = ""
        while True:
            line = (await resp.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == kind:
                parsed: dict[str, Any] | list[Any] = json.loads(line[6:])
                return parsed

    calls = await next_event("calls")
    assert isinstance(calls, list) and [c["id"] for c in calls] == [seeded.live_call_id]
    assert calls[0]["phone"] == "+33*****5432"
    conn.execute(
        "INSERT INTO turns (call_id, seq, speaker, text) VALUES (%s, 1, 'caller', 'allô ?')",
        (seeded.live_call_id,),
    )
    turn = await next_event("turn")
    assert isinstance(turn, dict) and turn["text"] == "allô ?" and turn["call_id"] == seeded.live_call_id
    resp.close()


async def test_bearer_token_api_and_openapi_conformance(client: Client, conn: Conn, seeded: Seed) -> None:
    _, token = accounts.issue_token(conn, "supervisor@example.com")
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/leads", headers={"Authorization": "Bearer nope"})).status == 401
    doc = await (await client.get("/api/v1/openapi.json")).json()
    documented = set(doc["paths"])
    for resource in client.app.router.resources():
        path = resource.canonical
        if path.startswith("/api/"):
            assert path in documented, path
    root = {"components": doc["components"]}

    def check(body: Any, path: str, method: str = "get") -> None:
        schema = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator({**root, **schema}).validate(body)

    cid = seeded.ended_call_id
    for url, path in (
        ("/api/v1/campaigns", "/api/v1/campaigns"),
        ("/api/v1/leads?status=qualified", "/api/v1/leads"),
        ("/api/v1/calls?limit=1", "/api/v1/calls"),
        (f"/api/v1/calls/{cid}", "/api/v1/calls/{id}"),
        (f"/api/v1/calls/{cid}/turns", "/api/v1/calls/{id}/turns"),
        ("/api/v1/stats", "/api/v1/stats"),
    ):
        resp = await client.get(url, headers=auth)
        assert resp.status == 200, url
        check(await resp.json(), path)
    resp = await client.post(f"/api/v1/campaigns/{seeded.other_campaign_id}/start", headers=auth)
    assert resp.status == 200  # bearer calls need no CSRF token
    check(await resp.json(), "/api/v1/campaigns/{id}/{action}", "post")
    assert (await client.get("/api/v1/calls/999999", headers=auth)).status == 404
    unknown = await client.post(f"/api/v1/campaigns/{seeded.other_campaign_id}/explode", headers=auth)
    assert unknown.status == 404 and "unknown campaign action" in (await unknown.json())["detail"]
    assert openapi.document()["openapi"].startswith("3.")


async def test_campaign_kpis_count_calls_and_leads(client: Client, conn: Conn, seeded: Seed) -> None:
    await login_as(client, "viewer")
    items = {c["name"]: c for c in (await (await client.get("/api/v1/campaigns")).json())["items"]}
    alpha = items["Alpha"]
    assert (alpha["contacts"], alpha["dialled"], alpha["answered"], alpha["human"]) == (2, 3, 2, 1)
    assert (alpha["leads"], alpha["qualified"], alpha["dnc_requests"]) == (2, 1, 0)
    assert alpha["avg_duration_s"] == pytest.approx(60, abs=1)
    assert items["Beta"]["dialled"] == 0


async def test_admin_manages_users_and_others_cannot(client: Client, conn: Conn) -> None:
    csrf = await login_as(client, "supervisor")
    assert (await client.get("/users", allow_redirects=False)).status == 403
    form = {"csrf_token": csrf, "email": "new@example.com", "role": "viewer", "password": "long-enough-pw"}
    assert (await client.post("/users", data=form, allow_redirects=False)).status == 403
    await client.post("/logout", data={"csrf_token": csrf})
    csrf = await login_as(client, "admin")
    form["csrf_token"] = csrf  # a new session has a new CSRF token
    assert (await client.post("/users", data=form, allow_redirects=False)).status == 303
    short = await client.post("/users", data={**form, "email": "x@example.com", "password": "short"})
    assert short.status == 422 and "au moins 12 caractères" in await short.text()
    resp = await client.post("/users/disable", data={"csrf_token": csrf, "email": "new@example.com"})
    assert resp.status == 200
    row = conn.execute("SELECT role, disabled FROM users WHERE email = 'new@example.com'").fetchone()
    assert row == {"role": "viewer", "disabled": True}
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions == ["user.create", "user.disable"]
