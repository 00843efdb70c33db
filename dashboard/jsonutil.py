"""JSON encoding of database rows (datetimes as ISO 8601, decimals as floats)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    """Compact JSON with datetime support."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))
