"""Text normalisation for French ASR output: lowercase, no accents, no punctuation."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")

# Filler words ASR keeps from spoken French; they carry no intent.
HESITATIONS = frozenset({"euh", "heu", "euhm", "hum", "hmm", "mmh", "ben", "bah", "beh", "hein", "ah", "oh"})


def fold(text: str) -> str:
    """Lowercase and strip accents (``"Ça Été"`` -> ``"ca ete"``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe")


def normalize(text: str) -> str:
    """Folded text with punctuation turned into single spaces, hesitations removed."""
    words = _NON_WORD.sub(" ", _STRETCHED.sub(r"\1", fold(text))).split()
    return " ".join(word for word in words if word not in HESITATIONS)
