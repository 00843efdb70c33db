"""The robot's scheduled jobs: campaign schedules, housekeeping, the daily summary, business metrics."""

from __future__ import annotations

import asyncio
import logging
import time as clock
from dataclasses import asdict
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from calls.scheduler import JobContext, JobSpec, daily, every
from campaigns import appointments, dnc, queue, reports, retention, scheduling
from campaigns.compliance import zone
from services import db
from services.config import Settings
from services.metrics import (
    CAMPAIGN_COST,
    CAMPAIGN_DIALLING,
    CAMPAIGN_FUNNEL,
    CAMPAIGN_RATE,
    CAMPAIGN_TALK_MINUTES,
    DNC_LIST_AGE,
    QUEUE_DEPTH,
)

log = logging.getLogger("minibot.scheduler")
STALE_TEMP_AGE = timedelta(days=1)
BLOCTEL_WARN_AGE = timedelta(days=30)


def rates(settings: Settings) -> reports.Rates:
    """The cost rates of the settings (``MINIBOT_COST_PER_CALL``, ``MINIBOT_COST_PER_MINUTE``)."""
    return reports.Rates(per_call=settings.cost_per_call, per_minute=settings.cost_per_minute)


async def apply_schedules(ctx: JobContext) -> dict[str, Any]:
    """Scheduled starts and stops, run windows, holidays and the Bloctel age gate."""

    def apply() -> list[scheduling.GateChange]:
        with db.connect(ctx.database_url) as conn:
            return scheduling.apply(conn, ctx.now, ctx.settings.dnc_max_age_days)

    changes = await asyncio.to_thread(apply)
    return {"changes": [asdict(c) for c in changes]}


async def reap_leases(ctx: JobContext) -> dict[str, Any]:
    """Expired leases (a robot that died) go back to pending with their attempt given back."""
    return {"reaped": await queue.reap_expired(ctx.pool, now=ctx.now)}


async def release_expired_holds(ctx: JobContext) -> dict[str, Any]:
    """Appointment holds of calls that ended without confirming (a robot that died) free their slot."""
    return {"released": await appointments.expire_holds(ctx.pool, ctx.now)}


async def purge_retention(ctx: JobContext) -> dict[str, Any]:
    """Recordings and transcripts past ``MINIBOT_RETENTION_DAYS`` (CNIL: 6 months at most)."""
    result = await retention.purge_expired(ctx.pool, ctx.settings.retention_days, ctx.now, "scheduler")
    return {"recordings": result.recordings, "files": result.files_deleted, "turns": result.transcripts}


def stale_temp_files(directories: list[Path], older_than: float) -> list[Path]:
    """Half-written ``*.tmp`` files (a process killed mid-write) last modified before ``older_than``."""
    found: list[Path] = []
    for directory in directories:
        if directory.is_dir():
            found.extend(p for p in directory.rglob("*.tmp") if p.stat().st_mtime < older_than)
    return found


async def clean_temp_files(ctx: JobContext) -> dict[str, Any]:
    """Delete stale temporary files of the TTS cache and the recordings."""
    directories = [ctx.settings.tts_cache_dir, ctx.settings.recordings_dir]
    cutoff = clock.time() - STALE_TEMP_AGE.total_seconds()
    stale = await asyncio.to_thread(stale_temp_files, directories, cutoff)
    removed = await asyncio.to_thread(retention.delete_files, [str(p) for p in stale])
    return {"removed": removed}


async def check_dnc_freshness(ctx: JobContext) -> dict[str, Any]:
    """Warn when the Bloctel list is missing or older than 30 days (re-check it monthly)."""

    def age() -> timedelta | None:
        with db.connect(ctx.database_url) as conn:
            return dnc.list_age(conn, ctx.now)

    found = await asyncio.to_thread(age)
    DNC_LIST_AGE.set(-1 if found is None else found.days)
    if found is None:
        log.warning("no Bloctel list was ever imported: `minibot dnc import FILE --source bloctel`")
    elif found > BLOCTEL_WARN_AGE:
        log.warning(
            "the Bloctel list is %d days old: import a fresh one (campaigns under the fr profile stop "
            "at %d days)",
            found.days,
            ctx.settings.dnc_max_age_days,
        )
    return {"age_days": None if found is None else found.days}


