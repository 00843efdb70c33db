"""Text normalisation for French ASR output: lowercase, no accents, no punctuation.

Small speech models and hurried typists write French as it sounds: "jai", "cest", "mappelez",
"sa marche", "sait qui", and Québec speakers say "chu", "pu" (plus), "icitte". :func:`normalize`
undoes the glued elisions and maps those spellings to one form so the rules see one spelling.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")

# Filler words ASR keeps from spoken French; they carry no intent.
HESITATIONS = frozenset(
    {"euh", "heu", "euhm", "hum", "hmm", "mmh", "mm", "ben", "bah", "beh", "hein", "ah", "oh"}
)
# One spoken form, several spellings (ASR homophones, elisions written glued, Québec French).
SPELLINGS = {
    "jai": "j ai",
    "jen": "j en",
    "jy": "j y",
    "jsuis": "je suis",
    "chuis": "je suis",
    "chu": "je suis",
    "jveux": "je veux",
    "jpeux": "je peux",
    "jpense": "je pense",
    "jcrois": "je crois",
    "jsais": "je sais",
    "chais": "je sais pas",
    "cest": "c est",
    "sest": "c est",
    "quest": "qu est",
    "quesque": "qu est ce que",
    "kesse": "qu est ce que",
    "quesse": "qu est ce que",
    "questce": "qu est ce",
    "ya": "il y a",
    "sa": "ca",
    "pu": "plus",
    "dacc": "d accord",
    "dac": "d accord",
    "dacor": "d accord",
    "dacord": "d accord",
    "daccord": "d accord",
    "okey": "ok",
    "oke": "ok",
    "okay": "ok",
    "tusuite": "tout de suite",
    "aujourdhui": "aujourd hui",
    "ojourdhui": "aujourd hui",
    "astheure": "maintenant",
    "icitte": "ici",
    "pantoute": "pas du tout",
}
# "sait qui", "ses qui", "ces quoi": "c'est qui", "c'est quoi" (only before these words).
_CEST_HOMOPHONES = frozenset({"sait", "ses", "ces"})
_CEST_BEFORE = frozenset(
    {"qui", "quoi", "pour", "de", "du", "a", "un", "une", "quel", "quelle", "encore", "tu"}
)
# A glued elision: "mappelez" -> "m appelez", "dappeler" -> "d appeler", "lepargne" -> "l epargne".
_ELIDED = ("m", "d", "j", "l", "n", "s", "t", "c", "qu")
_GLUED_WORDS = re.compile(
    r"^(?:appel|apel|apell|interess|occup|accord|oppos|ecout|habit|epargn|assuranc|aurai|avez|avais|etais"
    r"|attend|entend|inquiet|imagin|appareil|apareil|arriv|echo|heure|apres|instant|autre|argent)"
)


def fold(text: str) -> str:
    """Lowercase and strip accents (``"Ça Été"`` -> ``"ca ete"``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe")


def _unglue(word: str) -> str:
    for prefix in _ELIDED:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) > 3 and _GLUED_WORDS.match(rest):
            return f"{prefix} {rest}"
    return word


def _respell(words: list[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in _CEST_HOMOPHONES and following in _CEST_BEFORE:
            out += ["c", "est"]
        else:
            out += SPELLINGS.get(word, _unglue(word)).split()
    return out


def normalize(text: str) -> str:
    """Folded text with punctuation turned into single spaces, hesitations removed, spellings unified."""
    words = _NON_WORD.sub(" ", _STRETCHED.sub(r"\1", fold(text))).split()
    return " ".join(word for word in _respell(words) if word not in HESITATIONS)
