"""Booking an appointment in French (pure): how the bot offers slots, and what the caller chose.

The caller answers an offer of two slots ("mardi 14 janvier à 10 h, ou jeudi à 15 h 30") with a
pick ("le deuxième", "mardi", "à 10 h", "celui de l'après-midi", "peu importe"), a refusal ("ni
l'un ni l'autre"), or a counter-proposal ("plutôt vendredi matin", "la semaine prochaine après
17 h", "le 20 vers 11 h"). A counter-proposal becomes a :class:`Preference` that filters slots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from scenarios.strings import MONTHS, WEEKDAYS
from scenarios.when import digits
from services.nlp.text import normalize

PARTS_OF_DAY = {
    "morning": (time(0), time(12)),
    "afternoon": (time(12), time(18)),
    "evening": (time(17), time(23, 59)),
}
_PART_WORDS = (
    (r"\b(matin|matinee)\b", "morning"),
    (r"\b(apres midi|aprem)\b", "afternoon"),
    (r"\b(soir|soiree|fin de journee)\b", "evening"),
)
_ORDINALS = (
    (r"\b(premier|premiere|1er|1ere|numero 1|le 1)\b", 0),
    (r"\b(deuxieme|second|seconde|2e|2eme|numero 2|le 2)\b", 1),
    (r"\b(dernier|derniere)\b", -1),
)
_REFUSE = re.compile(
    r"\b(ni l un ni l autre|aucun( des deux)?|aucune|ca (ne )?m arrange pas|ca (ne )?me va pas|"
    r"impossible|pas possible|je (ne )?peux pas|pas dispo|pas disponible|non merci|ni l une ni l autre)\b"
)
_ANY = re.compile(
    r"\b(peu importe|n importe (lequel|laquelle)|comme vous (voulez|voudrez)|les deux me vont|"
    r"l un ou l autre|ca m est egal|choisissez)\b"
)
_NO = re.compile(r"^(non|nan|non non|ah non|bah non|euh non)\b")
_YES = re.compile(
    r"\b(oui|ouais|d accord|ok|okay|parfait|tres bien|c est bon|ca marche|entendu|ca me va|"
    r"exactement|c est ca|volontiers|va pour)\b"
)
_CLOCK = re.compile(r"\b(\d{1,2}) ?(?:h|heures?)(?: ?(\d{2}))?\b|\b(midi)\b")
_TIME = r"(?:(\d{1,2}) ?(?:h|heures?)(?: ?(\d{2}))?|(midi))"
_AFTER = re.compile(r"\b(?:apres|a partir de|plus tard que|pas avant)\s+" + _TIME)
_BEFORE = re.compile(r"\b(?:avant|au plus tard a|pas apres)\s+" + _TIME)
_DAY_OF_MONTH = re.compile(r"\b(?:le )(\d{1,2})(?: (" + "|".join(normalize(m) for m in MONTHS) + r"))?\b")


@dataclass(frozen=True)
class Preference:
    """What the caller would rather have; every field set must match."""

    weekday: int | None = None
    day: date | None = None
    part: str | None = None  # morning | afternoon | evening
    at: time | None = None
    after: time | None = None
    before: time | None = None
    from_date: date | None = None  # "la semaine prochaine": on or after next Monday

    def is_empty(self) -> bool:
        """No usable criterion."""
        return self == Preference()

    def matches(self, moment: datetime) -> bool:
        """Does a slot starting at ``moment`` (local time) satisfy every criterion?"""
        clock = moment.time()
        checks = [
            self.weekday is None or moment.weekday() == self.weekday,
            self.day is None or moment.date() == self.day,
            self.part is None or PARTS_OF_DAY[self.part][0] <= clock < PARTS_OF_DAY[self.part][1],
            self.at is None or (clock.hour, clock.minute) == (self.at.hour, self.at.minute),
            self.after is None or clock >= self.after,
            self.before is None or clock < self.before,
            self.from_date is None or moment.date() >= self.from_date,
        ]
        return all(checks)


@dataclass(frozen=True)
class Pick:
    """The caller chose offered slot number ``index`` (0-based)."""

    index: int


@dataclass(frozen=True)
class Counter:
    """The caller asked for something else."""

    preference: Preference


@dataclass(frozen=True)
class Refuse:
    """Neither slot, and nothing else said."""


@dataclass(frozen=True)
class Unclear:
    """Nothing usable: ask again."""


Answer = Pick | Counter | Refuse | Unclear


def spoken_time(moment: time | datetime) -> str:
    """``10 h``, ``15 h 30``, ``midi``, ``midi et demi`` (as a French voice reads a time)."""
    if moment.hour == 12 and moment.minute in (0, 30):
        return "midi" if moment.minute == 0 else "midi et demi"
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")


def spoken_slot(moment: datetime, *, with_date: bool = True) -> str:
    """``mardi 14 janvier à 10 h`` (or ``jeudi à 15 h 30`` without the date)."""
    day = WEEKDAYS[moment.weekday()]
    if with_date:
        day = f"{day} {'1er' if moment.day == 1 else moment.day} {MONTHS[moment.month - 1]}"
    return f"{day} à {spoken_time(moment)}"


def offer_text(slots: Sequence[datetime]) -> str:
    """The bot's offer of one or two slots (local times), the second without its date when it
    falls within the same week as the first."""
    if len(slots) == 1:
        return f"Je peux vous proposer {spoken_slot(slots[0])}. Est-ce que cela vous convient ?"
    first, second = slots[0], slots[1]
    same_week = timedelta(0) < second - first < timedelta(days=6)
    return (
        f"Je peux vous proposer {spoken_slot(first)}, ou {spoken_slot(second, with_date=not same_week)}. "
        "Qu'est-ce qui vous arrange ?"
    )


def confirm_text(moment: datetime, adviser: str, title: str) -> str:
    """One sentence with the date, the time and the adviser, asking for a yes."""
    return (
        f"Je récapitule : rendez-vous le {spoken_slot(moment)} avec {adviser}, votre {title}. "
        "C'est bien d'accord ?"
    )


def _time_of(hour: str | None, minute: str | None, noon: str | None) -> time | None:
    """A spoken time: ``midi``, or hour and minutes, "à 3 h" being 15 h on a working day."""
    if noon:
        return time(12)
    hours, minutes = int(hour or 0), int(minute or 0)
    if hours < 8:
        hours += 12
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def _times(text: str, pattern: re.Pattern[str]) -> time | None:
    found = pattern.search(text)
    return None if found is None else _time_of(found.group(1), found.group(2), found.group(3))


def preference(text: str, today: date) -> Preference:
    """The criteria in ``text`` (already normalised, numbers as digits)."""
    pref = Preference()
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{normalize(name)}\b", text):
            pref = replace(pref, weekday=index)
    for pattern, part in _PART_WORDS:
        if re.search(pattern, text):
            pref = replace(pref, part=part)
    after, before = _times(text, _AFTER), _times(text, _BEFORE)
    pref = replace(pref, after=after, before=before)
    if after is None and before is None:
        clock = _CLOCK.search(re.sub(r"\b(vers|a|pour)\b", " ", text))
        if clock is not None and not (clock.group(3) and "apres midi" in text):
            pref = replace(pref, at=_time_of(clock.group(1), clock.group(2), clock.group(3)))
    if "semaine prochaine" in text:
        pref = replace(pref, from_date=today + timedelta(days=7 - today.weekday()))
    if re.search(r"\bdemain\b", text) and "apres demain" not in text:
        pref = replace(pref, day=today + timedelta(days=1))
    elif "apres demain" in text:
        pref = replace(pref, day=today + timedelta(days=2))
    day = _DAY_OF_MONTH.search(text)
    if day is not None and not _CLOCK.match(text, day.start(1)):
        number = int(day.group(1))
        if 1 <= number <= 31 and number > 2:  # "le 1"/"le 2" are picks ("le premier")
            pref = replace(pref, day=_next_day_of_month(today, number, day.group(2)))
    return pref


def _next_day_of_month(today: date, number: int, month_name: str | None) -> date | None:
    """The next date (from today) that is day ``number`` of ``month_name`` or of any month."""
    if month_name:
        month = [normalize(m) for m in MONTHS].index(month_name) + 1
        candidates = [(today.year, month), (today.year + 1, month)]
    else:
        candidates = [divmod(today.year * 12 + today.month - 1 + k, 12) for k in range(13)]
        candidates = [(year, m + 1) for year, m in candidates]
    for year, month in candidates:
        try:
            found = date(year, month, number)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def understand(text: str, offered: Sequence[datetime], today: date) -> Answer:
    """What the caller's answer to an offer of ``offered`` (local times) means."""
    plain = normalize(text)
    words = digits(plain)
    if not words.strip():
        return Unclear()
    for pattern, index in _ORDINALS:
        if re.search(pattern, plain) and (index == -1 or index < len(offered)):
            return Pick(index % len(offered))
    if _ANY.search(plain):
        return Pick(0)
    if _REFUSE.search(plain) and not _has_criteria(words, today):
        return Refuse()
    pref = preference(words, today)
    if not pref.is_empty():
        chosen = [i for i, moment in enumerate(offered) if pref.matches(moment)]
        if len(chosen) == 1:
            return Pick(chosen[0])
        if not chosen:
            return Counter(pref)
        return Unclear()  # both offered slots fit ("le matin" when both are mornings)
    if _NO.search(words):
        return Refuse()
    if len(offered) == 1 and _YES.search(words):
        return Pick(0)
    return Unclear()


def _has_criteria(words: str, today: date) -> bool:
    return not preference(words, today).is_empty()


def is_yes(text: str) -> bool:
    """A confirmation ("oui", "c'est ça", "parfait") without a "non"."""
    words = normalize(text)
    return bool(_YES.search(words)) and not _NO.search(words) and "pas d accord" not in words
