"""Structured logs are JSON lines with context keys and masked phone numbers."""

from __future__ import annotations

import json
import logging

import pytest

from services.logs import JsonFormatter, TextFormatter, mask_digits

pytestmark = pytest.mark.unit


def _record(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("minibot.test", logging.INFO, __file__, 1, msg, None, None)
    record.__dict__.update(extra)
    return record


def test_mask_keeps_last_four_digits() -> None:
    assert mask_digits("dialling +33612345678 now") == "dialling *******5678 now"
    assert mask_digits("call 42 step 3") == "call 42 step 3"


def test_json_formatter_adds_context_and_masks() -> None:
    line = JsonFormatter().format(
        _record("originate +33612345678", call_id=7, campaign="c1", phone="0612345678")
    )
    payload = json.loads(line)
    assert payload["msg"] == "originate *******5678"
    assert payload["call_id"] == 7
    assert payload["campaign"] == "c1"
    assert payload["phone"] == "******5678"
    assert payload["level"] == "info"


def test_text_formatter_is_one_line() -> None:
    text = TextFormatter().format(_record("hello", step="q1"))
    assert "\n" not in text and text.endswith("step=q1")
