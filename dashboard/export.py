"""CSV export of leads, produced chunk by chunk so large exports stream."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

from psycopg_pool import AsyncConnectionPool

from dashboard.store import LeadFilter, iter_leads
from services.csvout import EXCEL, CsvStyle, csv_writer

CSV_COLUMNS = (
    "id", "created_at", "campaign", "status", "score", "phone", "first_name", "last_name",
    "callback_at", "summary", "reviewed_at", "assigned_email", "call_id",
)  # fmt: skip


def csv_cell(value: Any) -> str:
    """One CSV cell: ISO dates, empty for NULL, formula-looking text prefixed with a quote."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    # neutralise spreadsheet formulas (CSV injection)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text[1:2].isdigit() else text


async def csv_chunks(
    pool: AsyncConnectionPool, flt: LeadFilter, rows_per_chunk: int = 500, style: CsvStyle = EXCEL
) -> AsyncIterator[str]:
    """The header line, then CSV text in chunks of ``rows_per_chunk`` leads.

    French Excel's style by default (the dashboard's download); ``minibot leads export`` asks for plain CSV.
    """
    buffer = io.StringIO()
    writer = csv_writer(buffer, style)
    writer.writerow(CSV_COLUMNS)
    count = 0
    async for row in iter_leads(pool, flt):
        writer.writerow([csv_cell(row.get(col)) for col in CSV_COLUMNS])
        count += 1
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
