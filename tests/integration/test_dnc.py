"""Do-not-call list: add/check/remove, bulk import via COPY, Bloctel freshness warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from campaigns import dnc
from services.errors import ImportError_

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_add_check_remove(conn: Conn) -> None:
    assert dnc.add(conn, "06 12 34 56 78", reason="asked on call") == "+33612345678"
    entry = dnc.check(conn, "+33612345678")
    assert entry is not None and entry["reason"] == "asked on call" and entry["source"] == "manual"
    assert dnc.remove(conn, "0612345678") and not dnc.remove(conn, "0612345678")
    assert dnc.check(conn, "0612345678") is None
    with pytest.raises(ImportError_):
        dnc.add(conn, "nope")


def test_import_bare_numbers_records_import(conn: Conn, tmp_path: Path) -> None:
    path = tmp_path / "bloctel.txt"
    path.write_text("0611111111\n0622222222\n\nbad\n0611111111\n", encoding="utf-8")
    dnc.add(conn, "0622222222")
    report = dnc.import_file(conn, path, source="bloctel", now=NOW)
    assert (report.read, report.imported, report.rejected, report.duplicate) == (4, 1, 1, 2)
    imports = conn.execute("SELECT source, file_name, rows_added FROM dnc_imports").fetchall()
    assert imports == [{"source": "bloctel", "file_name": "bloctel.txt", "rows_added": 1}]
    assert dnc.check(conn, "0611111111") is not None


def test_import_csv_with_phone_column(conn: Conn, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("id;Telephone\n1;0633333333\n2;+33 6 44 44 44 44\n", encoding="utf-8")
    assert dnc.import_file(conn, path, source="internal", now=NOW).imported == 2
    assert dnc.check(conn, "0644444444") is not None


def test_bloctel_staleness_warning(conn: Conn, tmp_path: Path) -> None:
    assert "ever imported" in str(dnc.staleness_warning(conn, NOW))
    path = tmp_path / "b.txt"
    path.write_text("0611111111\n", encoding="utf-8")
    dnc.import_file(conn, path, source="bloctel", now=NOW)
    assert dnc.staleness_warning(conn, NOW + timedelta(days=30)) is None
    assert "31 days old" in str(dnc.staleness_warning(conn, NOW + timedelta(days=31)))


def test_import_windows_1252_list_and_named_encoding(conn: Conn, tmp_path: Path) -> None:
    path = tmp_path / "opposition.csv"
    path.write_bytes("Numéro;Motif\r\n0655555555;refusé\r\n".encode("cp1252"))
    assert dnc.import_file(conn, path, source="internal", now=NOW).imported == 1
    assert dnc.check(conn, "0655555555") is not None
    with pytest.raises(ImportError_, match="line 1 is not utf-8 text"):
        dnc.import_file(conn, path, source="internal", now=NOW, encoding="utf-8")
