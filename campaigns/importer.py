"""Contact import: stream a CSV, normalise numbers to E.164, COPY into staging, insert in one statement.

Known columns (case-insensitive, French aliases accepted) fill the contact fields; every
other column goes into ``contacts.extra``. Invalid rows are written to ``<file>.rejects.csv``
with their line number and reason; a bad row never aborts the import. An unreadable file or
a file without a phone column imports nothing (:class:`ImportError_`).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import psycopg

from campaigns.compliance import zone
from campaigns.csvfiles import counted_lines, dict_reader, open_text, phone_field
from campaigns.models import ImportReport
from campaigns.phones import InvalidPhone, default_timezone, normalize
from services.db import query
from services.errors import ImportError_

Conn = psycopg.Connection[dict[str, Any]]
ALIASES: dict[str, frozenset[str]] = {
    "first_name": frozenset({"first_name", "firstname", "first name", "prenom", "prénom"}),
    "last_name": frozenset({"last_name", "lastname", "last name", "nom", "surname", "nom de famille"}),
    "timezone": frozenset({"timezone", "time_zone", "tz", "fuseau", "fuseau_horaire"}),
    "consent": frozenset({"consent", "consentement", "opt_in", "optin", "opt-in"}),
}


@dataclass
class _Columns:
    """Header of the file mapped onto contact fields."""

    phone: str
    known: dict[str, str] = field(default_factory=dict)  # contact field -> header
    extra: list[str] = field(default_factory=list)

    @classmethod
    def from_header(cls, fieldnames: Sequence[str] | None, path: Path) -> _Columns:
        phone = phone_field(fieldnames)
        if phone is None:
            raise ImportError_(
                f"{path.name}: no phone column in the header {list(fieldnames or [])}; "
                "name it phone, telephone, tel, numero or mobile"
            )
        columns = cls(phone)
        for name in fieldnames or []:
            if name == phone:
                continue
            target = next((f for f, names in ALIASES.items() if name.strip().lower() in names), None)
            if target is not None and target not in columns.known:
                columns.known[target] = name
            else:
                columns.extra.append(name)
        return columns


class RowRejected(ValueError):
    """One CSV row cannot be imported; the message is the reason written to the rejects file."""


class _Rejects:
    """Writes rejected rows to ``<file>.rejects.csv``, creating it on the first reject."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path, self.header = path, list(header)
        self._handle: TextIO | None = None
        self._writer: Any = None
        path.unlink(missing_ok=True)

    def write(self, line: int, reason: str, row: dict[str | Any, Any]) -> None:
        if self._writer is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["line", "reason", *self.header])
        self._writer.writerow([line, reason, *(row.get(h) or "" for h in self.header)])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def import_contacts(
    conn: Conn,
    path: Path,
    campaign_id: int,
    *,
    region: str = "FR",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path`` into a campaign; return counts (imported, duplicate, dnc, rejected).

    The file is streamed: rows go through COPY into a temporary table, then one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` keeps the first line of each number and
    skips DNC numbers and numbers already in the campaign. ``progress`` receives characters read.
    """
    started, report = time.perf_counter(), ImportReport()
    with open_text(path) as handle, conn.transaction():
        reader = dict_reader(counted_lines(handle, progress))
        columns = _Columns.from_header(reader.fieldnames, path)
        rejects = _Rejects(path.with_name(path.name + ".rejects.csv"), reader.fieldnames or [])
        conn.execute(query("contacts", "create_staging"))
        with _closing(rejects), conn.cursor().copy(query("contacts", "copy_staging")) as copy:
            for line, row in _rows(reader):
                report.read += 1
                try:
                    copy.write_row((line, *_contact(row, columns, region)))
                except RowRejected as exc:
                    report.rejected += 1
                    rejects.write(line, str(exc), row)
        dnc_row = conn.execute(query("contacts", "count_dnc_staged")).fetchone()
        report.dnc = int(dnc_row["n"]) if dnc_row else 0
        report.imported = conn.execute(
            query("contacts", "insert_from_staging"), {"campaign_id": campaign_id}
        ).rowcount
    report.duplicate = report.read - report.rejected - report.dnc - report.imported
    report.rejects_file = str(rejects.path) if report.rejected else None
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _closing(rejects: _Rejects) -> Iterator[_Rejects]:
    try:
        yield rejects
    finally:
        rejects.close()


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str | Any, Any]]]:
    """Non-blank data rows with the file line number where each row starts."""
    start = reader.line_num + 1
    for row in reader:
        if any((v or "").strip() for k, v in row.items() if k is not None):
            yield start, row
        start = reader.line_num + 1


def _contact(
    row: dict[str | Any, Any], columns: _Columns, region: str
) -> tuple[str, str, str, str, str, str]:
    """(phone, first_name, last_name, timezone, consent, extra JSON) or RowRejected with the reason."""
    if None in row:
        raise RowRejected(f"{len(row) - 1 + len(row[None])} cells but the header has {len(row) - 1}")
    try:
        phone = normalize(row[columns.phone] or "", region)
    except InvalidPhone as exc:
        raise RowRejected(str(exc)) from None
    known = {f: (row.get(h) or "").strip() for f, h in columns.known.items()}
    tz = known.get("timezone") or default_timezone(phone)
    try:
        zone(tz)
    except ValueError as exc:
        raise RowRejected(str(exc)) from None
    extra = {h: row[h] for h in columns.extra if row.get(h)}
    return (
        phone,
        known.get("first_name", ""),
        known.get("last_name", ""),
        tz,
        known.get("consent", ""),
        json.dumps(extra, ensure_ascii=False),
    )
