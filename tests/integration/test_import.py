"""Contact import on a real Postgres: mapping, rejects with line numbers, duplicates, DNC, fatal errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from campaigns import dnc, store
from campaigns.importer import import_contacts
from campaigns.models import CampaignSettings
from services.errors import ImportError_

pytestmark = pytest.mark.integration
Conn = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def campaign_id(conn: Conn) -> int:
    return store.create(conn, "imp", CampaignSettings()).id


def write(tmp_path: Path, text: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def contacts(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT phone, first_name, last_name, timezone, consent, extra FROM contacts ORDER BY id"
    ).fetchall()


def test_bad_rows_are_rejected_with_line_numbers_and_nothing_lost(
    conn: Conn, campaign_id: int, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "Prénom;Nom;Téléphone;Ville;consent\n"
        "Alice;Martin;06 12 34 56 78;Lyon;web\n"
        "Bob;Durand;not a number;Paris;web\n"
        "\n"
        '"Chloé";"Multi\nline";0612345679;Nice;web\n'
        "Eve;Petit;;Lille;web\n"
        "Marc;Blanc;+596 696 12 34 56;Fort-de-France;\n"
        "Too;Many;0612345680;X;web;extra-cell\n",
    )
    seen: list[int] = []
    report = import_contacts(conn, path, campaign_id, progress=seen.append)
    assert (report.read, report.imported, report.rejected, report.duplicate, report.dnc) == (6, 3, 3, 0, 0)
    assert sum(seen) == len(path.read_text(encoding="utf-8"))
    rejects = Path(str(report.rejects_file)).read_text(encoding="utf-8").splitlines()
    assert rejects[0].startswith("line,reason,Prénom")
    assert [r.split(",")[0] for r in rejects[1:]] == ["3", "7", "9"]
    assert "not a valid phone number" in rejects[1] or "cannot read" in rejects[1]
    assert "cells but the header has 5" in rejects[3]
    rows = contacts(conn)
    assert [r["phone"] for r in rows] == ["+33612345678", "+33612345679", "+596696123456"]
    assert (
        rows[0]["first_name"] == "Alice"
        and rows[0]["extra"] == {"Ville": "Lyon"}
        and rows[0]["consent"] == "web"
    )
    assert rows[1]["last_name"] == "Multi\nline"
    assert rows[2]["timezone"] == "America/Martinique" and rows[2]["consent"] == ""


def test_duplicates_in_file_and_in_campaign_and_dnc_are_skipped(
    conn: Conn, campaign_id: int, tmp_path: Path
) -> None:
    dnc.add(conn, "0698765432")
    first = write(tmp_path, "phone,first_name\n0611111111,A\n06 11 11 11 11,B\n0698765432,C\n")
    report = import_contacts(conn, first, campaign_id)
    assert (report.imported, report.duplicate, report.dnc, report.rejected) == (1, 1, 1, 0)
    assert report.rejects_file is None and not (tmp_path / "contacts.csv.rejects.csv").exists()
    assert contacts(conn)[0]["first_name"] == "A"
    second = write(tmp_path, "tel\n0611111111\n0622222222\n", "more.csv")
    again = import_contacts(conn, second, campaign_id)
    assert (again.imported, again.duplicate) == (1, 1)
    assert len(contacts(conn)) == 2


def test_timezone_column_validated_and_country_default(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    path = write(
        tmp_path, "mobile,timezone\n0611111111,America/Martinique\n0622222222,Mars/Olympus\n+12125550123,\n"
    )
    report = import_contacts(conn, path, campaign_id, region="FR")
    assert (report.imported, report.rejected) == (2, 1)
    assert [r["timezone"] for r in contacts(conn)] == ["America/Martinique", "America/New_York"]
    assert "unknown time zone" in Path(str(report.rejects_file)).read_text(encoding="utf-8")


def test_country_option_sets_default_region(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    path = write(tmp_path, "numero\n(212) 555-0123\n")
    assert import_contacts(conn, path, campaign_id, region="US").imported == 1
    assert contacts(conn)[0]["phone"] == "+12125550123"


def test_missing_phone_column_imports_nothing(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    path = write(tmp_path, "name,city\nAlice,Lyon\n")
    with pytest.raises(ImportError_, match="no phone column"):
        import_contacts(conn, path, campaign_id)
    assert contacts(conn) == []


def test_unreadable_files_import_nothing(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    with pytest.raises(ImportError_, match="cannot read"):
        import_contacts(conn, tmp_path / "missing.csv", campaign_id)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"phone\n0611111111\n" + b"\xff\xfe\x00garbage\n" * 3)
    with pytest.raises(ImportError_, match="not UTF-8"):
        import_contacts(conn, binary, campaign_id)
    assert contacts(conn) == []
