"""French text normalisation for speech: numbers, times, dates, amounts, phone numbers and
abbreviations written out as they are said ("14 h 30" -> "quatorze heures trente"), after the
scenario's lexicon (brand names and the like: word -> how to say it).

Pure functions; the TTS applies `normalize_fr` to every prompt before synthesis and caching.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_UNITS = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
]
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_LARGE = ((10**9, "milliard"), (10**6, "million"))
_SPACE = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space (French thousands)


def _below_100(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix..., quatre-vingt-dix...
        base = "soixante" if tens == 7 else "quatre-vingt"
        return "soixante et onze" if n == 71 else f"{base}-{_UNITS[10 + unit]}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 else f"quatre-vingt-{_UNITS[unit]}"
    if unit == 0:
        return _TENS[tens]
    return f"{_TENS[tens]} et un" if unit == 1 else f"{_TENS[tens]}-{_UNITS[unit]}"


def _below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        return _below_100(rest)
    head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent{'s' if rest == 0 else ''}"
    return head if rest == 0 else f"{head} {_below_100(rest)}"


def _invariable(words: str) -> str:
    """ "deux cents" -> "deux cent", "quatre-vingts" -> "quatre-vingt" (before mille, in ordinals)."""
    return re.sub(r"(cent|vingt)s$", r"\1", words)


def number_fr(n: int) -> str:
    """A whole number in French words ("quatre-vingt-dix-sept", "deux cent mille", "un million")."""
    if n < 0:
        return f"moins {number_fr(-n)}"
    if n >= 10**12:
        return " ".join(_UNITS[int(d)] for d in str(n))
    if n < 1000:
        return _below_1000(n)
    words: list[str] = []
    for value, name in _LARGE:
        count, n = divmod(n, value)
        if count:
            words.append(f"{number_fr(count)} {name}{'s' if count > 1 else ''}")
    thousands, n = divmod(n, 1000)
    if thousands:  # "cents" and "quatre-vingts" lose their s before "mille"
        words.append("mille" if thousands == 1 else _invariable(_below_1000(thousands)) + " mille")
    if n:
        words.append(_below_1000(n))
    return " ".join(words)


def feminine(words: str) -> str:
    """ "un" -> "une" at the end of a number (une heure, vingt et une heures)."""
    return re.sub(r"\bun$", "une", words)


def ordinal_fr(n: int, feminine_: bool = False) -> str:
    """1 -> premier/première, 2 -> deuxième, 21 -> vingt et unième, 80 -> quatre-vingtième."""
    if n == 1:
        return "première" if feminine_ else "premier"
    words = _invariable(number_fr(n))
    if words.endswith("cinq"):
        return words + "uième"
    if words.endswith("neuf"):
        return words[:-1] + "vième"
    return (words[:-1] if words.endswith("e") else words) + "ième"


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _decimal(whole: str, fraction: str) -> str:
    """3,05 -> "trois virgule zéro cinq" (leading zeros of the fraction are said)."""
    zeros = len(fraction) - len(fraction.lstrip("0"))
    tail = " ".join(["zéro"] * zeros + ([number_fr(int(fraction))] if fraction.strip("0") else []))
    return f"{number_fr(_digits(whole))} virgule {tail or 'zéro'}"


def _pair(digits: str) -> str:
    """One group of a phone number: "06" -> "zéro six", "34" -> "trente-quatre"."""
    return f"zéro {_UNITS[int(digits)]}" if len(digits) == 2 and digits[0] == "0" else number_fr(int(digits))


def _phone(match: re.Match[str]) -> str:
    """Said in groups: "zéro six, douze, ..." or "plus trente-trois, six, douze, ..."."""
    digits = re.sub(r"\D", "", match.group(0))
    if match.group(0).startswith("+"):
        national = digits[2:]
        groups = ["plus trente-trois", number_fr(int(national[0]))]
        groups += [_pair(national[i : i + 2]) for i in range(1, len(national), 2)]
        return ", ".join(groups)
    return ", ".join(_pair(digits[i : i + 2]) for i in range(0, len(digits), 2))


def _date(match: re.Match[str]) -> str:
    day, month, year = int(match["d"]), int(match["m"]), match["y"]
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    said = f"{'premier' if day == 1 else number_fr(day)} {MONTHS[month - 1]}"
    if year:
        said += " " + number_fr(int(year) + (2000 if len(year) == 2 else 0))
    return said


def _time(match: re.Match[str]) -> str:
    hours, minutes = int(match["h"]), int(match["min"] or 0)
    said = f"{feminine(number_fr(hours))} heure{'s' if hours > 1 else ''}"
    return f"{said} {feminine(number_fr(minutes))}" if minutes else said


def _amount(match: re.Match[str]) -> str:
    units = _digits(match["whole"]) * (1000 if match["k"] else 1)
    cents = int((match["cents"] or "0").ljust(2, "0"))
    name = "dollar" if match["unit"] == "$" else "euro"
    if units == 0 and cents:
        return f"{number_fr(cents)} centime{'s' if cents > 1 else ''}"
    words = number_fr(units)
    if re.search(r"(million|milliard)s?$", words):
        said = f"{words} d'{name}s"
    else:
        said = f"{words} {name}{'s' if units > 1 else ''}"
    return f"{said} {number_fr(cents)}" if cents else said


def _ordinal(match: re.Match[str]) -> str:
    n, suffix = int(match["n"]), match["suffix"].lower()
    if suffix in ("nd", "nde"):
        return "second" if suffix == "nd" else "seconde"
    return ordinal_fr(n, feminine_=suffix in ("re", "ère"))


def _unit(singular: str, plural: str) -> Callable[[re.Match[str]], str]:
    def say(match: re.Match[str]) -> str:
        n = int(match["n"])
        return f"{number_fr(n)} {singular if n <= 1 else plural}"

    return say


def _spell(letters: str) -> str:
    names = {
        "A": "a", "B": "bé", "C": "cé", "D": "dé", "E": "eu", "F": "èf", "G": "jé", "H": "ache",
        "I": "i", "J": "ji", "K": "ka", "L": "èl", "M": "èm", "N": "èn", "O": "o", "P": "pé",
        "Q": "ku", "R": "èr", "S": "èss", "T": "té", "U": "u", "V": "vé", "W": "double vé",
        "X": "iks", "Y": "i grec", "Z": "zèd",
    }  # fmt: skip
    return " ".join(names[c] for c in letters)


# acronyms said letter by letter (banking and everyday ones); a scenario lexicon can add more
SPELLED = [
    "PEL",
    "CEL",
    "PEA",
    "PER",
    "PERP",
    "LEP",
    "LDDS",
    "SCPI",
    "OPCVM",
    "TVA",
    "RIB",
    "CB",
    "SMS",
    "PDF",
    "SNCF",
    "EDF",
    "CDI",
    "CDD",
    "PME",
    "TPE",
    "SAV",
    "RSA",
    "CSG",
    "IRPP",
    "BNP",
    "CIC",
    "LCL",
    "HLM",
    "TGV",
]

_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bM\.(?=\s+[A-ZÀ-Ý])", "monsieur"),
    (r"\bMM\.(?=\s+[A-ZÀ-Ý])", "messieurs"),
    (r"\bMmes\b", "mesdames"),
    (r"\bMme\b", "madame"),
    (r"\bMlles\b", "mesdemoiselles"),
    (r"\bMlle\b", "mademoiselle"),
    (r"\bDr\b\.?", "docteur"),
    (r"\b(?:RDV|rdv|Rdv)\b", "rendez-vous"),
    (r"\b[nN]°\s*", "numéro "),
    (r"\betc\.", "et cetera"),
    (r"\b(?:SVP|svp)\b", "s'il vous plaît"),
    (r"\b[tT]él\.", "téléphone"),
    (r"\bTTC\b", "toutes taxes comprises"),
    (r"\bHT\b", "hors taxes"),
    (r"\s&\s", " et "),
    (r"\b(?:" + "|".join(SPELLED) + r")\b", ""),  # spelled below
)

_NUMBER_RULES: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    (r"(?<![\d+])(?:\+33[ .-]?[1-9](?:[ .-]?\d{2}){4}|0[1-9](?:[ .-]?\d{2}){4})(?!\d)", _phone),
    (r"\b24\s?h\s?/\s?24\b", "vingt-quatre heures sur vingt-quatre"),
    (r"\b7\s?j\s?/\s?7\b", "sept jours sur sept"),
    (r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?\b", _date),
    (r"\b1(?:er)?(?=\s+(?:" + "|".join(MONTHS) + r")\b)", "premier"),
    (r"\b(?P<h>[01]?\d|2[0-3])\s?[hH:]\s?(?P<min>[0-5]\d)?(?![\dA-Za-zÀ-ÿ])", _time),
    (
        rf"(?P<whole>\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)(?:[,.](?P<cents>\d{{1,2}}))?{_SPACE}?"
        r"(?P<k>k)?(?P<unit>€|\$|euros?\b|EUR\b)",
        _amount,
    ),
    (r"(?P<n>\d+),(?P<f>\d+)\s?%", lambda m: f"{_decimal(m['n'], m['f'])} pour cent"),
    (r"(?P<n>\d+)\s?%", lambda m: f"{number_fr(int(m['n']))} pour cent"),
    (r"\b(?P<n>\d+)(?P<suffix>ère|ème|eme|er|re|nde|nd|e)\b", _ordinal),
    (r"\b(?P<n>\d+)\s?km\b", _unit("kilomètre", "kilomètres")),
    (r"\b(?P<n>\d+)\s?kg\b", _unit("kilo", "kilos")),
    (r"\b(?P<n>\d+)\s?m²", _unit("mètre carré", "mètres carrés")),
    (r"\b(?P<n>\d+)\s?min\b", _unit("minute", "minutes")),
    (r"\b(?P<n>\d+),(?P<f>\d+)\b", lambda m: _decimal(m["n"], m["f"])),
    (rf"\b\d{{1,3}}(?:{_SPACE}\d{{3}})+\b", lambda m: number_fr(_digits(m.group(0)))),
    (r"\d+", lambda m: number_fr(int(m.group(0)))),
)

_COMPILED_WORDS = [(re.compile(p), r) for p, r in _WORDS]
_COMPILED_NUMBERS = [(re.compile(p), r) for p, r in _NUMBER_RULES]


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace each lexicon entry (whole words, any case) by how it is said; longest entries first."""
    for word in sorted(lexicon, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", lexicon[word], text, flags=re.IGNORECASE)
    return text


def normalize_fr(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """``text`` as a French voice should read it: lexicon, abbreviations, then numbers of all kinds."""
    text = apply_lexicon(text, lexicon or {})
    for pattern, replacement in _COMPILED_WORDS:
        if replacement:
            text = pattern.sub(replacement, text)
        else:
            text = pattern.sub(lambda m: _spell(m.group(0)), text)
    for pattern, rule in _COMPILED_NUMBERS:
        text = pattern.sub(rule, text)
    return re.sub(r"[ \u00a0\u202f]+", " ", text).strip()
