"""Phone normalisation (with its fast path proven equal to phonenumbers), time zones, masking."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import phonenumbers
import pytest

from campaigns import phones
from campaigns.compliance import check
from campaigns.models import ContactContext
from campaigns.phones import InvalidPhone, default_timezone, mask_phone, normalize

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("0033612345678", "FR", "+33612345678"),
        ("+1 (212) 555-0123", "FR", "+12125550123"),
        ("(212) 555-0123", "US", "+12125550123"),
        ("0696 12 34 56", "MQ", "+596696123456"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_normalize(raw: str, region: str, expected: str) -> None:
    assert normalize(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "abc", "0612", "+33 0 6 12 34 56 78 99", "06123456789012"])
def test_invalid(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize(raw, "FR")


def _slow(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_fast_path_equals_phonenumbers_on_random_inputs() -> None:
    rng = random.Random(42)
    prefixes = ["0", "+33", "+32", "+41", "+49", "+1", "+44", "+596", "+262", "+39", "00", "+"]
    for _ in range(20000):
        region = rng.choice(["FR", "BE", "CH", "DE", "US", "GB", "MQ"])
        raw = rng.choice(prefixes) + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 13)))
        if phones.overseas_number(raw, region) is not None:
            continue  # French overseas numbers are read by the plan, not as phonenumbers does (below)
        try:
            got: str | None = normalize(raw, region)
        except InvalidPhone:
            got = None
        assert got == _slow(raw, region), (raw, region)


@pytest.mark.parametrize(
    ("raw", "expected", "zone"),
    [
        ("0696 12 34 33", "+596696123433", "America/Martinique"),
        ("0690 12 34 34", "+590690123434", "America/Guadeloupe"),
        ("0262 12 34 56", "+262262123456", "Indian/Reunion"),
        ("0692 12 34 56", "+262692123456", "Indian/Reunion"),
        ("0594 12 34 56", "+594594123456", "America/Cayenne"),
        ("0694 12 34 56", "+594694123456", "America/Cayenne"),
        ("0269 61 23 45", "+262269612345", "Indian/Mayotte"),
        ("0639 01 23 45", "+262639012345", "Indian/Mayotte"),
        ("0508 41 23 45", "+508412345", "America/Miquelon"),
        ("0590 27 12 34", "+590590271234", "America/Guadeloupe"),
    ],
)
def test_french_overseas_numbers_in_national_format(raw: str, expected: str, zone: str) -> None:
    assert normalize(raw, "FR") == expected
    assert normalize(raw, "RE") == expected  # one plan for every French region
    assert default_timezone(expected) == zone


def test_overseas_number_outside_its_ranges_is_refused() -> None:
    with pytest.raises(InvalidPhone, match="overseas"):
        normalize("0596 12 34 56", "FR")  # phonenumbers alone reads it as +33 596 12 34 56


def test_default_timezone() -> None:
    assert default_timezone("+33612345678") == "Europe/Paris"
    assert default_timezone("+596696123456") == "America/Martinique"
    assert default_timezone("+687751234") == "Pacific/Noumea"
    assert phones.DEFAULT_TIMEZONE == "Europe/Paris"


def test_mask_phone_keeps_last_four() -> None:
    assert mask_phone("+33612345678") == "******5678"
    assert mask_phone("12") == "******"


def test_overseas_contact_is_called_in_its_own_hours() -> None:
    phone = normalize("0696 12 34 33", "FR")
    contact = ContactContext(phone=phone, timezone=default_timezone(phone), consent="web")
    tuesday_paris_1430 = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)  # 09:30 in Fort-de-France
    decision = check("fr", contact, tuesday_paris_1430)
    assert not decision.allowed and "09:30 America/Martinique" in decision.reason
    assert decision.next_allowed == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 10:00 there
    paris = ContactContext(phone="+33612345678", timezone=default_timezone("+33612345678"), consent="web")
    assert check("fr", paris, tuesday_paris_1430).allowed
