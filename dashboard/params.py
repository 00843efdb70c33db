"""Parsing of request parameters with bounds, so no value reaches the database it cannot hold."""

from __future__ import annotations

import re
from datetime import date

from dashboard import i18n

BIGINT_MAX = 2**63 - 1
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_INTEGER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only: str.isdigit() also accepts '²'


class FilterError(ValueError):
    """A parameter that cannot be used; ``key`` names its message in :mod:`dashboard.i18n`."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.in_language("en"))

    def in_language(self, lang: str) -> str:
        """The reason in ``lang``."""
        return i18n.translate(lang, self.key).format(**self.params)


def parse_int(raw: str | None, field: str, low: int = 1, high: int = BIGINT_MAX) -> int | None:
    """An integer within [low, high], None when empty; FilterError otherwise."""
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if not _INTEGER.fullmatch(text) or not low <= int(text) <= high:
        raise FilterError("invalid_integer", field=field, low=low, high=high)
    return int(text)


def parse_id(raw: str) -> int | None:
    """A database id from a URL path, or None when it cannot name a row (the caller answers 404)."""
    try:
        return parse_int(raw, "id")
    except FilterError:
        return None


def parse_date(raw: str | None, field: str) -> date | None:
    """A YYYY-MM-DD date between 2000 and 2100, None when empty; FilterError otherwise."""
    if raw is None or raw == "":
        return None
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        raise FilterError("invalid_date", field=field) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError("invalid_date", field=field)
    return day


def parse_choice(raw: str | None, field: str, choices: tuple[str, ...]) -> str | None:
    """One of ``choices``, None when empty; FilterError otherwise."""
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise FilterError("invalid_choice", field=field, choices=", ".join(choices))
    return raw
