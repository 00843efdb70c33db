"""Pure dashboard helpers: masking, language choice, filters and cursors, CSV cells, charts.

No I/O: these are unit tests living next to the dashboard's integration tests (they may move to tests/unit).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard import i18n, security, svg
from dashboard.export import csv_cell
from dashboard.store import FilterError, LeadFilter, encode_cursor

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+33612341234", "+33*****1234"), ("+14155550123", "+14*****0123"), ("123", "***"), (None, "")],
)
def test_mask_phone(phone: str | None, masked: str) -> None:
    assert security.mask_phone(phone) == masked


def test_redact_only_for_viewers() -> None:
    rows: list[dict[str, object]] = [{"phone": "+33612341234", "id": 1}]
    assert security.redact(rows, "supervisor") == rows
    assert security.redact(rows, "viewer") == [{"phone": "+33*****1234", "id": 1}]


def test_roles_are_ordered() -> None:
    assert security.role_at_least("admin", "supervisor")
    assert not security.role_at_least("viewer", "supervisor")
    assert not security.role_at_least("root", "viewer")


def test_language_choice() -> None:
    assert i18n.pick_language("en", "fr", "fr-FR", "fr") == "en"
    assert i18n.pick_language(None, "en", "fr-FR", "fr") == "en"
    assert i18n.pick_language(None, None, "de-DE,en;q=0.8", "fr") == "en"
    assert i18n.pick_language("xx", None, None, "fr") == "fr"
    assert i18n.translate("fr", "leads") == "Prospects" and i18n.translate("en", "leads") == "Leads"
    assert all(set(entry) == {"fr", "en"} for entry in i18n.LABELS.values())


def test_lead_filter_parse_and_round_trip() -> None:
    flt = LeadFilter.parse(
        {"campaign_id": "3", "status": "qualified", "until": "2026-11-30", "sort": "score"}
    )
    assert (flt.campaign_id, flt.status, flt.until, flt.sort) == (3, "qualified", date(2026, 11, 30), "score")
    assert flt.sql_params(10)["until"] == date(2026, 12, 1)  # inclusive day
    assert LeadFilter.parse(flt.query_params()) == flt
    for bad in ({"status": "maybe"}, {"min_score": "high"}, {"since": "yesterday"}, {"sort": "name"}):
        with pytest.raises(FilterError):
            LeadFilter.parse(bad)


def test_cursor_must_match_the_sort_order() -> None:
    created = datetime(2026, 11, 23, tzinfo=UTC)
    recent = LeadFilter(cursor=encode_cursor(created.isoformat(), 42))
    assert recent.sql_params(5)["after_created"] == created and recent.sql_params(5)["after_id"] == 42
    with pytest.raises(ValueError, match="invalid"):
        LeadFilter(sort="score", cursor="not-base64!").sql_params(5)
    with pytest.raises(ValueError):
        LeadFilter(sort="score", cursor=encode_cursor(created.isoformat(), 1)).sql_params(5)


def test_csv_cells_neutralise_formulas_but_keep_phone_numbers() -> None:
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("+33612341234") == "+33612341234"
    assert csv_cell(None) == ""


def test_charts_escape_labels_and_scale() -> None:
    chart = str(svg.bar_chart([("<b>", 2), ("x", 4)]))
    assert "&lt;b&gt;" in chart and "<b>" not in chart and chart.count("<rect") == 2
    assert 'height="120.0"' in chart  # the tallest bar fills the chart
    timeline = str(svg.sentiment_timeline([(0, "positive"), (1000, "negative"), (500, "unknown")]))
    assert timeline.count("<circle") == 2
