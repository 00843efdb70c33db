"""CSV export of leads, produced chunk by chunk so large exports stream."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

from psycopg_pool import AsyncConnectionPool

from dashboard.store import LeadFilter, iter_leads
from services.csvout import EXCEL, CsvStyle, csv_writer

CSV_COLUMNS = (
    "id", "created_at", "campaign", "status", "score", "phone", "first_name", "last_name",
    "callback_at", "summary", "reviewed_at", "assigned_email", "call_id",
)  # fmt: skip


_FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")  # with the full-width forms spreadsheets accept
_SKIPPED = " \t\r\n'\"\u00a0"  # what a spreadsheet may skip before reading a formula
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def csv_cell(value: Any) -> str:
    """One CSV cell: ISO dates, empty for NULL, formula-looking text prefixed with a quote.

    Against spreadsheet formula injection, a cell whose first character, after any spaces, tabs,
    line breaks or quotes, is ``=``, ``+``, ``-`` or ``@`` gets a leading ``'`` whatever follows; only a
    cell that is entirely a plain number (a phone number such as ``+33612341234``) is left as it is.
    Shared by ``/leads/export.csv`` and ``minibot leads export``.
    """
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    first = text.lstrip(_SKIPPED)[:1]
    if (first in _FORMULA_STARTS or text[:1] in ("\t", "\r")) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


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
