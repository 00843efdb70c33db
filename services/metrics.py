"""Prometheus metrics of the robot process, and the HTTP endpoints that expose them with health checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry()

CALLS_ORIGINATED = Counter(
    "minibot_calls_originated_total", "Calls originated", ["campaign"], registry=REGISTRY
)
CALL_OUTCOMES = Counter(
    "minibot_call_outcomes_total", "Settled calls by outcome", ["outcome"], registry=REGISTRY
)
ADMISSION_CAP = Gauge(
    "minibot_admission_cap",
    "Calls this process may hold now: the global cap, lowered by admission control under lag",
    registry=REGISTRY,
)
ACTIVE_CALLS = Gauge("minibot_active_calls", "Calls in progress in this process", registry=REGISTRY)
TURN_LATENCY = Histogram(
    "minibot_turn_latency_seconds",
    "End of caller speech to first bot audio frame",
    buckets=(0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1.0, 2.0),
    registry=REGISTRY,
)
BARGE_INS = Counter("minibot_barge_ins_total", "Caller interruptions of bot audio", registry=REGISTRY)
LOOP_LAG = Histogram(
    "minibot_event_loop_lag_seconds",
    "Event-loop scheduling lag",
    buckets=(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
    registry=REGISTRY,
)
NLP_FALLBACKS = Counter(
    "minibot_nlp_fallbacks_total",
    "Language model answers not used (fast path or heuristics instead), by lane and reason",
    ["lane", "reason"],
    registry=REGISTRY,
)

FUNNEL_STAGES = ("dialled", "answered", "human", "qualified", "transferred")
CAMPAIGN_FUNNEL = Gauge(
    "minibot_campaign_funnel_calls",
    "Calls of a campaign that reached each funnel stage (all time, from the database)",
    ["campaign", "stage"],
    registry=REGISTRY,
)
CAMPAIGN_RATE = Gauge(
    "minibot_campaign_rate_ratio",
    "Business rates of a campaign: answer, human (of answered), qualification (of humans), transfer",
    ["campaign", "rate"],
    registry=REGISTRY,
)
CAMPAIGN_TALK_MINUTES = Gauge(
    "minibot_campaign_talk_minutes",
    "Minutes of talk of a campaign (all time)",
    ["campaign"],
    registry=REGISTRY,
)
CAMPAIGN_COST = Gauge(
    "minibot_campaign_cost",
    "What a campaign cost from MINIBOT_COST_PER_CALL and MINIBOT_COST_PER_MINUTE: total, per call, "
    "per qualified lead",
    ["campaign", "kind"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "minibot_queue_rows", "Call-queue rows by campaign and status", ["campaign", "status"], registry=REGISTRY
)
DNC_LIST_AGE = Gauge(
    "minibot_dnc_list_age_days",
    "Age of the latest Bloctel import in days (-1: never imported)",
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "minibot_scheduler_job_runs_total",
    "Scheduled job runs by result (ok, failed, skipped: another robot ran the slot)",
    ["job", "result"],
    registry=REGISTRY,
)
JOB_LAST_SUCCESS = Gauge(
    "minibot_scheduler_job_last_success_timestamp_seconds",
    "When each scheduled job last succeeded (Unix time)",
    ["job"],
    registry=REGISTRY,
)

CAMPAIGN_DIALLING = Gauge(
    "minibot_campaign_dialling",
    "1 while a campaign is running inside its schedule, else 0",
    ["campaign"],
    registry=REGISTRY,
)
CALLS_ANSWERED = Counter(
    "minibot_calls_answered_total", "Answered calls that got a conversation", ["campaign"], registry=REGISTRY
)
CALLS_ABANDONED = Counter(
    "minibot_calls_abandoned_total",
    "Answered calls (not answering machines) in which the callee never heard the bot",
    ["campaign"],
    registry=REGISTRY,
)
AMD_VERDICTS = Counter("minibot_amd_verdicts_total", "AMD verdicts", ["verdict"], registry=REGISTRY)
AMD_DECISION = Histogram(
    "minibot_amd_decision_seconds",
    "Answer to AMD verdict",
    buckets=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 8.0),
    registry=REGISTRY,
)
ASR_LAG = Histogram(
    "minibot_asr_lag_seconds",
    "End-of-speech decision to final transcript",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0),
    registry=REGISTRY,
)
NLP_DECISIONS = Counter(
    "minibot_nlp_decisions_total", "Caller turns understood, by who decided", ["source"], registry=REGISTRY
)
ARI_UP = Gauge("minibot_ari_up", "1 while the robot may dial through ARI, else 0", registry=REGISTRY)
ARI_RECONNECTS = Counter(
    "minibot_ari_reconnects_total", "Reconnections of the ARI event stream", registry=REGISTRY
)
RECORDING_ERRORS = Counter(
    "minibot_recording_errors_total",
    "Call recordings stopped by a write error (directory read-only, disk full)",
    registry=REGISTRY,
)
DB_ERRORS = Counter(
    "minibot_db_errors_total", "Database operations that failed and were kept for later", registry=REGISTRY
)


def count_answered_call(campaign: str, *, heard_bot: bool, machine: bool) -> None:
    """Count an answered call, and an abandoned one when a person never heard the bot."""
    CALLS_ANSWERED.labels(campaign=campaign).inc()
    if not heard_bot and not machine:
        CALLS_ABANDONED.labels(campaign=campaign).inc()


HealthCheck = Callable[[], Awaitable[dict[str, object]]]


async def _metrics(_: web.Request) -> web.Response:
    return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


def health_app(checks: dict[str, HealthCheck], optional: Collection[str] = ()) -> web.Application:
    """An app with ``/metrics``, ``/health`` (all checks) and ``/health/<name>`` (one check).

    A check returns a dict with at least ``ok``; ``/health/<name>`` answers 200 when ok, else 503.
    ``/health`` answers what stops calls: ``status`` is ``down`` (503) when a required check fails,
    ``degraded`` (200, failing names under ``degraded``) when only ``optional`` ones do, else ``ok``.
    """

    async def one(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in checks:
            raise web.HTTPNotFound(text=f"no health check named {name!r}")
        report = await checks[name]()
        return web.json_response(report, status=200 if report.get("ok") else 503)

    async def all_checks(_: web.Request) -> web.Response:
        reports = {name: await check() for name, check in checks.items()}
        failing = [name for name, r in reports.items() if not r.get("ok")]
        ok = not [name for name in failing if name not in optional]
        status = "down" if not ok else ("degraded" if failing else "ok")
        body = {
            "status": status,
            "ok": ok,
            "degraded": [n for n in failing if n in optional],
            "checks": reports,
        }
        return web.json_response(body, status=200 if ok else 503)

    app = web.Application()
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/health", all_checks)
    app.router.add_get("/health/{name}", one)
    return app
