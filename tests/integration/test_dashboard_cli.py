"""`minibot users`, `minibot leads` and `minibot dashboard purge` against the real database."""

from __future__ import annotations

import csv
from pathlib import Path

import bcrypt
import psycopg
import pytest
from typer.testing import CliRunner

from cli import app
from commands.common import console
from dashboard import security
from tests.browser.dashboard_seed import seed

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, object]]


@pytest.fixture
def runner(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("MINIBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(console, "width", 200)  # rich tables must not truncate cells
    return CliRunner()


def test_user_lifecycle(runner: CliRunner, conn: Conn) -> None:
    created = runner.invoke(
        app, ["users", "create", "Ana@Example.com", "--role", "supervisor", "--password", "s3cret-pass"]
    )
    assert created.exit_code == 0, created.output
    row = conn.execute("SELECT role, password_hash FROM users WHERE email = 'ana@example.com'").fetchone()
    assert (
        row
        and row["role"] == "supervisor"
        and bcrypt.checkpw(b"s3cret-pass", str(row["password_hash"]).encode())
    )
    duplicate = runner.invoke(app, ["users", "create", "ana@example.com", "--password", "s3cret-pass"])
    assert duplicate.exit_code != 0
    bad_role = runner.invoke(
        app, ["users", "create", "bob@example.com", "--role", "root", "--password", "s3cret-pass"]
    )
    assert bad_role.exit_code != 0
    token = runner.invoke(app, ["users", "token", "ana@example.com"])
    value = token.output.strip()
    assert value.startswith("mbt_")
    stored = conn.execute("SELECT api_token_hash FROM users WHERE email = 'ana@example.com'").fetchone()
    assert stored == {"api_token_hash": security.hash_api_token(value)}
    assert "ana@example.com" in runner.invoke(app, ["users", "list"]).output
    assert (
        runner.invoke(
            app, ["users", "set-password", "ana@example.com", "--password", "another-pass"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["users", "disable", "ana@example.com"]).exit_code == 0
    row = conn.execute(
        "SELECT disabled, api_token_hash FROM users WHERE email = 'ana@example.com'"
    ).fetchone()
    assert row == {"disabled": True, "api_token_hash": None}
    assert runner.invoke(app, ["users", "disable", "ghost@example.com"]).exit_code != 0


def test_leads_export_and_list_use_the_filters(runner: CliRunner, conn: Conn, tmp_path: Path) -> None:
    seed(conn, tmp_path / "rec")
    out = tmp_path / "leads.csv"
    result = runner.invoke(app, ["leads", "export", "--status", "qualified", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["status"], r["summary"]) for r in rows] == [("qualified", "Intéressée par un PEL")]
    listed = runner.invoke(app, ["leads", "list", "--sort", "score"])
    assert listed.exit_code == 0 and "qualified" in listed.output and "not_interested" in listed.output
    assert runner.invoke(app, ["leads", "list", "--status", "bogus"]).exit_code != 0


def test_purge_command(runner: CliRunner, conn: Conn, tmp_path: Path) -> None:
    seeded = seed(conn, tmp_path / "rec")
    conn.execute(
        "UPDATE calls SET ended_at = now() - interval '400 days' WHERE id = %s", (seeded.ended_call_id,)
    )
    result = runner.invoke(app, ["dashboard", "purge", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "1 recordings" in result.output
    assert not (tmp_path / "rec" / "call-1.wav").exists()
