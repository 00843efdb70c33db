"""Scheduled jobs of a robot process: APScheduler triggers, run once across robots via Postgres.

Every robot runs the same scheduler. A job's run belongs to a *slot* (the day of a daily job, the
interval of a periodic one); the first robot to insert the slot's ``scheduler_runs`` row runs it,
the others skip it. A failed run is retried with backoff (same slot, bounded attempts), and a slot
whose runner vanished (killed robot) is taken over once it is stale. Each job's next run is kept in
``scheduler_jobs``, so a robot restarted after a missed run runs it at once (misfire grace).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from campaigns.compliance import zone
from services.config import Settings
from services.db import query
from services.metrics import JOB_LAST_SUCCESS, JOB_RUNS

log = logging.getLogger("minibot.scheduler")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class JobContext:
    """What a job may use: the database, the settings, this robot's id and the run's instant."""

    pool: AsyncConnectionPool
    database_url: str
    settings: Settings
    owner: str
    now: datetime


JobFunc = Callable[[JobContext], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Schedule:
    """When a job runs (an APScheduler trigger), the slot a run belongs to, and its description."""

    trigger: BaseTrigger
    slot: Callable[[datetime], datetime]
    describe: str


def every(seconds: int) -> Schedule:
    """Every ``seconds``; a slot is one interval of the Unix clock."""

    def slot(now: datetime) -> datetime:
        stamp = int(now.timestamp()) // seconds * seconds
        return datetime.fromtimestamp(stamp, UTC)

    return Schedule(IntervalTrigger(seconds=seconds), slot, f"every {seconds} s")


def daily(at: time, tz: str) -> Schedule:
    """Every day at ``at`` in time zone ``tz``; a slot is one local day."""
    info = zone(tz)

    def slot(now: datetime) -> datetime:
        return datetime.combine(now.astimezone(info).date(), time(0), tzinfo=info)

    return Schedule(
        CronTrigger(hour=at.hour, minute=at.minute, timezone=info), slot, f"daily at {at:%H:%M} {tz}"
    )


@dataclass(frozen=True)
class JobSpec:
    """A named job: what it does, when, and whether one robot runs each slot (``once``) or all do."""

    name: str
    description: str
    schedule: Schedule
    run: JobFunc
    once: bool = True


@dataclass(frozen=True)
class RunnerOptions:
    """Retry and misfire policy (tests shorten the backoff)."""

    attempts: int = 3
    backoff_s: float = 5.0
    misfire_grace: timedelta = timedelta(hours=6)
    stale_after: timedelta = timedelta(minutes=15)


class JobRunner:
    """Runs ``jobs`` on an APScheduler event-loop scheduler for the life of a robot."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        database_url: str,
        settings: Settings,
        owner: str,
        jobs: list[JobSpec],
        *,
        options: RunnerOptions | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.pool = pool
        self.database_url = database_url
        self.settings = settings
        self.owner = owner
        self.jobs = {job.name: job for job in jobs}
        self.options = options or RunnerOptions()
        self.clock = clock
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    async def start(self) -> None:
        """Add every job (a missed run is due at once) and start the scheduler."""
        now = self.clock()
        for job in self.jobs.values():
            extra: dict[str, Any] = {}
            if await self._missed(job, now):
                extra["next_run_time"] = now
                log.info("job %s missed a run while no robot was up: running it now", job.name)
            self.scheduler.add_job(
                self.run_job,
                job.schedule.trigger,
                args=[job.name],
                id=job.name,
                name=job.description,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(self.options.misfire_grace.total_seconds()),
                **extra,
            )
        self.scheduler.start()
        for job in self.jobs.values():
            await self._save_next_run(job)

    async def stop(self) -> None:
        """Stop triggering jobs (a job in progress is cancelled with the event loop's tasks)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def next_run(self, name: str) -> datetime | None:
        """When APScheduler will next run job ``name``."""
        found = self.scheduler.get_job(name)
        return None if found is None else found.next_run_time

    async def _missed(self, job: JobSpec, now: datetime) -> bool:
        try:
            async with self.pool.connection() as conn:
                cur = await conn.execute(query("scheduler", "get_next_run"), {"job": job.name})
                row = cast(dict[str, Any] | None, await cur.fetchone())
        except Exception as exc:  # the database may be away: the trigger alone decides then
            log.warning("cannot read job %s's next run: %s", job.name, exc)
            return False
        due = None if row is None else row["next_run_at"]
        return due is not None and due <= now and now - due <= self.options.misfire_grace

    async def run_job(self, name: str) -> str:
        """Run job ``name`` for the current slot; return ``ok``, ``failed`` or ``skipped``."""
        job = self.jobs[name]
        result = await self._run_with_retries(job)
        JOB_RUNS.labels(job=name, result=result).inc()
        if result == "ok":
            JOB_LAST_SUCCESS.labels(job=name).set(self.clock().timestamp())
        await self._save_next_run(job)
        return result

    async def _run_with_retries(self, job: JobSpec) -> str:
        slot = job.schedule.slot(self.clock())
        for attempt in range(1, self.options.attempts + 1):
            now = self.clock()
            if job.once:
                try:
                    if not await self._claim(job, slot, now):
                        return "skipped"
                except Exception as exc:
                    log.error("job %s: cannot claim its run (%s); it runs at its next trigger", job.name, exc)
                    return "failed"
            try:
                result = await job.run(
                    JobContext(self.pool, self.database_url, self.settings, self.owner, now)
                )
            except Exception as exc:
                log.exception("job %s failed (attempt %d of %d)", job.name, attempt, self.options.attempts)
                if job.once:
                    await self._finish(job, slot, "failed", {}, f"{type(exc).__name__}: {exc}")
                if attempt < self.options.attempts:
                    await asyncio.sleep(self.options.backoff_s * 2 ** (attempt - 1))
                continue
            if job.once:
                await self._finish(job, slot, "ok", result, "")
            log.debug("job %s done: %s", job.name, result)
            return "ok"
        return "failed"

    async def _claim(self, job: JobSpec, slot: datetime, now: datetime) -> bool:
        params = {
            "job": job.name,
            "slot": slot,
            "owner": self.owner,
            "now": now,
            "max_attempts": self.options.attempts,
            "stale_before": now - self.options.stale_after,
        }
        async with self.pool.connection() as conn:
            cur = await conn.execute(query("scheduler", "claim_slot"), params)
            return await cur.fetchone() is not None

    async def _finish(
        self, job: JobSpec, slot: datetime, status: str, result: dict[str, Any], error: str
    ) -> None:
        params = {
            "job": job.name,
            "slot": slot,
            "owner": self.owner,
            "status": status,
            "now": self.clock(),
            "result": Jsonb(result),
            "error": error[:2000],
        }
        try:
            async with self.pool.connection() as conn:
                await conn.execute(query("scheduler", "finish_slot"), params)
        except Exception as exc:  # the run happened; only its record is lost
            log.warning("job %s: cannot record its result: %s", job.name, exc)

    async def _save_next_run(self, job: JobSpec) -> None:
        params = {
            "job": job.name,
            "trigger": job.schedule.describe,
            "next_run_at": self.next_run(job.name),
            "now": self.clock(),
        }
        try:
            async with self.pool.connection() as conn:
                await conn.execute(query("scheduler", "save_next_run"), params)
        except Exception as exc:
            log.warning("job %s: cannot save its next run: %s", job.name, exc)
