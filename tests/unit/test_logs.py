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


@pytest.mark.parametrize(
    "text",
    [
        '127.0.0.1 - - [02/Dec/2026:18:24:29 +0000] "GET /health HTTP/1.1" 200 1534',
        "listening on 10.0.0.12:40000 and [::1]:8088",
        "ts=2026-12-02T18:24:29.123+01:00 at 2026-12-02 18:24:29,123",
        "port 5060 rtp 10000-20000 call_id=1733160000123 channel 1733160000.123",
        "campaign 12 queue 1234567890 attempt 3 on 01.02.2026 12:00",
    ],
)
def test_mask_leaves_addresses_times_ports_and_ids(text: str) -> None:
    assert mask_digits(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("dial +33612345678 200 OK", "dial *******5678 200 OK"),
        ("dial +33 6 12 34 56 78.", "dial *******5678."),
        ("PJSIP/0612345678@trunk", "PJSIP/******5678@trunk"),
        ("06 12 34 56 78 / 06.12.34.56.78", "******5678 / ******5678"),
        ("0033612345678", "*********5678"),
        ("Martinique +596696123433", "Martinique ********3433"),
        ("+1 212-555-0123 answered", "*******0123 answered"),
    ],
)
def test_mask_hides_phone_numbers_in_every_format(text: str, masked: str) -> None:
    assert mask_digits(text) == masked
