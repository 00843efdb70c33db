"""Keyword fast path: French intent classification in well under a millisecond.

Accent- and case-insensitive (works on ASR output without punctuation), negation-aware
("pas intéressé", "je n'ai pas de livret" -> no), hesitation-tolerant ("euh", "ben").
Step-specific keyword tables come from the scenario as plain data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from services.nlp import lexicon
from services.nlp.text import normalize

GLOBAL_INTENTS = ("do_not_call", "insult", "wrong_person", "callback", "who_are_you")
POLARITY_INTENTS = ("yes", "no")
UNKNOWN = "unknown"
CORRECTIONS = frozenset({"mais", "enfin", "finalement", "plutot"})

_GLOBAL_TABLE: dict[str, tuple[str, ...]] = {
    "do_not_call": lexicon.DO_NOT_CALL,
    "insult": lexicon.INSULT,
    "wrong_person": lexicon.WRONG_PERSON,
    "callback": lexicon.CALLBACK,
    "who_are_you": lexicon.WHO_ARE_YOU,
}
_CONFIDENCE = {"do_not_call": 0.95, "insult": 0.9, "wrong_person": 0.85, "callback": 0.85, "who_are_you": 0.9}


@dataclass(frozen=True)
class FastResult:
    """Outcome of the fast path."""

    intent: str
    confidence: float
    sentiment: str = "neutral"
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Hit:
    intent: str
    phrase: str
    start: int
    end: int


@dataclass
class _Scanner:
    """Longest-match phrase scanner over word tokens."""

    by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = field(default_factory=dict)

    def add(self, intent: str, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            words = tuple(normalize(phrase).split())
            if words:
                self.by_first.setdefault(words[0], []).append((words, intent, " ".join(words)))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))

    def scan(self, tokens: Sequence[str]) -> list[_Hit]:
        hits: list[_Hit] = []
        i = 0
        while i < len(tokens):
            for words, intent, phrase in self.by_first.get(tokens[i], ()):
                if tuple(tokens[i : i + len(words)]) == words:
                    hits.append(_Hit(intent, phrase, i, i + len(words)))
                    i += len(words)
                    break
            else:
                i += 1
        return hits


def _negated(tokens: Sequence[str], hit: _Hit) -> bool:
    if lexicon.NEGATORS.intersection(hit.phrase.split()):
        return False
    before = tokens[max(0, hit.start - 3) : hit.start]
    after = tokens[hit.end : hit.end + 1]
    return bool(lexicon.NEGATORS.intersection(before)) or bool(lexicon.NEGATOR_AFTER.intersection(after))


@dataclass(frozen=True)
class KeywordModel:
    """Compiled keyword tables: the global intents plus yes/no and any step-specific intents."""

    globals_: _Scanner
    polarity: _Scanner
    sentiment: _Scanner

    def classify(self, text: str, allowed: Collection[str] | None = None) -> FastResult:
        """Classify one utterance; intents outside ``allowed`` (plus globals) become ``unknown``."""
        tokens = normalize(text).split()
        mood = self._sentiment(tokens)
        if not tokens:
            return FastResult(UNKNOWN, 0.0, mood)
        result = self._resolve(tokens, mood)
        if allowed is not None and result.intent not in {*allowed, *GLOBAL_INTENTS, UNKNOWN}:
            return FastResult(UNKNOWN, 0.3, mood, result.matched)
        return result

    def _resolve(self, tokens: list[str], mood: str) -> FastResult:
        global_hits = self.globals_.scan(tokens)
        found = {hit.intent: hit for hit in global_hits}
        for intent in GLOBAL_INTENTS:
            if intent in found:
                sentiment = "negative" if intent in {"insult", "do_not_call"} else mood
                return FastResult(intent, _CONFIDENCE[intent], sentiment, (found[intent].phrase,))
        hits = [hit for hit in self.polarity.scan(tokens) if hit.intent != UNKNOWN]
        custom = [h for h in hits if h.intent not in POLARITY_INTENTS and not _negated(tokens, h)]
        if custom:
            return FastResult(custom[0].intent, 0.9, mood, tuple(h.phrase for h in custom))
        signed: list[tuple[str, _Hit, bool]] = []
        for hit in hits:
            if hit.intent == "no":
                signed.append(("no", hit, False))
            else:  # yes or a step intent: a negated one means no
                signed.append(("no", hit, True) if _negated(tokens, hit) else ("yes", hit, False))
        if not signed:
            return FastResult(UNKNOWN, 0.0, mood)
        matched = tuple(hit.phrase for _, hit, _ in signed)
        polarities = {polarity for polarity, _, _ in signed}
        if len(polarities) > 1:
            corrected = any(tok in CORRECTIONS for tok in tokens[signed[0][1].end : signed[-1][1].start])
            chosen = signed[-1] if corrected else signed[0]
            return FastResult(chosen[0], 0.55, mood, matched)
        polarity, first, negated = signed[0]
        if polarity == "yes":
            weak = (
                all(hit.phrase in lexicon.WEAK_YES for _, hit, _ in signed) or "mais" in tokens[first.end :]
            )
            return FastResult("yes", 0.6 if weak else 0.9, mood, matched)
        return FastResult("no", 0.85 if negated else 0.9, mood, matched)

    def _sentiment(self, tokens: list[str]) -> str:
        hits = self.sentiment.scan(tokens)
        negative = sum(1 for h in hits if h.intent in {"negative", "insult"})
        positive = sum(1 for h in hits if h.intent == "positive")
        if negative > positive:
            return "negative"
        return "positive" if positive > negative else "neutral"


def _freeze(extra: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((name, tuple(phrases)) for name, phrases in (extra or {}).items()))


@lru_cache(maxsize=256)
def _compiled(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> KeywordModel:
    globals_ = _Scanner()
    for intent, phrases in _GLOBAL_TABLE.items():
        globals_.add(intent, phrases)
    polarity = _Scanner()
    polarity.add("yes", lexicon.YES)
    polarity.add("no", lexicon.NO)
    polarity.add(UNKNOWN, lexicon.NEUTRAL)
    for intent, phrases in extra:
        if intent in _GLOBAL_TABLE:
            globals_.add(intent, phrases)
        else:
            polarity.add(intent, phrases)
    sentiment = _Scanner()
    sentiment.add("positive", lexicon.POSITIVE)
    sentiment.add("negative", lexicon.NEGATIVE)
    sentiment.add("insult", lexicon.INSULT)
    return KeywordModel(globals_, polarity, sentiment)


def keyword_model(extra: Mapping[str, Sequence[str]] | None = None) -> KeywordModel:
    """The default French tables extended with step-specific ``{intent: [phrases]}`` (cached)."""
    return _compiled(_freeze(extra))


def classify(
    text: str,
    keywords: Mapping[str, Sequence[str]] | None = None,
    allowed: Collection[str] | None = None,
) -> FastResult:
    """Fast-path intent of ``text`` with optional step keywords and allowed intents."""
    return keyword_model(keywords).classify(text, allowed)


def sentiment_of(text: str) -> str:
    """``negative`` / ``neutral`` / ``positive`` from keywords."""
    return keyword_model().classify(text).sentiment
