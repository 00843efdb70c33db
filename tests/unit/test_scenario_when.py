"""French date/time parsing for callbacks, relative to a given aware ``now``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scenarios.when import parse_when

pytestmark = pytest.mark.unit

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=PARIS)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rappelez-moi demain vers 14h", datetime(2026, 11, 24, 14, 0)),
        ("à 14h30", datetime(2026, 11, 23, 14, 30)),
        ("quatorze heures", datetime(2026, 11, 23, 14, 0)),
        ("vers deux heures", datetime(2026, 11, 23, 14, 0)),
        ("14 heures", datetime(2026, 11, 23, 14, 0)),
        ("demain midi", datetime(2026, 11, 24, 12, 0)),
        ("dans 2 heures", datetime(2026, 11, 23, 13, 0)),
        ("dans deux heures", datetime(2026, 11, 23, 13, 0)),
        ("ce soir", datetime(2026, 11, 23, 19, 0)),
        ("cet après-midi", datetime(2026, 11, 23, 15, 0)),
        ("après-demain", datetime(2026, 11, 25, 10, 0)),
        ("jeudi matin à 9h", datetime(2026, 11, 26, 9, 0)),
        ("lundi prochain", datetime(2026, 11, 30, 10, 0)),
        ("la semaine prochaine", datetime(2026, 11, 30, 10, 0)),
        ("demain vers dix heures et demie", datetime(2026, 11, 24, 10, 30)),
        ("vers 10h", datetime(2026, 11, 24, 10, 0)),  # already past today -> tomorrow
        ("vendredi à 17 h 15", datetime(2026, 11, 27, 17, 15)),
        ("dans une demi-heure", datetime(2026, 11, 23, 11, 30)),
        ("dans un quart d'heure", datetime(2026, 11, 23, 11, 15)),
        ("quatorze heures trente", datetime(2026, 11, 23, 14, 30)),
        ("sept heures du soir", datetime(2026, 11, 23, 19, 0)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected.replace(tzinfo=PARIS)


def test_result_is_aware_in_the_zone_of_now() -> None:
    result = parse_when("demain", NOW)
    assert result is not None and result.tzinfo is PARIS


@pytest.mark.parametrize("text", ["bonjour", "je ne sais pas", "", "à 27h"])
def test_unparseable_returns_none(text: str) -> None:
    assert parse_when(text, NOW) is None
