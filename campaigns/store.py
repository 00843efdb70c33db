"""Campaign lifecycle on a synchronous connection: create, list, start/pause/stop, delete, reports."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from campaigns import compliance, dnc, retry
from campaigns.models import AMD_BIASES, AMD_MODES, PROFILES, Campaign, CampaignSettings, ContactContext
from services.db import query
from services.errors import ComplianceError, ConfigError, ConflictError, NotFoundError

Conn = psycopg.Connection[dict[str, Any]]
# A caller id is a number (``+33123456789``), optionally with a display name: ``"MiniBot" <0123456789>``.
_CALLER_ID_RE = re.compile(r'^(?:"[^"<>]*"\s*<\+?[0-9]{3,15}>|\+?[0-9]{3,15})$')


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def validate(settings: CampaignSettings) -> None:
    """Reject settings the database or the dialer would refuse, with an actionable message."""
    if settings.caller_id and not _CALLER_ID_RE.match(settings.caller_id.strip()):
        raise ConfigError(
            f"caller id {settings.caller_id!r} is not a phone number; "
            'use digits with an optional +, e.g. +33123456789 or "MiniBot" <+33123456789>'
        )
    if settings.compliance_profile not in PROFILES:
        raise ConfigError(f"compliance profile must be one of {list(PROFILES)}")
    if settings.amd_mode not in AMD_MODES:
        raise ConfigError(f"AMD mode must be one of {list(AMD_MODES)}")
    if settings.amd_bias not in AMD_BIASES:
        raise ConfigError(f"AMD bias must be one of {list(AMD_BIASES)}")
    if "{number}" not in settings.endpoint_template:
        raise ConfigError("endpoint template must contain {number}, e.g. PJSIP/{number}@trunk")
    if settings.max_concurrent_calls < 1 or settings.calls_per_second <= 0 or settings.ring_timeout_s < 1:
        raise ConfigError("max concurrent calls, calls per second and ring timeout must be positive")
    retry.parse_policy(settings.retry_policy)


def _campaign(row: dict[str, Any]) -> Campaign:
    fields = {k: row[k] for k in CampaignSettings.__dataclass_fields__}
    return Campaign(
        row["id"],
        row["name"],
        row["status"],
        CampaignSettings(**fields),
        row["created_at"],
        row.get("status_reason") or "",
    )


def create(conn: Conn, name: str, settings: CampaignSettings) -> Campaign:
    """Create a draft campaign; ConflictError if the name is taken."""
    if not name.strip():
        raise ConfigError("a campaign needs a name, e.g. `minibot campaign create relance-decembre`")
    validate(settings)
    params = asdict(settings) | {"name": name, "retry_policy": Jsonb(settings.retry_policy)}
    try:
        row = conn.execute(query("campaigns", "create"), params).fetchone()
    except psycopg.errors.UniqueViolation:
        raise ConflictError(f"a campaign named {name!r} already exists") from None
    assert row is not None
    return _campaign(row)


def get(conn: Conn, ref: str | int) -> Campaign:
    """The campaign named ``ref``, else the one whose id is ``ref``; NotFoundError otherwise."""
    row = conn.execute(query("campaigns", "get_by_name"), {"name": str(ref)}).fetchone()
    if row is None and str(ref).strip().isdigit():
        row = conn.execute(query("campaigns", "get_by_id"), {"id": int(str(ref))}).fetchone()
    if row is None:
        raise NotFoundError(f"no campaign named {str(ref)!r} (see `minibot campaign list`)")
    return _campaign(row)


def list_all(conn: Conn) -> list[tuple[Campaign, int, int]]:
    """Every campaign with its contact count and pending queue rows."""
    rows = conn.execute(query("campaigns", "list")).fetchall()
    return [(_campaign(r), int(r["contacts"]), int(r["pending"])) for r in rows]


# The campaign state machine, the one place the CLI, the API and the dashboard ask:
# action -> (statuses it may start from, status it leads to).
#   draft --start--> running --pause--> paused --resume/start--> running
#   running|paused|draft --stop--> stopped --start--> running (cancelled calls queued again)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({"draft", "paused", "stopped", "finished"}), "running"),
    "pause": (frozenset({"running"}), "paused"),
    "resume": (frozenset({"paused"}), "running"),
    "stop": (frozenset({"draft", "running", "paused"}), "stopped"),
}


def allowed_actions(status: str) -> list[str]:
    """The actions the state machine allows from ``status`` (for buttons and messages)."""
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def _transition(conn: Conn, campaign: Campaign, action: str, now: datetime) -> Campaign:
    allowed, target = TRANSITIONS[action]
    if campaign.status not in allowed:
        possible = ", ".join(allowed_actions(campaign.status)) or "nothing"
        raise ConflictError(
            f"cannot {action} campaign {campaign.name!r}: it is {campaign.status} (possible: {possible})"
        )
    row = conn.execute(
        query("campaigns", "set_status"), {"id": campaign.id, "status": target, "now": now}
    ).fetchone()
    assert row is not None
    return _campaign(row)


def start(conn: Conn, name: str, now: datetime | None = None) -> tuple[Campaign, int, list[str]]:
    """Check consent rules, queue every contact not queued yet and mark the campaign running.

    Starting a stopped campaign queues again the calls its stop cancelled. Returns the campaign,
    the number of rows queued and warnings (e.g. an old Bloctel import). Raises ConflictError when
    it is already running, ComplianceError for a French non-B2B campaign lacking consent.
    """
    at = _now(now)
    campaign = get(conn, name)
    if campaign.status not in TRANSITIONS["start"][0]:
        _transition(conn, campaign, "start", at)  # raises the conflict
    s = campaign.settings
    if s.compliance_profile == "fr" and not s.b2b:
        row = conn.execute(query("campaigns", "missing_consent"), {"id": campaign.id}).fetchone()
        assert row is not None
        if row["missing"]:
            raise ComplianceError(
                f"campaign {name!r} uses the 'fr' profile and {row['missing']} of {row['total']} contacts "
                "have no consent recorded (opt-in, Code de la consommation art. L.223-1). Either mark the "
                "campaign B2B (`minibot campaign update NAME --b2b`) if it targets professionals, or "
                "record consent (`minibot contacts import FILE --campaign NAME --update` with a consent "
                "column)."
            )
    with conn.transaction():
        queued = conn.execute(query("queue", "enqueue"), {"campaign_id": campaign.id, "now": at}).rowcount
        queued += conn.execute(
            query("campaigns", "requeue_cancelled"), {"campaign_id": campaign.id, "now": at}
        ).rowcount
        campaign = _transition(conn, campaign, "start", at)
    warnings = [w for w in [dnc.staleness_warning(conn, at)] if w and s.compliance_profile == "fr"]
    return campaign, queued, warnings


def pause(conn: Conn, name: str, now: datetime | None = None) -> Campaign:
    """Stop claiming new calls (calls in progress finish)."""
    return _transition(conn, get(conn, name), "pause", _now(now))


def resume(conn: Conn, name: str, now: datetime | None = None) -> Campaign:
    """Resume a paused campaign."""
    return _transition(conn, get(conn, name), "resume", _now(now))


def stop(conn: Conn, name: str, now: datetime | None = None) -> tuple[Campaign, int]:
    """Stop the campaign and cancel its pending rows; return it and the rows cancelled."""
    at = _now(now)
    with conn.transaction():
        campaign = _transition(conn, get(conn, name), "stop", at)
        cancelled = conn.execute(
            query("queue", "cancel_pending"), {"campaign_id": campaign.id, "now": at}
        ).rowcount
    return campaign, cancelled


def update(
    conn: Conn, ref: str | int, changes: dict[str, Any], actor: str
) -> tuple[Campaign, dict[str, Any]]:
    """Change some settings of a campaign (any status), validated as at creation and audited.

    ``changes`` maps ``CampaignSettings`` fields to new values; returns the campaign and the
    changes actually made as ``{field: [old, new]}``.
    """
    campaign = get(conn, ref)
    unknown = set(changes) - set(CampaignSettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown campaign settings: {sorted(unknown)}")
    current = asdict(campaign.settings)
    diff = {k: [current[k], v] for k, v in changes.items() if current[k] != v}
    if not diff:
        return campaign, {}
    settings = CampaignSettings(**(current | changes))
    validate(settings)
    params = asdict(settings) | {"id": campaign.id, "retry_policy": Jsonb(settings.retry_policy)}
    with conn.transaction():
        row = conn.execute(query("campaigns", "update_settings"), params).fetchone()
        assert row is not None
        conn.execute(
            query("campaigns", "audit"),
            {
                "actor": actor,
                "action": "campaign.update",
                "target": f"campaign:{campaign.id}",
                "details": Jsonb({"changes": diff}),
            },
        )
    return _campaign(row), diff


def delete(conn: Conn, name: str) -> None:
    """Delete a campaign with its contacts, queue and calls; refuse while it is running."""
    campaign = get(conn, name)
    if campaign.status == "running":
        raise ConflictError(f"campaign {name!r} is running; pause or stop it before deleting it")
    conn.execute(query("campaigns", "delete"), {"id": campaign.id})


def status_counts(conn: Conn, name: str) -> tuple[dict[str, int], dict[str, int]]:
    """Queue rows per status and calls per outcome."""
    campaign = get(conn, name)
    queue = {
        r["status"]: int(r["n"])
        for r in conn.execute(query("campaigns", "queue_counts"), {"id": campaign.id})
    }
    calls = {
        r["outcome"]: int(r["n"])
        for r in conn.execute(query("campaigns", "outcome_counts"), {"id": campaign.id})
    }
    return queue, calls


def preview(
    conn: Conn, name: str, n: int = 10, now: datetime | None = None
) -> list[tuple[dict[str, Any], compliance.Decision]]:
    """The next ``n`` pending rows in claim order with the compliance decision for each at ``now``.

    A row not yet due is reported as waiting for its ``not_before`` (retry delay or reschedule).
    """
    at = _now(now)
    campaign = get(conn, name)
    rows = conn.execute(query("queue", "preview"), {"campaign_id": campaign.id, "n": n, "now": at}).fetchall()
    result = []
    for row in rows:
        ctx = ContactContext(
            phone=row["phone"],
            timezone=row["timezone"],
            consent=row["consent"],
            b2b=row["b2b"],
            in_dnc=row["in_dnc"],
            refused_at=row["refused_at"],
            recent_attempts=tuple(row["recent_attempts"] or ()),
        )
        due = max(at, row["not_before"])
        decision = compliance.check(row["compliance_profile"], ctx, due)
        if decision.allowed and due > at:
            decision = compliance.Decision(False, row["wait_reason"] or "waiting for retry delay", due)
        result.append((row, decision))
    return result
