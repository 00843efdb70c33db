"""Retry policy: defaults, per-outcome overrides, final outcomes, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaigns import retry
from services.errors import ConfigError

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_defaults_retry_busy_until_max_attempts() -> None:
    rules = retry.parse_policy({})
    assert retry.decide(rules, "busy", 1, NOW) == retry.Verdict(True, NOW + timedelta(minutes=15))
    assert retry.decide(rules, "busy", 2, NOW).retry
    assert retry.decide(rules, "busy", 3, NOW) == retry.Verdict(False)


@pytest.mark.parametrize("outcome", sorted(retry.FINAL_OUTCOMES))
def test_final_outcomes_never_retry(outcome: str) -> None:
    assert retry.decide(retry.parse_policy(None), outcome, 1, NOW) == retry.Verdict(False)


def test_override_merges_with_defaults() -> None:
    rules = retry.parse_policy({"no_answer": {"max_attempts": 5}, "machine": {"delay_s": 60}})
    assert rules["no_answer"] == retry.Rule(5, retry.DEFAULT_RULES["no_answer"].delay_s)
    assert retry.decide(rules, "machine", 1, NOW).not_before == NOW + timedelta(seconds=60)
    assert rules["busy"] == retry.DEFAULT_RULES["busy"]


@pytest.mark.parametrize(
    "policy",
    [
        {"answered": {"max_attempts": 2}},
        {"busy": 3},
        {"busy": {"max_attempts": 0}},
        {"busy": {"delay_s": "1h"}},
    ],
)
def test_invalid_policies_rejected(policy: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        retry.parse_policy(policy)


def test_unknown_outcome_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown call outcome"):
        retry.decide(retry.DEFAULT_RULES, "exploded", 1, NOW)
