"""Issue #20: French values on every page, the review queue and its audited actions, calls, campaign page."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from dashboard import i18n
from dashboard.app import create_app
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
Conn = psycopg.Connection[dict[str, object]]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# every internal value the database holds for statuses, outcomes, verdicts, intents, roles...
INTERNAL = {value for kind, values in i18n.VALUES.items() if kind != "action" for value in values} - {"dnc"}


class VisibleText(HTMLParser):
    """The text a person reads on a page (no markup, attributes, scripts or styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_values(html: str) -> set[str]:
    """Internal value names shown as words on the page (emails left aside: ``admin@example.com``)."""
    parser = VisibleText()
    parser.feed(html)
    text = re.sub(r"\S+@\S+", " ", " ".join(parser.parts))
    words = set(re.findall(r"[A-Za-z_]+", text))
    return {w for w in words if w in INTERNAL}


@pytest.fixture
async def client(db_url: str, tmp_path: Path, conn: Conn) -> AsyncIterator[tuple[Client, Seed]]:
    seeded = seed(conn, tmp_path / "rec")
    app = create_app(dashboard_settings(tmp_path), db_url, clock=lambda: NOW)
    async with TestClient(TestServer(app)) as c:
        page = await (await c.get("/login")).text()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match
        resp = await c.post(
            "/login",
            data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": match.group(1)},
            allow_redirects=False,
        )
        assert resp.status == 302
        yield c, seeded


def csrf(client: Client) -> str:
    return {c.key: c.value for c in client.session.cookie_jar}["minibot_csrf"]


def add_lead(conn: Conn, seeded: Seed, status: str, score: int, **call: object) -> int:
    """A call of the seeded contact and its lead."""
    columns = ", ".join(["campaign_id", "contact_id", "status", "outcome", *call])
    values = ", ".join(["%s"] * (4 + len(call)))
    row = conn.execute(
        f"INSERT INTO calls ({columns}) VALUES ({values}) RETURNING id",
        (seeded.campaign_id, seeded.contact_id, "ended", "answered", *call.values()),
    ).fetchone()
    assert row
    lead = conn.execute(
        "INSERT INTO leads (call_id, contact_id, campaign_id, status, score, summary, callback_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (row["id"], seeded.contact_id, seeded.campaign_id, status, score, f"lead {status}",
         NOW - timedelta(hours=1) if status == "callback" else None),
    ).fetchone()  # fmt: skip
    assert lead
    return int(str(lead["id"]))


async def test_no_internal_value_on_french_pages(client: tuple[Client, Seed], conn: Conn) -> None:
    c, seeded = client
    conn.execute("UPDATE calls SET amd_result = 'notsure' WHERE id = %s", (seeded.live_call_id,))
    conn.execute("UPDATE turns SET intent = 'unknown', sentiment = 'neutral' WHERE seq = 2")
    conn.execute("UPDATE turns SET objection = 'already_adviser' WHERE seq = 4")
    conn.execute("UPDATE leads SET objections = '{already_adviser,price}'")
    pages = [
        "/campaigns",
        f"/campaigns/{seeded.campaign_id}",
        f"/campaigns/{seeded.other_campaign_id}",
        "/review",
        "/leads",
        f"/leads/{seeded.lead_ids[0]}",
        f"/leads/{seeded.lead_ids[1]}",
        "/calls",
        f"/calls/{seeded.ended_call_id}",
        f"/calls/{seeded.live_call_id}",
        "/live",
        "/users",
    ]
    missing = await c.get("/calls/987654")
    assert missing.status == 404 and "Appel introuvable" in await missing.text()
    for path in pages:
        resp = await c.get(path)
        assert resp.status == 200, path
        html = await resp.text()
        assert '<html lang="fr">' in html
        assert english_values(html) == set(), path
    leads = await (await c.get("/leads")).text()
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", leads)  # French dates
    refused = await c.post(
        f"/campaigns/{seeded.other_campaign_id}/pause", data={"csrf_token": csrf(c)}, allow_redirects=False
    )
    assert refused.status == 409 and refused.content_type == "text/html"
    body = await refused.text()
    assert "la campagne est brouillon" in body and "Démarrer" in body
    assert english_values(body) == set()
    english = await (await c.get(f"/leads/{seeded.lead_ids[0]}?lang=en")).text()
    assert "qualified" in english  # English stays available


async def test_review_queue_puts_the_urgent_leads_first(client: tuple[Client, Seed], conn: Conn) -> None:
    c, seeded = client
    qualified, other = seeded.lead_ids
    conn.execute("UPDATE leads SET reviewed_at = NULL")
    due = add_lead(conn, seeded, "callback", 1)
    failed_transfer = add_lead(
        conn, seeded, "not_interested", 0, transfer_endpoint="PJSIP/desk", transfer_result="busy"
    )
    html = await (await c.get("/review")).text()
    order = [int(x) for x in re.findall(r'class="queue-item priority-\d" data-lead="(\d+)"', html)]
    assert order == [qualified, due, failed_transfer, other]
    assert "Rappel dû" in html and "Transfert échoué" in html
    # times in the campaign's time zone
    conn.execute("UPDATE leads SET created_at = '2026-11-23 08:00Z' WHERE id = %s", (qualified,))
    conn.execute(
        'UPDATE campaigns SET run_schedule = \'{"timezone": "Indian/Reunion"}\' WHERE id = %s',
        (seeded.campaign_id,),
    )
    assert "Alpha · 23/11/2026 12:00" in await (await c.get("/review")).text()
    assert "Alpha · 23/11/2026 12:00" in await (await c.get(f"/leads/{qualified}")).text()


