"""Objections ("j'ai déjà un conseiller", "c'est combien ?"): which one, if any, an utterance raises.

A scenario names its objections with example phrasings and keywords (plain data here). A keyword
found in the utterance decides at once; otherwise an n-gram model trained on the examples against
ordinary answers (the intent phrases shipped with the package, as ``none``) must be sure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.nlp.ngrams import DATA_DIR, TRAINING_FILES, NgramModel, read_rows
from services.nlp.text import normalize

NONE = "none"
THRESHOLD = 0.6  # model probability from which an objection is recognised


@dataclass(frozen=True)
class ObjectionSpec:
    """What the language layer knows of one objection."""

    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


Specs = tuple[tuple[str, ObjectionSpec], ...]


def freeze(objections: Mapping[str, ObjectionSpec] | None) -> Specs:
    """A hashable, ordered form of ``{name: spec}`` (for the model cache)."""
    return tuple(sorted((objections or {}).items()))


@dataclass(frozen=True)
class _Detector:
    keywords: dict[str, list[tuple[tuple[str, ...], str]]]  # first word -> (words, objection), longest first
    model: NgramModel

    def detect(self, tokens: Sequence[str]) -> tuple[str, float]:
        found = [
            (len(words), name)
            for i, token in enumerate(tokens)
            for words, name in self.keywords.get(token, ())
            if tuple(tokens[i : i + len(words)]) == words
        ]
        if found:  # the longest keyword said decides
            return max(found, key=lambda item: item[0])[1], 0.95
        probabilities = self.model.probabilities(tokens)
        name, probability = max(probabilities.items(), key=lambda item: item[1])
        return (name, probability) if name != NONE and probability >= THRESHOLD else (NONE, 0.0)


@lru_cache(maxsize=64)
def _detector(specs: Specs) -> _Detector:
    keywords: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, spec in specs:
        for phrase in spec.keywords:
            words = tuple(normalize(phrase).split())
            if words:
                keywords.setdefault(words[0], []).append((words, name))
    for candidates in keywords.values():
        candidates.sort(key=lambda item: -len(item[0]))
    rows = [(normalize(example).split(), name) for name, spec in specs for example in spec.examples]
    ordinary = [(tokens, NONE) for tokens, _ in read_rows(DATA_DIR / name for name in TRAINING_FILES)]
    return _Detector(keywords, NgramModel.train([*rows, *ordinary]))


def detect(tokens: Sequence[str], specs: Specs) -> tuple[str, float]:
    """``(objection, confidence)`` raised by normalised ``tokens``, or ``("none", 0.0)``."""
    if not specs or not tokens:
        return NONE, 0.0
    return _detector(specs).detect(tokens)
