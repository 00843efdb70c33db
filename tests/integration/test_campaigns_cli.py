"""CLI of the campaign area (typer CliRunner): campaign, contacts, dnc commands and their exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from commands import campaign, contacts, dnc
from commands.common import ExitCode
from services.errors import ComplianceError, ConflictError, NotFoundError

pytestmark = pytest.mark.integration
runner = CliRunner()
root = typer.Typer()
root.add_typer(campaign.app, name="campaign")
root.add_typer(contacts.app, name="contacts")
root.add_typer(dnc.app, name="dnc")


def cli(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(root, list(args), input=stdin)


@pytest.fixture(autouse=True)
def _database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)


def test_campaign_lifecycle_through_cli(tmp_path: Path) -> None:
    created = cli("campaign", "create", "demo", "--profile", "fr", "--priority", "2", "--cps", "3")
    assert created.exit_code == 0, created.output
    assert isinstance(cli("campaign", "create", "demo").exception, ConflictError)
    csv = tmp_path / "c.csv"
    csv.write_text(
        "telephone;prenom;consent\n0611111111;Ana;\n0622222222;Bo;web\nbad;X;web\n", encoding="utf-8"
    )
    imported = cli("contacts", "import", str(csv), "--campaign", "demo")
    assert imported.exit_code == ExitCode.PARTIAL, imported.output
    assert "imported" in imported.output and "rejected" in imported.output
    refused = cli("campaign", "start", "demo")
    assert isinstance(refused.exception, ComplianceError)
    assert "1 of 2 contacts have no consent" in str(refused.exception)
    listed = cli("campaign", "list")
    assert listed.exit_code == 0 and "demo" in listed.output and "draft" in listed.output
    shown = cli("campaign", "show", "demo")
    assert "calls_per_second" in shown.output and "3.0" in shown.output


def test_start_status_preview_pause_stop_delete(tmp_path: Path) -> None:
    assert cli("campaign", "create", "b", "--b2b", "--profile", "none").exit_code == 0
    csv = tmp_path / "c.csv"
    csv.write_text("phone\n0611111111\n0622222222\n", encoding="utf-8")
    assert cli("contacts", "import", str(csv), "-c", "b").exit_code == 0
    started = cli("campaign", "start", "b")
    assert started.exit_code == 0 and "2 contacts queued" in started.output
    status = cli("campaign", "status", "b")
    assert status.exit_code == 0 and "pending" in status.output and "2" in status.output
    preview = cli("campaign", "preview", "b", "-n", "1")
    assert preview.exit_code == 0 and "******1111" in preview.output and "2222" not in preview.output
    assert cli("campaign", "pause", "b").exit_code == 0
    assert isinstance(cli("campaign", "pause", "b").exception, ConflictError)
    assert cli("campaign", "resume", "b").exit_code == 0
    stopped = cli("campaign", "stop", "b")
    assert "2 pending calls cancelled" in stopped.output
    assert cli("campaign", "delete", "b", stdin="n\n").exit_code == 1  # aborted
    assert cli("campaign", "delete", "b", "--yes").exit_code == 0
    assert isinstance(cli("campaign", "status", "b").exception, NotFoundError)


def test_import_errors_and_dnc_commands(tmp_path: Path) -> None:
    assert cli("campaign", "create", "c").exit_code == 0
    nophone = tmp_path / "n.csv"
    nophone.write_text("name\nAna\n", encoding="utf-8")
    assert "no phone column" in str(cli("contacts", "import", str(nophone), "-c", "c").exception)
    assert cli("dnc", "add", "06 11 11 11 11", "--reason", "asked").exit_code == 0
    listed = cli("dnc", "check", "+33611111111")
    assert listed.exit_code == 0 and "DO NOT CALL" in listed.output
    assert cli("dnc", "check", "0622222222").exit_code == ExitCode.NOT_FOUND
    assert cli("dnc", "remove", "0611111111").exit_code == 0
    assert cli("dnc", "remove", "0611111111").exit_code == ExitCode.NOT_FOUND
    bloctel = tmp_path / "bloctel.txt"
    bloctel.write_text("0633333333\n0644444444\noops\n", encoding="utf-8")
    imported = cli("dnc", "import", str(bloctel))
    assert imported.exit_code == ExitCode.PARTIAL and "2 numbers added" in imported.output