async def test_review_actions_are_applied_and_audited(client: tuple[Client, Seed], conn: Conn) -> None:
    c, seeded = client
    qualified, other = seeded.lead_ids
    token = csrf(c)
    sup = conn.execute("SELECT id FROM users WHERE email = 'supervisor@example.com'").fetchone()
    assert sup
    missing = await c.post(f"/leads/{other}/decide", data={"csrf_token": token, "decision": "disqualified"})
    assert missing.status == 422 and "raison" in await missing.text()
    assign = await c.post(
        f"/leads/{qualified}/assign",
        data={"csrf_token": token, "user_id": str(sup["id"])},
        headers={"Referer": str(c.make_url(f"/leads/{qualified}"))},
        allow_redirects=False,
    )
    assert assign.status == 303 and assign.headers["Location"].endswith(f"/leads/{qualified}")
    note = await c.post(f"/leads/{qualified}/note", data={"csrf_token": token, "note": "très motivée"})
    assert note.status == 200
    later = await c.post(
        f"/leads/{qualified}/callback", data={"csrf_token": token, "callback_at": "2026-11-24T14:30"}
    )
    assert later.status == 200
    decided = await c.post(
        f"/leads/{qualified}/decide",
        data={"csrf_token": token, "decision": "qualified"},
        allow_redirects=False,
    )
    assert decided.status == 303 and decided.headers["Location"] == f"/leads/{other}"  # the next lead
    dnc = await c.post(f"/leads/{other}/dnc", data={"csrf_token": token, "reason": "demande au téléphone"})
    assert dnc.status == 200
    row = conn.execute(
        "SELECT review_decision, review_note, assigned_to, callback_at, reviewed_at IS NOT NULL AS reviewed"
        " FROM leads WHERE id = %s",
        (qualified,),
    ).fetchone()
    assert row == {
        "review_decision": "qualified",
        "review_note": "très motivée",
        "assigned_to": sup["id"],
        "callback_at": datetime(2026, 11, 24, 13, 30, tzinfo=UTC),  # 14:30 in Paris
        "reviewed": True,
    }
    assert conn.execute("SELECT status FROM leads WHERE id = %s", (other,)).fetchone() == {
        "status": "do_not_call"
    }
    assert conn.execute("SELECT source FROM dnc WHERE phone = '+33612341234'").fetchone() == {
        "source": "dashboard"
    }
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions == ["lead.assign", "lead.note", "lead.callback", "lead.qualified", "lead.dnc"]
    queue = await (await c.get("/review")).text()
    assert f'data-lead="{qualified}"' not in queue


async def test_campaign_page_buttons_follow_the_state_machine(
    client: tuple[Client, Seed], conn: Conn
) -> None:
    c, seeded = client
    expected = {
        "draft": ["start", "stop"],
        "running": ["pause", "stop"],
        "paused": ["start", "resume", "stop"],
        "stopped": ["start"],
    }
    for status, actions in expected.items():
        conn.execute("UPDATE campaigns SET status = %s WHERE id = %s", (status, seeded.campaign_id))
        html = await (await c.get(f"/campaigns/{seeded.campaign_id}")).text()
        shown = re.findall(rf'action="/campaigns/{seeded.campaign_id}/(start|pause|resume|stop)"', html)
        assert shown == actions, status
    page = await (await c.get(f"/campaigns/{seeded.campaign_id}")).text()
    assert 'class="chart funnel"' in page and "Décrochés" in page and "Humains" in page
    conn.execute("UPDATE campaigns SET status = 'running' WHERE id = %s", (seeded.campaign_id,))
    paused = await c.post(
        f"/campaigns/{seeded.campaign_id}/pause", data={"csrf_token": csrf(c)}, allow_redirects=False
    )
    assert paused.status == 303
    refused = await c.post(f"/campaigns/{seeded.campaign_id}/start", data={"csrf_token": csrf(c)})
    assert refused.status == 409 and "consentement" in await refused.text()  # fr profile, no consent


async def test_calls_list_filters(client: tuple[Client, Seed], conn: Conn) -> None:
    c, seeded = client

    async def listed(query: str) -> list[int]:
        html = await (await c.get(f"/calls?{query}")).text()
        return [int(x) for x in re.findall(r'<tr class="call" data-call="(\d+)"', html)]

    assert seeded.ended_call_id in await listed("")
    assert await listed("outcome=answered") == [seeded.ended_call_id]
    assert await listed("amd=human") == [seeded.ended_call_id]
    assert await listed("with_recording=1") == [seeded.ended_call_id]
    assert await listed("min_duration_s=30") == [seeded.ended_call_id]
    assert await listed("min_duration_s=3600") == []
    assert await listed(f"campaign_id={seeded.other_campaign_id}") == []
    bad = await c.get("/calls?outcome=answered_by_martians")
    assert bad.status == 400 and "Le paramètre outcome doit valoir" in await bad.text()


async def test_campaign_page_shows_the_cost_per_qualified_lead(
    db_url: str, tmp_path: Path, conn: Conn
) -> None:
    seeded = seed(conn, tmp_path / "rec")
    settings = dataclasses.replace(dashboard_settings(tmp_path), cost_per_call=0.02, cost_per_minute=0.1)
    async with TestClient(TestServer(create_app(settings, db_url, clock=lambda: NOW))) as c:
        page = await (await c.get("/login")).text()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match
        data = {"email": "viewer@example.com", "password": PASSWORD, "csrf_token": match.group(1)}
        assert (await c.post("/login", data=data, allow_redirects=False)).status == 302
        html = await (await c.get(f"/campaigns/{seeded.campaign_id}")).text()
    # 3 calls at 0.02 + 1 minute of talk at 0.10, for 1 qualified lead
    assert '<dd id="cost-per-qualified">0,16 €</dd>' in html
    assert english_values(html) == set()
