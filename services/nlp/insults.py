"""Mask French insults in text meant for people (summaries, dashboards)."""

from __future__ import annotations

import re

from services.nlp import lexicon
from services.nlp.text import normalize

_WORD = re.compile(r"[\w-]+|[^\w-]+")
_SINGLE = frozenset(phrase for phrase in (normalize(p) for p in lexicon.INSULT) if " " not in phrase)
_MULTI = tuple(tuple(normalize(p).split()) for p in lexicon.INSULT if " " in normalize(p))
MASK = "***"


def _is_word(token: str) -> bool:
    return bool(normalize(token))


def mask_insults(text: str) -> str:
    """``text`` with insults replaced by ``***`` (accent/case-insensitive, punctuation kept)."""
    tokens = _WORD.findall(text)
    words = [(i, normalize(tok)) for i, tok in enumerate(tokens) if _is_word(tok)]
    masked: set[int] = set()
    for position, (index, word) in enumerate(words):
        if word in _SINGLE:
            masked.add(index)
        for phrase in _MULTI:
            window = [w for _, w in words[position : position + len(phrase)]]
            if tuple(window) == phrase:
                masked.update(i for i, _ in words[position : position + len(phrase)])
    return "".join(MASK if i in masked else tok for i, tok in enumerate(tokens))


def contains_insult(text: str) -> bool:
    """Whether ``text`` contains a known insult."""
    return mask_insults(text) != text
