"""`--json` on the listing and status commands (the schemas the README documents), names or ids for
`--campaign`, `campaign update`, `contacts import --update` and lead exports for Excel or scripts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from cli import build_app
from tests.browser.dashboard_seed import seed

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]
runner = CliRunner()


@pytest.fixture(autouse=True)
def _database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)


def cli(*args: str) -> Result:
    return runner.invoke(build_app(list(args)), list(args))


def as_json(*args: str) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)


def test_campaign_json_schemas_and_preview_times(conn: Conn, tmp_path: Path) -> None:
    assert cli("campaign", "create", "relance", "--b2b").exit_code == 0
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("telephone\n0696 12 34 33\n", encoding="utf-8")
    assert cli("contacts", "import", str(csv_file), "-c", "relance").exit_code == 0
    listed = as_json("campaign", "list")
    assert listed == [
        {
            "id": listed[0]["id"],
            "name": "relance",
            "status": "draft",
            "scenario": "patrimoine",
            "profile": "fr",
            "b2b": True,
            "priority": 0,
            "contacts": 1,
            "pending": 0,
        }
    ]
    campaign_id = str(listed[0]["id"])
    shown = as_json("campaign", "show", campaign_id)  # an id works where a name does
    assert shown["name"] == "relance" and shown["settings"]["calls_per_second"] == 1.0
    assert cli("campaign", "start", campaign_id).exit_code == 0
    conn.execute("UPDATE call_queue SET not_before = '2030-01-08 15:00Z', wait_reason = 'retry delay'")
    preview = as_json("campaign", "preview", "relance", "--tz", "Europe/Paris")
    assert preview["timezone"] == "Europe/Paris"
    call = preview["calls"][0]
    assert call["phone"] == "******3433" and call["contact_timezone"] == "America/Martinique"
    assert (call["allowed_now"], call["reason"]) == (False, "retry delay")
    assert call["may_dial_at"] == "2030-01-08T16:00:00+01:00"
    assert call["contact_local_time"] == "2030-01-08T11:00:00-04:00"
    table = cli("campaign", "preview", "relance")
    assert "Tue 08 Jan 16:00" in table.output and "Tue 11:00 America/Martinique" in table.output
    assert (
        cli("campaign", "schedule", "relance", "--timezone", "Indian/Reunion", "--holidays", "").exit_code
        == 0
    )
    in_campaign_zone = as_json("campaign", "preview", "relance")  # the campaign's zone by default
    assert in_campaign_zone["timezone"] == "Indian/Reunion"
    assert in_campaign_zone["calls"][0]["may_dial_at"] == "2030-01-08T19:00:00+04:00"
    status = as_json("campaign", "status", "relance")
    assert status["queue"] == {"pending": 1, "leased": 0, "done": 0, "cancelled": 0}
    assert status["status"] == "running" and status["outcomes"] == {}


def test_campaign_update_is_audited_and_fixes_consent_refusal(conn: Conn, tmp_path: Path) -> None:
    assert cli("campaign", "create", "c").exit_code == 0
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("phone\n0611111111\n", encoding="utf-8")
    assert cli("contacts", "import", str(csv_file), "-c", "c").exit_code == 0
    refused = cli("campaign", "start", "c")
    assert "minibot campaign update NAME --b2b" in str(refused.exception)
    assert cli("campaign", "update", "c").exit_code == 2  # nothing to change is a usage error
    bad = cli("campaign", "update", "c", "--caller-id", "hello")
    assert "not a phone number" in str(bad.exception)
    changed = as_json("campaign", "update", "c", "--b2b", "--cps", "2.5", "--max-concurrent", "3")
    assert changed["changes"] == {
        "b2b": [False, True],
        "calls_per_second": [1.0, 2.5],
        "max_concurrent_calls": [5, 3],
    }
    assert cli("campaign", "start", "c").exit_code == 0
    assert isinstance(cli("campaign", "start", "c").exception, Exception)  # running: a conflict
    audit = conn.execute("SELECT actor, action, details FROM audit_log").fetchone()
    assert audit and audit["action"] == "campaign.update" and str(audit["actor"]).startswith("cli:")
    assert audit["details"]["changes"]["b2b"] == [False, True]


def test_contacts_update_through_the_cli_records_consent(conn: Conn, tmp_path: Path) -> None:
    assert cli("campaign", "create", "c").exit_code == 0
    first = tmp_path / "a.csv"
    first.write_text("phone;prenom\n0611111111;Ana\n", encoding="utf-8")
    assert cli("contacts", "import", str(first), "-c", "c").exit_code == 0
    again = tmp_path / "b.csv"
    again.write_text("phone;consent\n0611111111;web-2026-11\n", encoding="utf-8")
    updated = cli("contacts", "import", str(again), "-c", "c", "--update")
    assert updated.exit_code == 0 and "updated" in updated.output
    row = conn.execute("SELECT first_name, consent FROM contacts").fetchone()
    assert row == {"first_name": "Ana", "consent": "web-2026-11"}
    assert cli("campaign", "start", "c").exit_code == 0  # consent recorded: no refusal


def test_leads_dnc_and_db_json(conn: Conn, tmp_path: Path) -> None:
    seed(conn, tmp_path / "rec")
    by_name = as_json("leads", "list", "--campaign", "Alpha")
    alpha_id = conn.execute("SELECT id FROM campaigns WHERE name = 'Alpha'").fetchone()
    assert alpha_id is not None
    by_id = as_json("leads", "list", "--campaign", str(alpha_id["id"]))
    assert by_name == by_id and by_name and {r["campaign"] for r in by_name} == {"Alpha"}
    assert set(by_name[0]) == {
        "id", "created_at", "campaign", "status", "score", "phone", "first_name", "last_name", "summary",
    }  # fmt: skip
    assert "no campaign named 'decembre'" in str(cli("leads", "list", "--campaign", "decembre").exception)
    not_listed = cli("dnc", "check", "0611223344", "--json")
    assert not_listed.exit_code == 3
    assert json.loads(not_listed.stdout) == {
        "number": "0611223344",
        "phone": "+33611223344",
        "listed": False,
        "source": None,
        "reason": None,
        "added_at": None,
        "warning": "no Bloctel list was ever imported (`minibot dnc import FILE --source bloctel`)",
    }
    assert cli("dnc", "add", "0611223344", "--reason", "asked").exit_code == 0
    listed = as_json("dnc", "check", "06 11 22 33 44")
    assert listed["listed"] is True and listed["reason"] == "asked" and listed["source"] == "manual"
    users = as_json("users", "list")
    assert {u["email"] for u in users} >= {"admin@example.com", "viewer@example.com"}
    assert set(users[0]) >= {
        "id",
        "email",
        "role",
        "disabled",
        "locked_until",
        "active_tokens",
        "open_sessions",
    }
    migrations = as_json("db", "status")
    assert migrations and {m["state"] for m in migrations} == {"applied"}
    assert set(migrations[0]) == {"version", "name", "state", "applied_at"}


def test_lead_exports_plain_for_scripts_and_excel_on_request(conn: Conn, tmp_path: Path) -> None:
    seed(conn, tmp_path / "rec")
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert cli("leads", "export", "-o", str(plain)).exit_code == 0
    assert cli("leads", "export", "--format", "excel", "-o", str(excel)).exit_code == 0
    assert plain.read_bytes().startswith(b"id,created_at,")
    assert excel.read_bytes().startswith("\ufeffid;created_at;".encode())
    rows = list(csv.DictReader(io.StringIO(excel.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows == list(csv.DictReader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert cli("leads", "export", "--format", "xls").exit_code == 1
