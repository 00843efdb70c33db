"""Campaign schedules and scheduled jobs on a real Postgres: gates the claim honours, scheduled
start/stop, the Bloctel age gate, run-once across robots, retries, misfires, the daily summary."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from apscheduler.events import EVENT_JOB_EXECUTED
from psycopg_pool import AsyncConnectionPool

from calls import jobs
from calls.scheduler import JobContext, JobRunner, JobSpec, RunnerOptions, daily
from campaigns import queue, reports, scheduling, store
from campaigns.models import CampaignSettings
from campaigns.schedule import CampaignSchedule, parse_window
from services.config import load_settings
from services.metrics import JOB_RUNS

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]
TUESDAY_11H_PARIS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
FAST = RunnerOptions(attempts=3, backoff_s=0.0)


def campaign_with_contacts(conn: Conn, name: str, profile: str = "none", contacts: int = 3) -> int:
    campaign = store.create(conn, name, CampaignSettings(compliance_profile=profile, b2b=True))
    conn.execute(
        "INSERT INTO contacts (campaign_id, phone, consent) "
        "SELECT %s, '+3361' || lpad(g::text, 7, '0'), 'yes' FROM generate_series(1, %s) g",
        (campaign.id, contacts),
    )
    return campaign.id


async def test_a_closed_window_stops_claims_until_it_opens(conn: Conn, pool: AsyncConnectionPool) -> None:
    campaign_with_contacts(conn, "windows")
    store.start(conn, "windows", now=TUESDAY_11H_PARIS)
    plan = CampaignSchedule(windows=(parse_window("mon-fri 17:00-19:30"),), timezone="Europe/Paris")
    scheduling.set_schedule(conn, "windows", plan, TUESDAY_11H_PARIS)
    changes = scheduling.apply(conn, TUESDAY_11H_PARIS, dnc_max_age_days=60)
    assert [(c.campaign, c.action) for c in changes] == [("windows", "closed")]
    assert await queue.claim(pool, 5, "r1", 120, now=TUESDAY_11H_PARIS) == []
    _, gate_open, reason = scheduling.schedule_of(conn, "windows")
    assert not gate_open and "outside the run windows" in reason
    evening = TUESDAY_11H_PARIS + timedelta(hours=7)  # 18:00 in Paris
    assert [c.action for c in scheduling.apply(conn, evening, 60)] == ["opened"]
    assert len(await queue.claim(pool, 5, "r1", 120, now=evening)) == 3
    assert scheduling.apply(conn, evening, 60) == []  # nothing changed, nothing written


def test_scheduled_start_and_stop(conn: Conn) -> None:
    campaign_with_contacts(conn, "dated")
    start, stop = TUESDAY_11H_PARIS + timedelta(hours=1), TUESDAY_11H_PARIS + timedelta(days=2)
    scheduling.set_schedule(conn, "dated", CampaignSchedule(starts_at=start, ends_at=stop), TUESDAY_11H_PARIS)
    scheduling.apply(conn, TUESDAY_11H_PARIS, 60)
    assert store.get(conn, "dated").status == "draft"
    started = scheduling.apply(conn, start, 60)
    assert ("dated", "started") in [(c.campaign, c.action) for c in started]
    assert store.get(conn, "dated").status == "running"
    assert conn.execute("SELECT count(*) AS n FROM call_queue WHERE status = 'pending'").fetchone() == {
        "n": 3
    }
    stopped = scheduling.apply(conn, stop, 60)
    assert ("dated", "stopped") in [(c.campaign, c.action) for c in stopped]
    assert store.get(conn, "dated").status == "stopped"
    assert conn.execute("SELECT count(*) AS n FROM call_queue WHERE status = 'pending'").fetchone() == {
        "n": 0
    }


def test_scheduled_start_refused_by_consent_rules_is_reported(conn: Conn) -> None:
    campaign = store.create(conn, "noconsent", CampaignSettings())
    conn.execute("INSERT INTO contacts (campaign_id, phone) VALUES (%s, '+33610000001')", (campaign.id,))
    scheduling.set_schedule(
        conn, "noconsent", CampaignSchedule(starts_at=TUESDAY_11H_PARIS), TUESDAY_11H_PARIS
    )
    changes = scheduling.apply(conn, TUESDAY_11H_PARIS, 60)
    refused = [c for c in changes if c.action == "start_refused"]
    assert refused and "consent" in refused[0].reason
    assert store.get(conn, "noconsent").status == "draft"


def test_an_old_bloctel_list_closes_fr_campaigns_only(conn: Conn) -> None:
    campaign_with_contacts(conn, "france", profile="fr")
    campaign_with_contacts(conn, "internal", profile="none")
    for name in ("france", "internal"):
        store.start(conn, name, now=TUESDAY_11H_PARIS)
    conn.execute(
        "INSERT INTO dnc_imports (source, file_name, rows_added, imported_at) "
        "VALUES ('bloctel', 'b.csv', 1, %s)",
        (TUESDAY_11H_PARIS - timedelta(days=61),),
    )
    changes = {c.campaign: c for c in scheduling.apply(conn, TUESDAY_11H_PARIS, dnc_max_age_days=60)}
    assert changes["france"].action == "closed" and "61 days old" in changes["france"].reason
    assert "internal" not in changes
    assert scheduling.apply(conn, TUESDAY_11H_PARIS, dnc_max_age_days=0)[0].action == "opened"


def counting_job(name: str, calls: list[str], *, fail_times: int = 0) -> JobSpec:
    async def run(ctx: JobContext) -> dict[str, Any]:
        calls.append(ctx.owner)
        if len(calls) <= fail_times:
            raise RuntimeError(f"boom {len(calls)}")
        return {"runs": len(calls)}

    return JobSpec(name, "test job", daily(time(3, 0), "Europe/Paris"), run)


async def test_each_slot_runs_once_across_robots(db_url: str, pool: AsyncConnectionPool) -> None:
    calls: list[str] = []
    settings = load_settings({})
    robots = [
        JobRunner(
            pool,
            db_url,
            settings,
            owner,
            [counting_job("once", calls)],
            options=FAST,
            clock=lambda: TUESDAY_11H_PARIS,
        )
        for owner in ("robot-a", "robot-b")
    ]
    assert [await r.run_job("once") for r in robots] == ["ok", "skipped"]
    assert calls == ["robot-a"]


async def test_a_failing_job_is_retried_then_reported(
    db_url: str, pool: AsyncConnectionPool, conn: Conn
) -> None:
    calls: list[str] = []
    runner = JobRunner(
        pool,
        db_url,
        load_settings({}),
        "r",
        [counting_job("flaky", calls, fail_times=2)],
        options=FAST,
        clock=lambda: TUESDAY_11H_PARIS,
    )
    assert await runner.run_job("flaky") == "ok"
    row = conn.execute("SELECT status, attempts, result FROM scheduler_runs WHERE job = 'flaky'").fetchone()
    assert row == {"status": "ok", "attempts": 3, "result": {"runs": 3}}
    before = JOB_RUNS.labels(job="broken", result="failed")._value.get()
    broken = JobRunner(
        pool,
        db_url,
        load_settings({}),
        "r",
        [counting_job("broken", [], fail_times=99)],
        options=FAST,
        clock=lambda: TUESDAY_11H_PARIS,
    )
    assert await broken.run_job("broken") == "failed"
    assert JOB_RUNS.labels(job="broken", result="failed")._value.get() == before + 1
    row = conn.execute("SELECT status, attempts, error FROM scheduler_runs WHERE job = 'broken'").fetchone()
    assert row is not None and row["status"] == "failed" and row["attempts"] == 3
    assert "RuntimeError: boom 3" in row["error"]


async def test_a_run_missed_while_no_robot_was_up_runs_at_start(
    db_url: str, pool: AsyncConnectionPool, conn: Conn
) -> None:
    now = datetime.now(UTC)  # APScheduler runs on the wall clock
    conn.execute(
        "INSERT INTO scheduler_jobs (job, trigger, next_run_at) "
        "VALUES ('missed', 'd', %s), ('later', 'd', %s)",
        (now - timedelta(hours=2), now + timedelta(hours=5)),
    )
    done = asyncio.Event()
    calls: list[str] = []

    async def missed(ctx: JobContext) -> dict[str, Any]:
        calls.append("missed")
        return {}

    specs = [
        JobSpec("missed", "m", daily(time(3, 0), "Europe/Paris"), missed),
        JobSpec("later", "l", daily(time(3, 0), "Europe/Paris"), counting_job("x", calls).run),
    ]
    runner = JobRunner(pool, db_url, load_settings({}), "r", specs, options=FAST)
    runner.scheduler.add_listener(lambda event: done.set(), EVENT_JOB_EXECUTED)  # run_job returned
    await runner.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=30)
    finally:
        await runner.stop()
    assert calls == ["missed"]  # the job whose run is still to come did not run
    row = conn.execute("SELECT status FROM scheduler_runs WHERE job = 'missed'").fetchone()
    assert row == {"status": "ok"}


def add_call(
    conn: Conn, campaign_id: int, created: datetime, *, answered: bool, amd: str, lead: str | None
) -> None:
    call = conn.execute(
        "INSERT INTO calls (campaign_id, status, created_at, answered_at, ended_at, amd_result, outcome) "
        "VALUES (%s, 'ended', %s, %s, %s, %s, 'answered') RETURNING id",
        (
            campaign_id,
            created,
            created if answered else None,
            created + timedelta(seconds=90),
            amd,
        ),
    ).fetchone()
    assert call is not None
    if lead:
        conn.execute(
            "INSERT INTO leads (call_id, campaign_id, status) VALUES (%s, %s, %s)",
            (call["id"], campaign_id, lead),
        )


async def test_daily_summary_is_written_and_posted(
    db_url: str, pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    campaign = campaign_with_contacts(conn, "bilan")
    yesterday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    add_call(conn, campaign, yesterday, answered=True, amd="human", lead="qualified")
    add_call(conn, campaign, yesterday, answered=True, amd="machine", lead=None)
    add_call(conn, campaign, yesterday, answered=False, amd="", lead=None)
    add_call(conn, campaign, TUESDAY_11H_PARIS, answered=True, amd="human", lead="qualified")  # today
    received: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    async with TestServer(app) as server:
        settings = load_settings(
            {},
            reports_dir=tmp_path,
            cost_per_call=0.01,
            cost_per_minute=0.02,
            summary_webhook_url=str(server.make_url("/hook")),
        )
        ctx = JobContext(pool, db_url, settings, "r", TUESDAY_11H_PARIS)
        result = await jobs.send_daily_summary(ctx)
    assert result["day"] == "2026-11-30" and result["campaigns"] == 1
    rows = json.loads((tmp_path / "summary-2026-11-30.json").read_text())
    assert rows == [
        {
            "day": "2026-11-30",
            "campaign": "bilan",
            "dialled": 3,
            "answered": 2,
            "humans": 1,
            "qualified": 1,
            "transferred": 0,
            "talk_minutes": 3.0,
            "cost": 0.09,
            "cost_per_qualified": 0.09,
        }
    ]
    assert (tmp_path / "summary-2026-11-30.csv").read_text().startswith("day,campaign,dialled")
    assert received == [
        {"day": "2026-11-30", "campaigns": rows and [{k: v for k, v in rows[0].items() if k != "day"}]}
    ]


def test_funnel_costs() -> None:
    assert reports.cost(10, 600.0, reports.Rates(per_call=0.01, per_minute=0.02)) == 0.3


async def test_business_metrics_refresh(db_url: str, pool: AsyncConnectionPool, conn: Conn) -> None:
    from services.metrics import CAMPAIGN_DIALLING, CAMPAIGN_FUNNEL, CAMPAIGN_RATE, QUEUE_DEPTH

    campaign = campaign_with_contacts(conn, "kpi")
    store.start(conn, "kpi", now=TUESDAY_11H_PARIS)
    add_call(conn, campaign, TUESDAY_11H_PARIS, answered=True, amd="human", lead="qualified")
    add_call(conn, campaign, TUESDAY_11H_PARIS, answered=False, amd="", lead=None)
    ctx = JobContext(pool, db_url, load_settings({}), "r", TUESDAY_11H_PARIS)
    await jobs.refresh_business_metrics(ctx)
    assert CAMPAIGN_FUNNEL.labels(campaign="kpi", stage="dialled")._value.get() == 2
    assert CAMPAIGN_FUNNEL.labels(campaign="kpi", stage="qualified")._value.get() == 1
    assert CAMPAIGN_RATE.labels(campaign="kpi", rate="answer")._value.get() == 0.5
    assert QUEUE_DEPTH.labels(campaign="kpi", status="pending")._value.get() == 3
    assert CAMPAIGN_DIALLING.labels(campaign="kpi")._value.get() == 1


def test_stale_temp_files_are_found(tmp_path: Path) -> None:
    import os

    old, fresh = tmp_path / "a.wav.123.tmp", tmp_path / "b.wav.456.tmp"
    for path in (old, fresh):
        path.write_bytes(b"x")
    os.utime(old, (1_000, 1_000))
    assert jobs.stale_temp_files([tmp_path, tmp_path / "missing"], older_than=2_000) == [old]
