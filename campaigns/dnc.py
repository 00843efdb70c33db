"""Do-not-call list: add, remove, check, bulk import (COPY) and the Bloctel freshness warning."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from campaigns.csvfiles import counted_lines, open_text, phone_field, table_reader
from campaigns.models import ImportReport
from campaigns.phones import InvalidPhone, normalize
from services.db import query
from services.errors import ImportError_

Conn = psycopg.Connection[dict[str, Any]]
BLOCTEL_MAX_AGE = timedelta(days=30)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def add(conn: Conn, raw: str, *, source: str = "manual", reason: str = "", region: str = "FR") -> str:
    """Add one number (normalised to E.164) to the DNC list; return the E.164 form."""
    phone = _normalize_or_fail(raw, region)
    conn.execute(query("dnc", "add"), {"phone": phone, "source": source, "reason": reason, "now": _now(None)})
    return phone


def remove(conn: Conn, raw: str, *, region: str = "FR") -> bool:
    """Remove a number from the DNC list; False if it was not there."""
    phone = _normalize_or_fail(raw, region)
    return conn.execute(query("dnc", "remove"), {"phone": phone}).rowcount > 0


def check(conn: Conn, raw: str, *, region: str = "FR") -> dict[str, Any] | None:
    """The DNC entry for a number, or None if it may be called."""
    phone = _normalize_or_fail(raw, region)
    return conn.execute(query("dnc", "get"), {"phone": phone}).fetchone()


def _normalize_or_fail(raw: str, region: str) -> str:
    try:
        return normalize(raw, region)
    except InvalidPhone as exc:
        raise ImportError_(str(exc)) from None


def import_file(
    conn: Conn,
    path: Path,
    *,
    source: str = "bloctel",
    region: str = "FR",
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
) -> ImportReport:
    """Import a file of numbers (one per line, or a CSV with a phone column) via COPY.

    Invalid lines are counted as rejected; numbers already listed count as duplicates. The
    encoding is detected (UTF-8, else Windows-1252) unless given.
    A ``dnc_imports`` row records the import (its age drives :func:`staleness_warning`).
    """
    at, started, report = _now(now), time.perf_counter(), ImportReport()
    with conn.transaction():
        conn.execute(query("dnc", "create_staging"))
        with conn.cursor().copy(query("dnc", "copy_staging")) as copy:
            for phone in _numbers(path, region, report, progress, encoding):
                copy.write_row((phone,))
        added = conn.execute(
            query("dnc", "insert_from_staging"), {"source": source, "reason": f"{source} import", "now": at}
        ).rowcount
        conn.execute(
            query("dnc", "record_import"),
            {"source": source, "file_name": path.name, "rows_added": added, "now": at},
        )
    report.imported = added
    report.duplicate = report.read - report.rejected - added
    report.seconds = time.perf_counter() - started
    return report


def _numbers(
    path: Path,
    region: str,
    report: ImportReport,
    progress: Callable[[int], None] | None,
    encoding: str | None,
) -> Iterator[str]:
    with open_text(path, encoding) as handle:
        table = table_reader(counted_lines(handle, progress))
        header, rows = table.header, table.rows
        column = phone_field(header)
        raws: Iterator[str]
        if column is None:  # no header: one number per line (first column)
            raws = (cells[0] if cells else "" for cells in itertools.chain([header], rows))
        else:
            index = header.index(column)
            raws = (cells[index] if index < len(cells) else "" for cells in rows)
        for raw in raws:
            if not raw.strip():
                continue
            report.read += 1
            try:
                yield normalize(raw, region)
            except InvalidPhone:
                report.rejected += 1


def list_age(conn: Conn, now: datetime | None = None, source: str = "bloctel") -> timedelta | None:
    """How old the latest import of ``source`` is, or None if it was never imported."""
    row = conn.execute(query("dnc", "latest_import"), {"source": source}).fetchone()
    last = row["imported_at"] if row else None
    return None if last is None else _now(now) - last


def staleness_warning(conn: Conn, now: datetime | None = None) -> str | None:
    """A warning when the latest Bloctel import is missing or older than 30 days."""
    age = list_age(conn, now)
    if age is None:
        return "no Bloctel list was ever imported (`minibot dnc import FILE --source bloctel`)"
    if age > BLOCTEL_MAX_AGE:
        return f"the latest Bloctel import is {age.days} days old (over 30): import a fresh list"
    return None
