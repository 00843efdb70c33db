"""`minibot users`, `minibot leads` and `minibot dashboard purge` against the real database."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from cli import app
from commands.common import console
from dashboard import passwords, security
from dashboard.passwords import PolicyError
from services.errors import ConflictError, NotFoundError
from tests.browser.dashboard_seed import seed
from tests.integration.test_dashboard_security import assert_neutralised, put_formulas

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, object]]
PASSPHRASE = "trois chevaux verts au galop"


@pytest.fixture
def runner(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("MINIBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(console, "width", 200)  # rich tables must not truncate cells
    return CliRunner()


def test_user_lifecycle(runner: CliRunner, conn: Conn) -> None:
    created = runner.invoke(
        app, ["users", "create", "Ana@Example.com", "--role", "supervisor", "--password", PASSPHRASE]
    )
    assert created.exit_code == 0, created.output
    row = conn.execute("SELECT role, password_hash FROM users WHERE email = 'ana@example.com'").fetchone()
    assert row and row["role"] == "supervisor"
    assert passwords.check_password(PASSPHRASE, str(row["password_hash"]))
    duplicate = runner.invoke(app, ["users", "create", "ana@example.com", "--password", PASSPHRASE])
    assert isinstance(duplicate.exception, ConflictError)  # cli.main prints it, exit code 4
    bad_role = runner.invoke(
        app, ["users", "create", "bob@example.com", "--role", "root", "--password", PASSPHRASE]
    )
    assert bad_role.exit_code != 0
    assert "ana@example.com" in runner.invoke(app, ["users", "list"]).output
    changed = runner.invoke(app, ["users", "set-password", "ana@example.com", "--password", PASSPHRASE + "!"])
    assert changed.exit_code == 0, changed.output
    role = runner.invoke(app, ["users", "set-role", "ana@example.com", "viewer"])
    assert role.exit_code == 0, role.output
    assert conn.execute("SELECT role FROM users WHERE email = 'ana@example.com'").fetchone() == {
        "role": "viewer"
    }
    assert runner.invoke(app, ["users", "disable", "ana@example.com"]).exit_code == 0
    row = conn.execute("SELECT disabled FROM users WHERE email = 'ana@example.com'").fetchone()
    assert row == {"disabled": True}
    ghost = runner.invoke(app, ["users", "disable", "ghost@example.com"])
    assert isinstance(ghost.exception, NotFoundError)  # cli.main prints it, exit code 3


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("a@", PASSPHRASE),
        ("ana@example.com", "12345678"),
        ("ana@example.com", "motdepasse2026"),
        ("ana@example.com", "azertyuiop123"),
    ],
)
def test_weak_passwords_and_bad_emails_are_refused_without_traceback(
    runner: CliRunner, conn: Conn, email: str, password: str
) -> None:
    result = runner.invoke(app, ["users", "create", email, "--password", password])
    assert result.exit_code != 0
    assert isinstance(result.exception, PolicyError)  # cli.main prints its French reason, no traceback
    assert conn.execute("SELECT count(*) AS n FROM users").fetchone() == {"n": 0}


def test_a_long_passphrase_is_accepted_and_logs_in(runner: CliRunner, conn: Conn) -> None:
    phrase = "é" * 40 + " une phrase de passe bien plus longue que soixante-douze octets"
    result = runner.invoke(app, ["users", "create", "ana@example.com", "--password", phrase])
    assert result.exit_code == 0, result.output
    row = conn.execute("SELECT password_hash FROM users WHERE email = 'ana@example.com'").fetchone()
    assert row and passwords.check_password(phrase, str(row["password_hash"]))
    assert not passwords.check_password(phrase[:36], str(row["password_hash"]))


def test_api_tokens_list_and_revoke(runner: CliRunner, conn: Conn) -> None:
    runner.invoke(app, ["users", "create", "ana@example.com", "--password", PASSPHRASE])
    issued = runner.invoke(app, ["users", "token", "ana@example.com", "--days", "7", "--read-only"])
    value = issued.output.strip()
    assert issued.exit_code == 0 and value.startswith("mbt_")
    stored = conn.execute(
        "SELECT id, token_hash, scope, expires_at - created_at AS life FROM api_tokens"
    ).fetchone()
    assert stored and stored["token_hash"] == security.hash_api_token(value) and stored["scope"] == "read"
    assert stored["life"] == timedelta(days=7)
    listed = runner.invoke(app, ["users", "tokens", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)
    assert [(t["id"], t["email"], t["scope"], t["revoked_at"]) for t in items] == [
        (stored["id"], "ana@example.com", "read", None)
    ]
    assert "token_hash" not in items[0]
    assert runner.invoke(app, ["users", "tokens", "revoke", str(stored["id"])]).exit_code == 0
    again = runner.invoke(app, ["users", "tokens", "revoke", str(stored["id"])])
    assert isinstance(again.exception, NotFoundError)
    revoked = conn.execute("SELECT revoked_at FROM api_tokens").fetchone()
    assert revoked and revoked["revoked_at"] is not None
    assert runner.invoke(app, ["users", "token", "ana@example.com", "--days", "0"]).exit_code != 0


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


def test_cli_export_neutralises_formulas_like_the_dashboard(
    runner: CliRunner, conn: Conn, tmp_path: Path
) -> None:
    seeded = seed(conn, tmp_path / "rec")
    put_formulas(conn, seeded)
    out = tmp_path / "leads.csv"
    result = runner.invoke(app, ["leads", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_neutralised(out.read_text(encoding="utf-8"))


def test_purge_deletes_old_sessions_and_throttle_rows_only(
    runner: CliRunner, conn: Conn, tmp_path: Path
) -> None:
    seed(conn, tmp_path / "rec")
    user = "(SELECT id FROM users WHERE email = 'viewer@example.com')"
    for id_hash, created, expires, revoked in (
        ("old", "60 days", "-59 days", None),
        ("revoked", "2 days", "1 day", "1 day"),
        ("live", "0 days", "12 hours", None),
    ):
        conn.execute(
            "INSERT INTO dashboard_sessions"
            " (id_hash, user_id, created_at, last_seen_at, expires_at, revoked_at)"
            f" VALUES (%s, {user}, now() - %s::interval, now() - %s::interval, now() + %s::interval,"
            " now() - %s::interval)",
            (id_hash, created, created, expires, revoked),
        )
    conn.execute(
        "INSERT INTO login_throttle (key, email, attempts, window_start, locked_until) VALUES"
        " ('ip:stale', NULL, 3, now() - interval '2 days', NULL),"
        " ('pair:a@b.fr|x', 'a@b.fr', 0, now() - interval '2 days', now() + interval '1 hour'),"
        " ('ip:fresh', NULL, 3, now(), NULL)"
    )
    result = runner.invoke(app, ["dashboard", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 ended sessions and 1 login-throttle rows deleted" in result.output
    left = {r["id_hash"] for r in conn.execute("SELECT id_hash FROM dashboard_sessions").fetchall()}
    assert left == {"revoked", "live"}  # ended sessions stay 30 days for the record
    keys = {r["key"] for r in conn.execute("SELECT key FROM login_throttle").fetchall()}
    assert keys == {"pair:a@b.fr|x", "ip:fresh"}  # a lock still running is kept


def test_purge_command(runner: CliRunner, conn: Conn, tmp_path: Path) -> None:
    seeded = seed(conn, tmp_path / "rec")
    conn.execute(
        "UPDATE calls SET ended_at = now() - interval '400 days' WHERE id = %s", (seeded.ended_call_id,)
    )
    result = runner.invoke(app, ["dashboard", "purge", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "1 recordings" in result.output
    assert not (tmp_path / "rec" / "call-1.wav").exists()
