"""Dataclasses of the campaign domain: campaign settings, claimed calls, import reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PROFILES = ("fr", "us-tcpa", "none")
AMD_MODES = ("off", "asterisk", "bot", "hybrid")
AMD_BIASES = ("human", "balanced", "machine")  # services.amd.BIASES: the thresholds of each
STATUSES = ("draft", "running", "paused", "stopped", "finished")


@dataclass(frozen=True)
class CampaignSettings:
    """Everything an operator sets on a campaign (defaults mirror the schema)."""

    scenario: str = "patrimoine"
    endpoint_template: str = "PJSIP/{number}@trunk"
    caller_id: str = ""
    max_concurrent_calls: int = 5
    calls_per_second: float = 1.0
    ring_timeout_s: int = 30
    retry_policy: dict[str, Any] = field(default_factory=dict)
    compliance_profile: str = "fr"
    b2b: bool = False
    amd_mode: str = "hybrid"
    record_calls: bool = True
    priority: int = 0
    amd_bias: str = "balanced"


@dataclass(frozen=True)
class Campaign:
    """A campaign row."""

    id: int
    name: str
    status: str
    settings: CampaignSettings
    created_at: datetime
    status_reason: str = ""  # why a robot paused it (failed preflight); cleared by any status change


@dataclass(frozen=True)
class ContactContext:
    """What compliance needs to know about one contact at dial time."""

    phone: str
    timezone: str = "Europe/Paris"
    consent: str = ""
    b2b: bool = False
    in_dnc: bool = False
    refused_at: datetime | None = None
    recent_attempts: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class ClaimedCall:
    """One leased call-queue row with everything the dialer needs to place the call."""

    queue_id: int
    attempt: int
    lease_owner: str
    lease_expires: datetime
    campaign_id: int
    campaign_name: str
    scenario: str
    endpoint_template: str
    caller_id: str
    ring_timeout_s: int
    amd_mode: str
    record_calls: bool
    compliance_profile: str
    b2b: bool
    calls_per_second: float
    contact_id: int
    phone: str
    first_name: str
    last_name: str
    timezone: str
    consent: str
    extra: dict[str, Any]
    refused_at: datetime | None
    in_dnc: bool
    recent_attempts: tuple[datetime, ...]
    amd_bias: str = "balanced"

    @property
    def endpoint(self) -> str:
        """The dial string: the campaign template with ``{number}`` replaced by the phone."""
        return self.endpoint_template.replace("{number}", self.phone)

    def contact_context(self) -> ContactContext:
        """The compliance view of this call's contact."""
        return ContactContext(
            phone=self.phone,
            timezone=self.timezone,
            consent=self.consent,
            b2b=self.b2b,
            in_dnc=self.in_dnc,
            refused_at=self.refused_at,
            recent_attempts=self.recent_attempts,
        )


@dataclass
class ImportReport:
    """Counts of one contact (or DNC) import."""

    read: int = 0
    imported: int = 0
    updated: int = 0  # contacts already there whose fields changed (``contacts import --update``)
    duplicate: int = 0
    dnc: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rejects_file: str | None = None
    encoding: str = "utf-8"

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of wall time."""
        return self.read / self.seconds if self.seconds > 0 else 0.0
