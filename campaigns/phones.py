"""Phone numbers: E.164 normalisation with ``phonenumbers`` (plus an equivalent fast path) and masking."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import phonenumbers
from phonenumbers import timezone as pn_timezone

DEFAULT_TIMEZONE = "Europe/Paris"
# French overseas numbers written in the national plan (ARCEP): the 4-digit prefix of the 10-digit
# national number -> (country code, digits of the national number dropped before that code).
# phonenumbers reads them as +33 numbers under FR (0596...) or rejects them (0696...); both wrong.
OVERSEAS_PREFIXES: dict[str, tuple[int, int]] = {
    "0590": (590, 1),  # Guadeloupe, Saint-Barthélemy, Saint-Martin (fixed)
    "0690": (590, 1),  # Guadeloupe (mobile)
    "0691": (590, 1),
    "0594": (594, 1),  # Guyane (fixed)
    "0694": (594, 1),  # Guyane (mobile)
    "0596": (596, 1),  # Martinique (fixed)
    "0696": (596, 1),  # Martinique (mobile)
    "0697": (596, 1),
    "0262": (262, 1),  # La Réunion (fixed)
    "0263": (262, 1),
    "0692": (262, 1),  # La Réunion (mobile)
    "0693": (262, 1),
    "0269": (262, 1),  # Mayotte (fixed)
    "0639": (262, 1),  # Mayotte (mobile)
    "0508": (508, 4),  # Saint-Pierre-et-Miquelon: 0508 41 23 45 is +508 41 23 45
}
# Regions sharing the French national plan, where the prefixes above apply.
FRENCH_PLAN = frozenset({"FR", "GP", "BL", "MF", "GF", "MQ", "RE", "YT", "PM"})
# Zones phonenumbers does not know for some overseas ranges (it answers Etc/Unknown).
REGION_ZONES = {
    "GP": "America/Guadeloupe",
    "BL": "America/St_Barthelemy",
    "MF": "America/Marigot",
    "GF": "America/Cayenne",
    "MQ": "America/Martinique",
    "RE": "Indian/Reunion",
    "YT": "Indian/Mayotte",
    "PM": "America/Miquelon",
}
_DIGITS_RE = re.compile(r"[\s.\-()/]")
_PLAIN_RE = re.compile(r"^\+?[0-9]{6,17}$")


class InvalidPhone(ValueError):
    """The text is not a valid phone number; the message says why."""


def normalize(raw: str, region: str = "FR") -> str:
    """Return ``raw`` as an E.164 string (``+33612345678``) or raise :class:`InvalidPhone`.

    Numbers without ``+`` are read in ``region``. Formatting characters (spaces, dots,
    dashes, parentheses, slashes) are ignored. Validity is the ``phonenumbers`` verdict.
    """
    text = raw.strip()
    if not text:
        raise InvalidPhone("empty phone number")
    compact = _DIGITS_RE.sub("", text)
    overseas = overseas_number(compact, region)
    if overseas is not None:
        number = phonenumbers.PhoneNumber(country_code=overseas[0], national_number=int(overseas[1]))
        if not phonenumbers.is_valid_number(number):
            raise InvalidPhone(f"not a valid French overseas number: {raw.strip()!r}")
        return f"+{overseas[0]}{overseas[1]}"
    fast = _fast_number(compact, region)
    validator = _validator(fast[0]) if fast is not None else None
    if fast is not None and validator is not None:
        if not validator(fast[1]):
            raise InvalidPhone(f"not a valid phone number: {raw.strip()!r}")
        return f"+{fast[0]}{fast[1]}"
    if fast is not None:
        number = phonenumbers.PhoneNumber(country_code=fast[0], national_number=int(fast[1]))
    else:
        number = _parse(text, region)
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number: {raw.strip()!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def overseas_number(compact: str, region: str) -> tuple[int, str] | None:
    """(country code, national number) of a French overseas number in national format, else None.

    ``0696 12 34 33`` under FR is Martinique, +596 696 12 34 33 (see ``OVERSEAS_PREFIXES``).
    """
    found = OVERSEAS_PREFIXES.get(compact[:4])  # first: most numbers stop here
    if found is None or len(compact) != 10 or not compact.isdigit() or region.upper() not in FRENCH_PLAN:
        return None
    return found[0], compact[found[1] :]


def _fast_number(compact: str, region: str) -> tuple[int, str] | None:
    """(country code, national significant number) as ``parse`` would read a plain digit string.

    Only for ``+<cc><nsn>`` with a known country code, and for ``0<nsn>`` in regions whose
    national prefix is exactly ``0`` with no carrier/transform rules (FR, BE, CH, DE...);
    everything else takes the full parser. ``tests/unit/test_phones.py`` checks equivalence.
    """
    if not _PLAIN_RE.match(compact):
        return None
    if compact.startswith("+"):
        digits = compact[1:]
        if digits.startswith("0"):
            return None
        for size in (1, 2, 3):
            cc, rest = int(digits[:size]), digits[size:]
            if cc in _country_codes():
                if (
                    not rest
                    or rest.startswith("0")
                    or not _plain_prefix(phonenumbers.region_code_for_country_code(cc))
                ):
                    return None
                return cc, rest
        return None
    if compact.startswith("0") and not compact.startswith("00") and _plain_prefix(region):
        if _general_pattern(region).fullmatch(compact):  # parse would keep the 0: not our case
            return None
        rest = compact[1:]
        if not rest or rest.startswith("0"):
            return None
        return phonenumbers.country_code_for_region(region), rest
    return None


@cache
def _country_codes() -> frozenset[int]:
    return frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@cache
def _plain_prefix(region: str) -> bool:
    """True when ``region`` strips a bare ``0`` national prefix and nothing else."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
    if meta is None or meta.national_prefix != "0":
        return False
    rule = meta.national_prefix_for_parsing
    return (rule in (None, "0")) and meta.national_prefix_transform_rule is None and not meta.leading_digits


