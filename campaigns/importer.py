"""Contact import: stream a CSV, normalise numbers to E.164, COPY into staging, insert in one statement.

Known columns (case-insensitive, French aliases accepted) fill the contact fields; every
other column goes into ``contacts.extra``. Every row not imported (invalid, duplicate, on the
do-not-call list) is written to ``<file>.rejects.csv`` with its line number and reason; a bad
row never aborts the import. An unreadable file or a file without a phone column imports
nothing (:class:`ImportError_`).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


# Why a staged row was not inserted (kinds returned by the ``skipped_staged`` query).
SKIP_REASONS = {
    "dnc": "on the do-not-call list",
    "duplicate": "same number as line {first_line}",
    "existing": "already in the campaign (use --update to change its fields)",
    "unchanged": "already in the campaign, nothing to change",
}


def import_contacts(
    conn: Conn,
    path: Path,
    campaign_id: int,
    *,
    region: str = "FR",
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
    update: bool = False,
    actor: str = "cli",
) -> ImportReport:
    """Import ``path`` into a campaign; return counts (imported, updated, duplicate, dnc, rejected).

    The file is streamed: rows go through COPY into a temporary table, then one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` keeps the first line of each number and
    skips DNC numbers and numbers already in the campaign. With ``update``, contacts already in
    the campaign take the file's non-empty fields, each change audited under ``actor``. Every
    row not imported is written with its reason to ``<file>.rejects.csv``. ``progress``
    receives characters read. ``encoding`` is detected (UTF-8, else Windows-1252) when None.
    """
    started, report = time.perf_counter(), ImportReport()
    reasons: dict[int, str] = {}
    invalid_cells: dict[int, list[str]] = {}
    with open_text(path, encoding) as handle, conn.transaction():
        report.encoding = handle.encoding
        table = table_reader(counted_lines(handle, progress))
        columns = _Columns.from_header(table.header, path)
        conn.execute(query("contacts", "create_staging"))
        with conn.cursor().copy(query("contacts", "copy_staging")) as copy:
            line = table.line_num() + 1
            for cells in table.rows:
                if any(c.strip() for c in cells):
                    report.read += 1
                    try:
                        copy.write_row((line, *_contact(cells, columns, region)))
                    except RowRejected as exc:
                        report.rejected += 1
                        reasons[line], invalid_cells[line] = str(exc), cells
                line = table.line_num() + 1
        params = {"campaign_id": campaign_id, "actor": actor, "tz_column": "timezone" in columns.known}
        updated = set()
        if update:
            updated = {int(r["line"]) for r in conn.execute(query("contacts", "update_from_staging"), params)}
        report.updated = len(updated)
        report.imported = conn.execute(query("contacts", "insert_from_staging"), params).rowcount
        staged = report.read - report.rejected
        skipped = staged - report.imported - report.updated
        for row in conn.execute(query("contacts", "skipped_staged"), params) if skipped else ():
            kind = row["kind"]
            if kind == "existing" and update:
                if row["line"] in updated:
                    continue
                kind = "unchanged"
            report.dnc += kind == "dnc"
            report.duplicate += kind != "dnc"
            reasons[row["line"]] = SKIP_REASONS[kind].format(first_line=row["first_line"])
    if reasons:
        report.rejects_file = str(_write_rejects(path, handle.encoding, reasons, invalid_cells))
    else:
        path.with_name(path.name + REJECTS_SUFFIX).unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    return report


REJECTS_SUFFIX = ".rejects.csv"


def _write_rejects(path: Path, encoding: str, reasons: dict[int, str], known: dict[int, list[str]]) -> Path:
    """Write ``line;reason;<the row's cells>`` for every line in ``reasons``, in file order.

    Cells of invalid rows were kept while reading; the others (duplicates, DNC) are read again
    from the file. The rejects file is UTF-8 with a BOM and the source's delimiter, for Excel.
    """
    target = path.with_name(path.name + REJECTS_SUFFIX)
    with open_text(path, encoding) as handle:
        table = table_reader(iter(handle))
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, delimiter=table.delimiter)
            writer.writerow(["line", "reason", *table.header])
            if set(reasons) <= set(known):
                for line in sorted(reasons):
                    writer.writerow([line, reasons[line], *known[line]])
                return target
            line = table.line_num() + 1
            for cells in table.rows:
                if line in reasons:
                    writer.writerow([line, reasons[line], *cells])
                line = table.line_num() + 1
    return target


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
