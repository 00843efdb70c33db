"""Values, numbers and dates as the dashboard shows them, in French and English."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard import i18n

pytestmark = pytest.mark.unit


def test_stored_values_read_in_the_page_language() -> None:
    assert i18n.value_label("fr", "lead_status", "not_interested") == "pas intéressé"
    assert i18n.value_label("en", "lead_status", "not_interested") == "not interested"
    assert i18n.value_label("fr", "amd", "notsure") == "incertain"
    assert (
        i18n.value_label("fr", "intent", "has_livret_a") == "has livret a"
    )  # scenario intents: no underscores
    assert i18n.value_label("fr", "outcome", None) == ""
    assert all(len(pair) == 2 and all(pair) for kind in i18n.VALUES.values() for pair in kind.values())


def test_numbers_and_percentages() -> None:
    assert i18n.format_number("fr", 1234567.5, 1) == "1\u202f234\u202f567,5"
    assert i18n.format_number("en", 1234567.5, 1) == "1,234,567.5"
    assert i18n.format_percent("fr", 0.125) == "12,5\u00a0%"
    assert i18n.format_percent("en", 0.125) == "12.5%"
    assert i18n.format_number("fr", None) == i18n.format_percent("fr", None) == "–"


def test_dates_in_the_given_zone() -> None:
    moment = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert i18n.format_datetime("fr", moment, "Europe/Paris") == "23/11/2026 09:00"
    assert i18n.format_datetime("fr", moment, "Indian/Reunion") == "23/11/2026 12:00"
    assert i18n.format_datetime("en", moment, "America/Martinique") == "2026-11-23 04:00"
    assert i18n.format_datetime("fr", moment, "Nowhere/Land") == "23/11/2026 08:00"  # unknown zone: UTC
    assert i18n.format_datetime("fr", date(2026, 11, 23)) == "23/11/2026"
    assert i18n.format_datetime("fr", None) == ""
