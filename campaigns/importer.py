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
from campaigns.csvfiles import counted_lines, open_text, phone_field, table_reader
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
    """Header of the file mapped onto contact fields (cell indexes)."""

    width: int
    phone: int
    known: dict[str, int] = field(default_factory=dict)  # contact field -> cell index
    extra: list[tuple[str, int]] = field(default_factory=list)  # header -> cell index

    @classmethod
    def from_header(cls, header: Sequence[str], path: Path) -> _Columns:
        phone = phone_field(header)
        if phone is None:
            raise ImportError_(
                f"{path.name}: no phone column in the header {list(header)}; "
                "name it phone, telephone, tel, numero or mobile"
            )
        columns = cls(len(header), header.index(phone))
        for index, name in enumerate(header):
            if index == columns.phone:
                continue
            target = next((f for f, names in ALIASES.items() if name.strip().lower() in names), None)
            if target is not None and target not in columns.known:
                columns.known[target] = index
            else:
                columns.extra.append((name, index))
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

    def write(self, line: int, reason: str, row: list[str]) -> None:
        if self._writer is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["line", "reason", *self.header])
        self._writer.writerow([line, reason, *row])

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
        header, rows, line_num = table_reader(counted_lines(handle, progress))
        columns = _Columns.from_header(header, path)
        rejects = _Rejects(path.with_name(path.name + ".rejects.csv"), header)
        conn.execute(query("contacts", "create_staging"))
        with _closing(rejects), conn.cursor().copy(query("contacts", "copy_staging")) as copy:
            line = line_num() + 1
            for cells in rows:
                if any(c.strip() for c in cells):
                    report.read += 1
                    try:
                        copy.write_row((line, *_contact(cells, columns, region)))
                    except RowRejected as exc:
                        report.rejected += 1
                        rejects.write(line, str(exc), cells)
                line = line_num() + 1
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


_encode_json = json.JSONEncoder(ensure_ascii=False).encode


def _contact(cells: list[str], columns: _Columns, region: str) -> tuple[str, str, str, str, str, str]:
    """(phone, first_name, last_name, timezone, consent, extra JSON) or RowRejected with the reason."""
    if len(cells) > columns.width:
        raise RowRejected(f"{len(cells)} cells but the header has {columns.width}")
    try:
        phone = normalize(cells[columns.phone] if columns.phone < len(cells) else "", region)
    except InvalidPhone as exc:
        raise RowRejected(str(exc)) from None
    known = {f: cells[i].strip() for f, i in columns.known.items() if i < len(cells)}
    tz = known.get("timezone") or default_timezone(phone)
    try:
        zone(tz)
    except ValueError as exc:
        raise RowRejected(str(exc)) from None
    extra = {h: cells[i] for h, i in columns.extra if i < len(cells) and cells[i]}
    return (
        phone,
        known.get("first_name", ""),
        known.get("last_name", ""),
        tz,
        known.get("consent", ""),
        _encode_json(extra),
    )
