"""Issues #21/#22 in the dashboard: appointments (list, move, cancel), advisers (add, hours, .ics in
and out), the appointment on the lead and in the review queue, and the campaign schedule form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from campaigns import advisers, scheduling
from campaigns.advisers import AdviserInput
from dashboard.app import create_app
from tests.browser.dashboard_seed import PASSWORD, Seed, dashboard_settings, seed
from tests.integration.test_dashboard_review import english_values

pytestmark = pytest.mark.integration
Client = TestClient[web.Request, web.Application]
Conn = psycopg.Connection[dict[str, object]]
NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
Login = Callable[[str], Awaitable[Client]]

BUSY_ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//agenda//FR
BEGIN:VEVENT
UID:dentiste-1
DTSTAMP:20270101T000000Z
DTSTART:20270107T100000Z
DTEND:20270107T110000Z
SUMMARY:Dentiste
END:VEVENT
BEGIN:VEVENT
UID:libre-1
DTSTAMP:20270101T000000Z
DTSTART:20270108T100000Z
DTEND:20270108T110000Z
TRANSP:TRANSPARENT
SUMMARY:Disponible
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def seeded(conn: Conn, tmp_path: Path) -> Seed:
    return seed(conn, tmp_path / "rec")


@pytest.fixture
async def login(db_url: str, tmp_path: Path, seeded: Seed) -> AsyncIterator[Login]:
    """Log in as the seeded user of a role on a dashboard whose clock reads NOW."""
    opened: list[Client] = []

    async def as_role(role: str) -> Client:
        app = create_app(dashboard_settings(tmp_path), db_url, clock=lambda: NOW)
        client: Client = TestClient(TestServer(app))
        await client.start_server()
        opened.append(client)
        page = await (await client.get("/login")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        resp = await client.post(
            "/login",
            data={"email": f"{role}@example.com", "password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
        )
        assert resp.status == 302
        return client

    yield as_role
    for client in opened:
        await client.close()


def csrf(client: Client) -> str:
    return {c.key: c.value for c in client.session.cookie_jar}["minibot_csrf"]


def add_adviser(conn: Conn, name: str, tz: str = "Europe/Paris") -> int:
    row = advisers.add(
        conn,  # type: ignore[arg-type]
        AdviserInput(name, title="conseillère patrimoniale", email="claire@cabinet.fr", timezone=tz,
                     skills=("patrimoine",), hours=("mon-fri 09:00-12:30",)),
    )  # fmt: skip
    return int(row["id"])


def book(conn: Conn, adviser_id: int, starts: datetime, seeded: Seed | None = None) -> int:
    """A confirmed 45-minute appointment (15 minutes of buffer), of the seeded call when given."""
    row = conn.execute(
        "INSERT INTO appointments (adviser_id, campaign_id, call_id, contact_id, starts_at, ends_at,"
        " blocked_until, status) VALUES (%s, %s, %s, %s, %s, %s + interval '45 minutes',"
        " %s + interval '60 minutes', 'confirmed') RETURNING id",
        (
            adviser_id,
            seeded.campaign_id if seeded else None,
            seeded.ended_call_id if seeded else None,
            seeded.contact_id if seeded else None,
            starts,
            starts,
            starts,
        ),
    ).fetchone()
    assert row
    return int(str(row["id"]))


def ics_form(token: str, data: bytes) -> FormData:
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("ics", data, filename="agenda.ics", content_type="text/calendar")
    return form


def audit_actions(conn: Conn) -> list[tuple[object, object]]:
    return [
        (r["actor"], r["action"]) for r in conn.execute("SELECT actor, action FROM audit_log ORDER BY id")
    ]


async def test_appointments_listed_in_the_advisers_time_moved_and_cancelled(
    login: Login, conn: Conn, seeded: Seed, tmp_path: Path
) -> None:
    claire = add_adviser(conn, "Claire Martin")
    marc = add_adviser(conn, "Marc Joseph", "America/Martinique")
    first = book(conn, claire, datetime(2027, 1, 6, 9, 0, tzinfo=UTC), seeded)
    second = book(conn, claire, datetime(2027, 1, 6, 13, 0, tzinfo=UTC))
    book(conn, marc, datetime(2027, 1, 7, 14, 0, tzinfo=UTC))
    c = await login("supervisor")
    html = await (await c.get("/appointments")).text()
    assert "06/01/2027 10:00" in html and "06/01/2027 14:00" in html  # Paris time
    assert "07/01/2027 10:00" in html and "America/Martinique" in html  # Martinique time
    assert f'href="/leads/{seeded.lead_ids[0]}"' in html and f'href="/calls/{seeded.ended_call_id}"' in html
    assert english_values(html) == set()
    only_marc = await (await c.get("/appointments", params={"adviser": "Marc Joseph"})).text()
    assert only_marc.count('class="appointment"') == 1 and "Claire Martin</td>" not in only_marc

    taken = await c.post(
        f"/appointments/{first}/move", data={"csrf_token": csrf(c), "starts_at": "2027-01-06T14:30"}
    )
    assert taken.status == 409
    assert "Claire Martin a déjà un rendez-vous à ce moment-là (06/01/2027 14:30)" in await taken.text()
    moved = await c.post(
        f"/appointments/{first}/move",
        data={"csrf_token": csrf(c), "starts_at": "2027-01-08T11:00", "back": f"/leads/{seeded.lead_ids[0]}"},
        allow_redirects=False,
    )
    assert moved.status == 303 and moved.headers["Location"] == f"/leads/{seeded.lead_ids[0]}"
    row = conn.execute("SELECT starts_at, ends_at FROM appointments WHERE id = %s", (first,)).fetchone()
    assert row == {
        "starts_at": datetime(2027, 1, 8, 10, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 8, 10, 45, tzinfo=UTC),
    }
    invitation = tmp_path / "appointments" / f"appointment-{first}.ics"
    assert b"METHOD:REQUEST" in invitation.read_bytes()  # the adviser was told

    cancelled = await c.post(
        f"/appointments/{second}/cancel",
        data={"csrf_token": csrf(c), "note": "le client a rappelé"},
        allow_redirects=False,
    )
    assert cancelled.status == 303 and cancelled.headers["Location"] == "/appointments"
    assert conn.execute("SELECT status, note FROM appointments WHERE id = %s", (second,)).fetchone() == {
        "status": "cancelled",
        "note": "le client a rappelé",
    }
    assert b"METHOD:CANCEL" in (tmp_path / "appointments" / f"appointment-{second}.ics").read_bytes()
    again = await c.post(f"/appointments/{second}/cancel", data={"csrf_token": csrf(c)})
    assert again.status == 409 and "Ce rendez-vous est annulé" in await again.text()
    freed = await c.post(
        f"/appointments/{first}/move", data={"csrf_token": csrf(c), "starts_at": "2027-01-06T14:00"}
    )
    assert freed.status == 200  # the cancelled slot can be booked again
    bad = await c.post(f"/appointments/{first}/move", data={"csrf_token": csrf(c), "starts_at": "demain"})
    assert bad.status == 422 and "Date invalide" in await bad.text()
    missing = await c.post("/appointments/999999/cancel", data={"csrf_token": csrf(c)})
    assert missing.status == 404 and "Rendez-vous introuvable" in await missing.text()
    assert audit_actions(conn) == [
        ("supervisor@example.com", "appointment.move"),
        ("supervisor@example.com", "appointment.cancel"),
        ("supervisor@example.com", "appointment.move"),
    ]


async def test_viewers_read_appointments_but_cannot_change_them(login: Login, conn: Conn) -> None:
    booked = book(conn, add_adviser(conn, "Claire Martin"), datetime(2027, 1, 6, 9, 0, tzinfo=UTC))
    viewer = await login("viewer")
    html = await (await viewer.get("/appointments")).text()
    assert "06/01/2027 10:00" in html and "/move" not in html and "/cancel" not in html
    refused = await viewer.post(f"/appointments/{booked}/cancel", data={"csrf_token": csrf(viewer)})
    assert refused.status == 403
    supervisor = await login("supervisor")
    forged = await supervisor.post(f"/appointments/{booked}/cancel", data={"note": "x"})
    assert forged.status == 403 and "CSRF" in await forged.text()
    assert conn.execute("SELECT status FROM appointments WHERE id = %s", (booked,)).fetchone() == {
        "status": "confirmed"
    }


async def test_the_lead_and_the_review_queue_show_the_booked_appointment(
    login: Login, conn: Conn, seeded: Seed
) -> None:
    booked = book(conn, add_adviser(conn, "Claire Martin"), datetime(2027, 1, 6, 9, 0, tzinfo=UTC), seeded)
    c = await login("supervisor")
    lead = await (await c.get(f"/leads/{seeded.lead_ids[0]}")).text()
    section = lead[lead.index('id="lead-appointment"') :]
    assert "confirmé" in section and "06/01/2027 10:00" in section and "Claire Martin" in section
    assert (
        f'action="/appointments/{booked}/move"' in section
        and f'action="/appointments/{booked}/cancel"' in section
    )
    assert english_values(lead) == set()
    queue = await (await c.get("/review")).text()
    item = re.search(rf'data-lead="{seeded.lead_ids[0]}">(.*?)</li>', queue, re.S)
    assert item and "RDV 06/01/2027 10:00" in item.group(1)
    other = re.search(rf'data-lead="{seeded.lead_ids[1]}">(.*?)</li>', queue, re.S)
    assert other and "RDV" not in other.group(1)
    other_lead = await (await c.get(f"/leads/{seeded.lead_ids[1]}")).text()
    assert 'id="lead-appointment"' not in other_lead
    await c.post(f"/appointments/{booked}/cancel", data={"csrf_token": csrf(c), "note": "empêchée"})
    lead = await (await c.get(f"/leads/{seeded.lead_ids[0]}")).text()
    section = lead[lead.index('id="lead-appointment"') :]
    assert "annulé" in section and "empêchée" in section and "/move" not in section.split("</section>")[0]
    assert "RDV" not in await (await c.get("/review")).text()


async def test_advisers_added_their_hours_and_calendars(login: Login, conn: Conn) -> None:
    admin = await login("admin")
    form = {
        "csrf_token": csrf(admin),
        "name": "Claire Martin",
        "title": "conseillère patrimoniale",
        "email": "claire@cabinet.fr",
        "timezone": "Indian/Reunion",
        "skills": "patrimoine, assurance",
        "hours": "lun-ven 09:00-12:30\r\nmar 14:00-17:00",
        "length": "30",
        "buffer": "10",
    }
    added = await admin.post("/advisers", data=form, allow_redirects=False)
    assert added.status == 303
    stored = advisers.get(conn, "Claire Martin")  # type: ignore[arg-type]
    assert (
        stored["timezone"],
        stored["skills"],
        stored["appointment_minutes"],
        stored["buffer_minutes"],
    ) == (
        "Indian/Reunion",
        ["patrimoine", "assurance"],
        30,
        10,
    )
    duplicate = await admin.post("/advisers", data=form)
    assert duplicate.status == 409 and "existe déjà" in await duplicate.text()
    bad_hours = await admin.post("/advisers", data=form | {"name": "Paul", "hours": "lundi 9h"})
    assert bad_hours.status == 422 and "Conseiller refusé" in await bad_hours.text()
    bad_length = await admin.post("/advisers", data=form | {"name": "Paul", "length": "2"})
    assert bad_length.status == 422 and "entre 5 et 480" in await bad_length.text()
    html = await (await admin.get("/advisers")).text()
    assert "lun-ven 09:00-12:30" in html and "mar 14:00-17:00" in html and "Indian/Reunion" in html
    assert english_values(html) == set()
    adviser_id = int(stored["id"])
    hours = await admin.post(
        f"/advisers/{adviser_id}/hours", data={"csrf_token": csrf(admin), "hours": "sam 10:00-12:00"}
    )
    assert hours.status == 200
    assert advisers.list_all(conn)[0]["hours"] == ["sat 10:00-12:00"]  # type: ignore[arg-type]

    supervisor = await login("supervisor")
    upload = await supervisor.post(f"/advisers/{adviser_id}/busy", data=ics_form(csrf(supervisor), BUSY_ICS))
    assert upload.status == 200 and "importée(s) pour Claire Martin" in await upload.text()
    busy = conn.execute(
        "SELECT reason, kind FROM adviser_busy WHERE adviser_id = %s", (adviser_id,)
    ).fetchall()
    assert busy == [{"reason": "Dentiste", "kind": "calendar"}]  # the transparent event does not block
    no_start = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    for junk in (b"pas un agenda", no_start, no_start.replace(b"UID:x", b"DTSTART:demain"), b""):
        refused = await supervisor.post(f"/advisers/{adviser_id}/busy", data=ics_form(csrf(supervisor), junk))
        assert refused.status == 422 and "agenda illisible" in await refused.text(), junk
    no_file = await supervisor.post(f"/advisers/{adviser_id}/busy", data={"csrf_token": csrf(supervisor)})
    assert no_file.status == 422 and "Choisissez un fichier .ics" in await no_file.text()
    assert len(conn.execute("SELECT 1 FROM adviser_busy").fetchall()) == 1  # the good import stays
    not_admin = await supervisor.post(f"/advisers/{adviser_id}/hours", data={"csrf_token": csrf(supervisor)})
    assert not_admin.status == 403
    book(conn, adviser_id, datetime(2027, 1, 6, 9, 0, tzinfo=UTC))
    exported = await supervisor.get(f"/advisers/{adviser_id}/calendar.ics")
    assert exported.status == 200 and exported.content_type == "text/calendar"
    body = await exported.read()
    assert b"SUMMARY:Dentiste" in body and b"DTSTART:20270106T090000Z" in body
    viewer = await login("viewer")
    assert (await viewer.get(f"/advisers/{adviser_id}/calendar.ics")).status == 403
    assert "Ajouter un conseiller" not in await (await viewer.get("/advisers")).text()
    assert [a for _, a in audit_actions(conn)] == ["adviser.add", "adviser.hours", "adviser.busy_import"]


async def test_campaign_schedule_shown_set_and_cleared(login: Login, conn: Conn, seeded: Seed) -> None:
    c = await login("supervisor")
    page = f"/campaigns/{seeded.campaign_id}"
    html = await (await c.get(page)).text()
    assert "Pas de planning" in html and 'id="schedule-form"' in html
    form = {
        "csrf_token": csrf(c),
        "starts_at": "2027-01-04T09:30",
        "ends_at": "2027-02-26T19:00",
        "timezone": "Europe/Paris",
        "holidays": "FR",
        "windows": "lun-ven 10:00-12:30\nmon-fri 17:00-19:30",
    }
    saved = await c.post(f"{page}/schedule", data=form, allow_redirects=False)
    assert saved.status == 303 and saved.headers["Location"] == page
    plan, _, _ = scheduling.schedule_of(conn, "Alpha")  # type: ignore[arg-type]
    assert [str(w) for w in plan.windows] == ["mon-fri 10:00-12:30", "mon-fri 17:00-19:30"]
    assert plan.starts_at == datetime(2027, 1, 4, 8, 30, tzinfo=UTC) and plan.holidays_country == "FR"
    html = await (await c.get(page)).text()
    schedule = html[html.index('id="schedule"') :]
    assert "lun-ven 10:00-12:30, lun-ven 17:00-19:30" in schedule
    assert "le planning commence le 04/01/2027 09:30" in schedule  # NOW is 09:00 in Paris
    assert english_values(html) == set()

    refused = {
        "windows": "lundi 9h-12h",
        "holidays": "XX",
        "timezone": "Mars/Olympus",
        "ends_at": "2027-01-01T09:00",
    }
    for field, value in refused.items():
        resp = await c.post(f"{page}/schedule", data=form | {field: value})
        assert resp.status == 422, field
        assert "Planning refusé" in await resp.text(), field
    cleared = await c.post(f"{page}/schedule", data={"csrf_token": csrf(c), "clear": "1"})
    assert cleared.status == 200 and "Pas de planning" in await cleared.text()
    viewer = await login("viewer")
    assert 'id="schedule-form"' not in await (await viewer.get(page)).text()
    assert (
        await viewer.post(f"{page}/schedule", data={"csrf_token": csrf(viewer), "clear": "1"})
    ).status == 403
    assert [a for _, a in audit_actions(conn)] == ["campaign.schedule", "campaign.schedule_clear"]
