"""Pure security helpers of the dashboard: redirect targets, CSV cells, password and email policy."""

from __future__ import annotations

import bcrypt
import pytest

from dashboard import passwords
from dashboard.auth import safe_next
from dashboard.export import csv_cell
from dashboard.params import FilterError, parse_date, parse_id, parse_int
from dashboard.passwords import PolicyError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "raw",
    [
        "/\t/evil.test",  # browsers drop the tab: //evil.test
        "/\n/evil.test",
        "/\r\n/evil.test",
        "\\\\evil.test",
        "/\\evil.test",
        "\\/evil.test",
        " //evil.test",
        "\x00//evil.test",
        "//evil.test",
        "https://evil.test/",
        "javascript:alert(1)",
        "evil.test",
        "/\x0b/evil.test",
        "/caf\u00e9",
        "",
        None,
    ],
)
def test_next_is_a_same_origin_path_after_browser_normalisation(raw: str | None) -> None:
    assert safe_next(raw) == "/campaigns"


def test_next_keeps_ordinary_paths() -> None:
    assert safe_next("/leads?status=qualified&min_score=2") == "/leads?status=qualified&min_score=2"
    assert safe_next("/calls/12") == "/calls/12"
    assert safe_next("/le\tads") == "/leads"  # what the browser would have requested


@pytest.mark.parametrize(
    "cell",
    [
        '=1+HYPERLINK("http://evil.test","click")',
        "-2+3+cmd|' /C calc'!A0",
        "+1+1",
        "@SUM(A1)",
        " =1+1",
        "\t=1+1",
        '"=1+1',
        "'=1+1",
        "\n-1+1",
        "=1",
        "-",
        "\uff1d1+1",
        "\tplain",
    ],
)
def test_csv_formula_cells_are_neutralised_whatever_follows(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["+33612341234", "-12", "3.5", "Jeanne", "rappeler à 14 h", "a=b"])
def test_csv_plain_values_are_kept(cell: str) -> None:
    assert csv_cell(cell) == cell


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("12345678", "password_too_short"),
        ("short", "password_too_short"),
        ("123456789012", "password_common"),
        ("motdepasse123", "password_common"),
        ("P@ssw0rd2026!", "password_common"),
        ("azertyuiopqs", "password_common"),
        ("azertyazerty", "password_common"),
        ("aaaaaaaaaaaaaaaa", "password_common"),
        ("abababababab", "password_common"),
        ("Marseille1234", "password_common"),
        ("jeanne.martin-2026", "password_common"),  # the email's local part
        ("x" * 1025, "password_too_long"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, key: str) -> None:
    with pytest.raises(PolicyError) as caught:
        passwords.check_password_policy(password, "jeanne.martin@example.com")
    assert caught.value.key == key
    assert caught.value.in_language("fr")  # a French sentence, never a traceback


def test_long_passphrases_are_prehashed_and_checked() -> None:
    phrase = "le chat de ma voisine dort sur le toit " * 4  # 156 bytes, over bcrypt's 72
    hashed = passwords.hash_password(phrase)
    assert hashed.startswith(passwords.PREHASH_PREFIX)
    assert passwords.check_password(phrase, hashed)
    assert not passwords.check_password(phrase[:72], hashed)  # the tail counts
    assert not passwords.check_password(phrase + "!", hashed)


def test_accounts_hashed_before_the_prehash_still_log_in() -> None:
    legacy = bcrypt.hashpw(b"correct-horse-battery", bcrypt.gensalt(4)).decode()
    assert passwords.check_password("correct-horse-battery", legacy)
    assert not passwords.check_password("é" * 100, legacy)  # over 72 bytes: no ValueError, just no match


@pytest.mark.parametrize(
    "email", ["a@", "@example.com", "ana", "ana@example", "ana @example.com", "a@b.c", ""]
)
def test_invalid_emails_are_refused(email: str) -> None:
    with pytest.raises(PolicyError):
        passwords.check_email(email)


def test_valid_emails_pass() -> None:
    passwords.check_email("ana.dupont+crm@exemple-societe.fr")


@pytest.mark.parametrize("raw", ["99999999999999999999", "²", "1.5", "0x10", " ", "-1", "0", "١"])
def test_ids_must_be_ascii_digits_in_range(raw: str) -> None:
    assert parse_id(raw) is None


def test_integers_and_dates_are_bounded() -> None:
    assert parse_int("42", "x") == 42
    with pytest.raises(FilterError):
        parse_int("99999999999999999999", "campaign_id")
    with pytest.raises(FilterError):
        parse_date("9999-12-31", "until")
    assert parse_date("2026-11-30", "until") is not None