def _desc_patterns(desc: phonenumbers.PhoneNumberDesc | None) -> tuple[frozenset[int], str] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), desc.national_number_pattern


@cache
def _validator(country_code: int) -> Callable[[str], bool] | None:
    """``is_valid_number`` for a single-region country code, with the metadata patterns precompiled.

    phonenumbers calls a number valid when it matches the general description and at least one
    type description (premium, toll free, shared cost, VoIP, personal, pager, UAN, voicemail,
    fixed line, mobile), each checked for its possible lengths and then its pattern. Here the
    type patterns allowed for each length are joined into one alternation: the same test.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    meta = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None) if len(regions) == 1 else None
    general = _desc_patterns(meta.general_desc) if meta is not None else None
    if meta is None or general is None:
        return None
    types = [
        _desc_patterns(t)
        for t in (
            meta.premium_rate,
            meta.toll_free,
            meta.shared_cost,
            meta.voip,
            meta.personal_number,
            meta.pager,
            meta.uan,
            meta.voicemail,
            meta.fixed_line,
            meta.mobile,
        )
    ]
    specific = [t for t in types if t is not None]
    general_lengths, general_re = general[0], re.compile(general[1])
    by_length: dict[int, re.Pattern[str]] = {}
    for length in range(1, 18):
        alternatives = [p for lengths, p in specific if not lengths or length in lengths]
        if alternatives and (not general_lengths or length in general_lengths):
            by_length[length] = re.compile("|".join(f"(?:{p})" for p in alternatives))

    def valid(nsn: str) -> bool:
        pattern = by_length.get(len(nsn))
        return (
            pattern is not None
            and general_re.fullmatch(nsn) is not None
            and pattern.fullmatch(nsn) is not None
        )

    return valid


@cache
def _general_pattern(region: str) -> re.Pattern[str]:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
    pattern = meta.general_desc.national_number_pattern if meta and meta.general_desc else None
    return re.compile(pattern or "(?!)")


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"cannot read phone number {text!r}: {exc}") from None


def default_timezone(e164: str) -> str:
    """Time zone of a number's country/area (``phonenumbers.timezone``), else Europe/Paris.

    Zones are looked up once per 7-character prefix (country + area) and cached. When a
    number maps to several zones, Europe/Paris wins if listed, else the first one.
    """
    prefix = e164[:7]
    zone = _ZONE_CACHE.get(prefix)
    if zone is None:
        zone = _ZONE_CACHE[prefix] = _zone_for_number(e164)
    return zone


_ZONE_CACHE: dict[str, str] = {}


def _zone_for_number(e164: str) -> str:
    try:
        zones = pn_timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return DEFAULT_TIMEZONE
    usable = [z for z in zones if "/" in z and z != "Etc/Unknown"]
    if DEFAULT_TIMEZONE in usable:
        return DEFAULT_TIMEZONE
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    own = REGION_ZONES.get(region or "")
    if own is not None and (own in usable or not usable):
        return own
    return usable[0] if usable else DEFAULT_TIMEZONE


def mask_phone(e164: str) -> str:
    """Mask a number for logs, keeping the last 4 digits: ``+33612345678`` -> ``******5678``."""
    digits = e164.strip()
    return "******" + digits[-4:] if len(digits) > 4 else "******"
