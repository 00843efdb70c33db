"""`minibot campaign schedule`, `campaign status` with a schedule, and `minibot jobs list`."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner, Result

from commands import campaign, jobs

pytestmark = pytest.mark.integration
runner = CliRunner()
root = typer.Typer()
root.add_typer(campaign.app, name="campaign")
root.add_typer(jobs.app, name="jobs")


def cli(*args: str) -> Result:
    return runner.invoke(root, list(args))


@pytest.fixture(autouse=True)
def _database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIBOT_DATABASE_URL", db_url)


def test_schedule_a_campaign_and_see_it_in_status() -> None:
    assert cli("campaign", "create", "hiver", "--profile", "none").exit_code == 0
    set_ = cli(
        "campaign",
        "schedule",
        "hiver",
        "--start",
        "2026-12-14T09:00",
        "--window",
        "mon-fri 10:00-12:30",
        "--window",
        "mon-fri 17:00-19:30",
        "--holidays",
        "FR-974",
    )
    assert set_.exit_code == 0, set_.output
    assert "windows mon-fri 10:00-12:30, mon-fri 17:00-19:30" in set_.output and "FR-974" in set_.output
    status = cli("campaign", "status", "hiver")
    assert "starts 2026-12-14 09:00" in status.output
    bad = cli("campaign", "schedule", "hiver", "--window", "weekdays 10-12")
    assert bad.exit_code == 2 and "mon-fri 10:00-12:30" in bad.output
    cleared = cli("campaign", "schedule", "hiver", "--clear")
    assert "no schedule" in cleared.output


def test_jobs_list_shows_every_job_with_its_next_run() -> None:
    listed = cli("jobs", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {r["job"]: r for r in json.loads(listed.output)}
    assert {"campaign_schedule", "retention_purge", "daily_summary", "dnc_freshness"} <= set(rows)
    assert rows["retention_purge"]["trigger"] == "daily at 03:15 Europe/Paris"
    assert rows["retention_purge"]["next_run_at"] and rows["retention_purge"]["last_status"] is None
    assert "scheduled jobs" in cli("jobs", "list").output