async def send_daily_summary(ctx: JobContext) -> dict[str, Any]:
    """Yesterday's funnel per campaign: logged, written as JSON and CSV, posted to the webhook."""
    day = ctx.now.astimezone(zone(ctx.settings.timezone)).date() - timedelta(days=1)

    def build() -> list[reports.Funnel]:
        with db.connect(ctx.database_url) as conn:
            return reports.daily_summary(conn, day, ctx.settings.timezone, rates(ctx.settings))

    summary = await asyncio.to_thread(build)
    json_path, _ = await asyncio.to_thread(reports.write_summary, summary, ctx.settings.reports_dir, day)
    for item in summary:
        log.info("summary %s %s: %s", day.isoformat(), item.campaign, asdict(item))
    url = ctx.settings.summary_webhook_url
    if url:
        body = {"day": day.isoformat(), "campaigns": [asdict(s) for s in summary]}
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(url, json=body) as resp:
            resp.raise_for_status()
    return {"day": day.isoformat(), "campaigns": len(summary), "file": str(json_path)}


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


async def refresh_business_metrics(ctx: JobContext) -> dict[str, Any]:
    """Business gauges per campaign (funnel, rates, talk minutes, cost) and the queue depth."""

    def read() -> tuple[list[reports.Funnel], list[dict[str, Any]], list[dict[str, Any]]]:
        with db.connect(ctx.database_url) as conn:
            funnels = reports.funnels(conn, *reports.ALL_TIME, rates(ctx.settings))
            depth = conn.execute(db.query("scheduler", "queue_depth")).fetchall()
            dialling = conn.execute(db.query("scheduler", "campaign_dialling")).fetchall()
            return funnels, depth, dialling

    funnels, depth, dialling = await asyncio.to_thread(read)
    for f in funnels:
        stages = {
            "dialled": f.dialled,
            "answered": f.answered,
            "human": f.humans,
            "qualified": f.qualified,
            "transferred": f.transferred,
        }
        for stage, count in stages.items():
            CAMPAIGN_FUNNEL.labels(campaign=f.campaign, stage=stage).set(count)
        CAMPAIGN_RATE.labels(campaign=f.campaign, rate="answer").set(_ratio(f.answered, f.dialled))
        CAMPAIGN_RATE.labels(campaign=f.campaign, rate="human").set(_ratio(f.humans, f.answered))
        CAMPAIGN_RATE.labels(campaign=f.campaign, rate="qualification").set(_ratio(f.qualified, f.humans))
        CAMPAIGN_RATE.labels(campaign=f.campaign, rate="transfer").set(_ratio(f.transferred, f.qualified))
        CAMPAIGN_TALK_MINUTES.labels(campaign=f.campaign).set(f.talk_minutes)
        CAMPAIGN_COST.labels(campaign=f.campaign, kind="total").set(f.cost)
        CAMPAIGN_COST.labels(campaign=f.campaign, kind="per_call").set(_ratio(f.cost, f.dialled))
        CAMPAIGN_COST.labels(campaign=f.campaign, kind="per_qualified_lead").set(f.cost_per_qualified or 0.0)
    for row in depth:
        QUEUE_DEPTH.labels(campaign=row["campaign"], status=row["status"]).set(int(row["n"]))
    for row in dialling:
        CAMPAIGN_DIALLING.labels(campaign=row["campaign"]).set(1 if row["dialling"] else 0)
    return {"campaigns": len(funnels)}


def robot_jobs(settings: Settings) -> list[JobSpec]:
    """Every job a robot schedules."""
    tz = settings.timezone
    return [
        JobSpec("campaign_schedule", "Campaign schedules and gates", every(30), apply_schedules),
        JobSpec("lease_reaper", "Return expired leases to the queue", every(60), reap_leases),
        JobSpec("appointment_holds", "Release expired appointment holds", every(60), release_expired_holds),
        JobSpec(
            "retention_purge", "Purge recordings and transcripts", daily(time(3, 15), tz), purge_retention
        ),
        JobSpec("temp_files", "Delete stale temporary files", daily(time(3, 45), tz), clean_temp_files),
        JobSpec("dnc_freshness", "Check the Bloctel list's age", daily(time(8, 0), tz), check_dnc_freshness),
        JobSpec(
            "daily_summary", "Yesterday's summary per campaign", daily(time(6, 0), tz), send_daily_summary
        ),
        JobSpec(
            "business_metrics", "Refresh business metrics", every(60), refresh_business_metrics, once=False
        ),
    ]


def describe_jobs(settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Each job's name, description and when its trigger fires next after ``now`` (no robot needed)."""
    return [
        {
            "job": job.name,
            "description": job.description,
            "trigger": job.schedule.describe,
            "next_run_at": job.schedule.trigger.get_next_fire_time(None, now),
        }
        for job in robot_jobs(settings)
    ]
