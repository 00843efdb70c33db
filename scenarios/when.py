"""French date/time expressions -> an aware datetime (pure, no clock: ``now`` is given).

Understands "demain", "après-demain", weekdays ("lundi prochain"), "ce soir", "cet après-midi",
"ce matin", "vers 14h", "à 14h30", "14 heures", "deux heures", "midi", "dans 2 heures",
"la semaine prochaine", "dans une demi-heure". Returns ``None`` when nothing usable is found.
Calling windows are the campaigns layer's business: this module only reads the words.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from scenarios.strings import WEEKDAYS
from services.nlp.text import normalize

_NUMBERS = {
    "vingt et une": 21,
    "vingt et un": 21,
    "vingt deux": 22,
    "vingt trois": 23,
    "dix sept": 17,
    "dix huit": 18,
    "dix neuf": 19,
    "quarante cinq": 45,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
}
_NUMBER_RE = re.compile(r"\b(" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")\b")
_RELATIVE = re.compile(r"\bdans (\d+) (heures?|h|minutes?|min)\b")
_CLOCK = re.compile(r"\b(\d{1,2}) ?h(?:eures?)?(?: ?(\d{1,2})\b)?( et demie?| et quart| moins le quart)?")
_PARTS = {"matin": 10, "apres midi": 15, "soir": 19}
DEFAULT_HOUR = 10


def digits(text: str) -> str:
    """French number words as digits ("dix huit" -> "18")."""
    return _NUMBER_RE.sub(lambda m: str(_NUMBERS[m.group(1)]), text)


def _day_offset(text: str, now: datetime) -> int | None:
    if "apres demain" in text:
        return 2
    if re.search(r"\bdemain\b", text):
        return 1
    if "aujourd hui" in text or re.search(r"\bce (matin|soir)\b|\bcet apres midi\b|\btout a l heure\b", text):
        return 0
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b", text):
            ahead = (index - now.weekday()) % 7
            return ahead or 7
    if "semaine prochaine" in text:
        return 7 - now.weekday()
    return None


def _clock(text: str) -> tuple[int, int] | None:
    if re.search(r"\bminuit\b", text):
        return 0, 0
    match = _CLOCK.search(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        suffix = (match.group(3) or "").strip()
        minute += {"et demi": 30, "et demie": 30, "et quart": 15}.get(suffix, 0)
        if suffix == "moins le quart":
            hour, minute = hour - 1, minute + 45
        if hour < 12 and (
            re.search(r"\bapres midi\b|\bsoir\b", text) or (1 <= hour <= 7 and "matin" not in text)
        ):
            hour += 12
        return (hour, minute) if hour < 24 and minute < 60 else None
    if re.search(r"\bmidi\b", text) and "apres midi" not in text:
        return 12, 30 if "midi et demi" in text else 0
    for part, hour in _PARTS.items():
        if re.search(rf"\b{part}\b", text):
            return hour, 0
    return None


def parse_when(text: str, now: datetime) -> datetime | None:
    """The moment described by ``text`` relative to ``now`` (aware), or ``None``."""
    words = digits(normalize(text))
    half = re.search(r"\bdans (1 )?(demi heure|quart d heure)\b", words)
    if half:
        minutes = 30 if half.group(2) == "demi heure" else 15
        return (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    relative = _RELATIVE.search(words)
    if relative:
        amount = int(relative.group(1))
        delta = timedelta(hours=amount) if relative.group(2).startswith("h") else timedelta(minutes=amount)
        return (now + delta).replace(second=0, microsecond=0)
    offset = _day_offset(words, now)
    clock = _clock(words)
    if offset is None and clock is None:
        return None
    hour, minute = clock if clock is not None else (DEFAULT_HOUR, 0)
    day = now + timedelta(days=offset or 0)
    moment = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if offset is None and moment <= now:
        moment += timedelta(days=1)
    return moment
