"""Retry policy: per call outcome, how many attempts in total and how long to wait between them.

Stored as JSON in ``campaigns.retry_policy``; missing outcomes take the defaults below::

    {"busy": {"max_attempts": 3, "delay_s": 900}, "no_answer": {"max_attempts": 4, "delay_s": 7200}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.errors import ConfigError


@dataclass(frozen=True)
class Rule:
    """Retry an outcome while ``attempt < max_attempts``, ``delay_s`` seconds later."""

    max_attempts: int
    delay_s: int


DEFAULT_RULES: dict[str, Rule] = {
    "busy": Rule(max_attempts=3, delay_s=15 * 60),
    "no_answer": Rule(max_attempts=3, delay_s=2 * 3600),
    "failed": Rule(max_attempts=2, delay_s=3600),
    "congestion": Rule(max_attempts=3, delay_s=10 * 60),
    "machine": Rule(max_attempts=2, delay_s=4 * 3600),
}
FINAL_OUTCOMES = frozenset({"answered", "completed", "invalid_number", "rejected", "dnc"})
OUTCOMES = frozenset(DEFAULT_RULES) | FINAL_OUTCOMES


@dataclass(frozen=True)
class Verdict:
    """What to do with a queue row after an outcome: retry at ``not_before`` or stop."""

    retry: bool
    not_before: datetime | None = None


def parse_policy(raw: Mapping[str, Any] | None) -> dict[str, Rule]:
    """Merge a campaign's JSON policy over the defaults; reject unknown outcomes and bad values."""
    rules = dict(DEFAULT_RULES)
    for outcome, spec in (raw or {}).items():
        if outcome not in DEFAULT_RULES:
            raise ConfigError(
                f"retry policy: {outcome!r} cannot be retried; retryable outcomes: {sorted(DEFAULT_RULES)}"
            )
        if not isinstance(spec, Mapping):
            raise ConfigError(f"retry policy: {outcome!r} must be an object with max_attempts and delay_s")
        base = DEFAULT_RULES[outcome]
        max_attempts = spec.get("max_attempts", base.max_attempts)
        delay_s = spec.get("delay_s", base.delay_s)
        if (
            not isinstance(max_attempts, int)
            or not isinstance(delay_s, int)
            or max_attempts < 1
            or delay_s < 0
        ):
            raise ConfigError(f"retry policy: {outcome!r} needs integer max_attempts >= 1 and delay_s >= 0")
        rules[outcome] = Rule(max_attempts, delay_s)
    return rules


def decide(rules: Mapping[str, Rule], outcome: str, attempt: int, now: datetime) -> Verdict:
    """Decide after dial number ``attempt`` ended with ``outcome`` (one of :data:`OUTCOMES`)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown call outcome {outcome!r}; expected one of {sorted(OUTCOMES)}")
    rule = rules.get(outcome)
    if rule is None or attempt >= rule.max_attempts:
        return Verdict(retry=False)
    return Verdict(retry=True, not_before=now + timedelta(seconds=rule.delay_s))
