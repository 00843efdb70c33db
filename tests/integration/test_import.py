"""Contact import on a real Postgres: mapping, rejects with line numbers, duplicates, DNC, fatal errors."""

from __future__ import annotations

import csv
import io
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


def rejects(path: str | None) -> list[list[str]]:
    assert path is not None
    text = Path(path).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ","))


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
    rejects = Path(str(report.rejects_file)).read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0].startswith("line;reason;Prénom")
    assert [r.split(";")[0] for r in rejects[1:]] == ["3", "7", "9"]
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
    assert contacts(conn)[0]["first_name"] == "A"
    assert rejects(report.rejects_file) == [
        ["line", "reason", "phone", "first_name"],
        ["3", "same number as line 2", "06 11 11 11 11", "B"],
        ["4", "on the do-not-call list", "0698765432", "C"],
    ]
    second = write(tmp_path, "tel\n0611111111\n0622222222\n", "more.csv")
    again = import_contacts(conn, second, campaign_id)
    assert (again.imported, again.duplicate) == (1, 1)
    assert len(contacts(conn)) == 2
    assert rejects(again.rejects_file)[1][:2] == [
        "2",
        "already in the campaign (use --update to change its fields)",
    ]
    clean = write(tmp_path, "tel\n0633333333\n", "more.csv")
    assert import_contacts(conn, clean, campaign_id).rejects_file is None
    assert not (tmp_path / "more.csv.rejects.csv").exists()  # no stale rejects from the last run


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
    with pytest.raises(ImportError_, match="line 3 has NUL bytes"):
        import_contacts(conn, binary, campaign_id)
    assert contacts(conn) == []


def test_windows_1252_file_from_french_excel_is_read(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("Prénom;Téléphone;Ville\r\nGaëlle;06 12 34 56 78;Orléans\r\n".encode("cp1252"))
    report = import_contacts(conn, path, campaign_id)
    assert (report.imported, report.encoding) == (1, "cp1252")
    row = contacts(conn)[0]
    assert row["first_name"] == "Gaëlle" and row["extra"] == {"Ville": "Orléans"}


def test_wrong_encoding_names_the_line(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"phone;ville\n0611111111;Lyon\n0622222222;Orl\xe9ans\n")
    with pytest.raises(ImportError_, match=r"mixed.csv: line 3 is not utf-8 text"):
        import_contacts(conn, path, campaign_id, encoding="utf-8")
    assert contacts(conn) == []
    undecodable = tmp_path / "undecodable.csv"
    undecodable.write_bytes(b"phone\n0611111111\n06\x81\n")
    with pytest.raises(ImportError_, match=r"line 3 is neither UTF-8 nor Windows-1252.*--encoding"):
        import_contacts(conn, undecodable, campaign_id)
    assert import_contacts(conn, path, campaign_id, encoding="latin-1").imported == 2


def test_overseas_numbers_get_their_country_code_and_zone(
    conn: Conn, campaign_id: int, tmp_path: Path
) -> None:
    path = write(tmp_path, "telephone\n0696 12 34 33\n0690 12 34 34\n0262 12 34 56\n0594 12 34 56\n")
    assert import_contacts(conn, path, campaign_id).imported == 4
    assert [(r["phone"], r["timezone"]) for r in contacts(conn)] == [
        ("+596696123433", "America/Martinique"),
        ("+590690123434", "America/Guadeloupe"),
        ("+262262123456", "Indian/Reunion"),
        ("+594594123456", "America/Cayenne"),
    ]


def test_update_changes_existing_contacts_with_an_audit(conn: Conn, campaign_id: int, tmp_path: Path) -> None:
    first = write(tmp_path, "phone;prenom;ville\n0611111111;Ana;Lyon\n0622222222;Bo;Nice\n")
    assert import_contacts(conn, first, campaign_id).imported == 2
    second = write(
        tmp_path,
        "phone;prenom;consent\n0611111111;;web-2026\n0622222222;Bo;\n0633333333;Cy;web\n",
        "consent.csv",
    )
    report = import_contacts(conn, second, campaign_id, update=True, actor="ana@example.com")
    assert (report.imported, report.updated, report.duplicate) == (1, 1, 1)
    rows = {r["phone"]: r for r in contacts(conn)}
    assert rows["+33611111111"]["consent"] == "web-2026" and rows["+33611111111"]["first_name"] == "Ana"
    assert rows["+33622222222"]["consent"] == ""
    assert rejects(report.rejects_file)[1][:2] == ["3", "already in the campaign, nothing to change"]
    audit = conn.execute("SELECT actor, action, target, details FROM audit_log").fetchall()
    assert len(audit) == 1 and audit[0]["actor"] == "ana@example.com"
    assert audit[0]["action"] == "contact.update" and audit[0]["details"]["line"] == 2
    assert audit[0]["details"]["changes"] == {"consent": ["", "web-2026"]}
