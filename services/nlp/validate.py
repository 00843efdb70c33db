"""Checks on what the language model says, before anything uses it.

The model answers JSON constrained by a schema, but a server or proxy may not apply it, a small
model answers "yes, sure" to anything, and a summary can be one word. Every check raises
:class:`~services.nlp.client.LlmFailure` with ``reason`` ``invalid_answer``, ``unsure`` or
``low_confidence``; the caller then keeps the fast path (or the heuristic summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.nlp.client import LlmFailure
from services.nlp.keywords import UNKNOWN, FastResult, classify
from services.nlp.text import normalize

SENTIMENTS = ("negative", "neutral", "positive")
# The model says how sure it is in words: a number costs many tokens on a CPU (and a small model
# writes "1000000000000000"); the levels map to confidences the service compares with its thresholds.
CERTAINTY = {"faible": 0.4, "moyenne": 0.7, "forte": 0.95}
MIN_CONFIDENCE = 0.6  # below this the model's answer is not used
OVERRIDE_CONFIDENCE = 0.9  # the model contradicts a fast-path candidate only this sure
SUMMARY_MIN_CHARS = 30
SUMMARY_MIN_WORDS = 6

# Common French function words: a French sentence of six words or more has at least two.
_FRENCH = frozenset(
    {
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d",
        "au",
        "aux",
        "et",
        "est",
        "a",
        "ont",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "ne",
        "pas",
        "n",
        "que",
        "qui",
        "qu",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
        "sans",
        "son",
        "sa",
        "ses",
        "ce",
        "cette",
        "se",
        "s",
        "en",
        "y",
        "ou",
        "mais",
        "plus",
        "tres",
        "ete",
        "avoir",
        "etre",
    }
)
# Words that place a callback in time ("en fin de journée", "plus tard", "jeudi", "vers 18 h").
_LATER = frozenset(
    [
        "heure",
        "heures",
        "h",
        "midi",
        "matin",
        "matinee",
        "soir",
        "soiree",
        "apres",
        "journee",
        "demain",
        "semaine",
        "mois",
        "tard",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "rappel",
        "rappeler",
        "rappelez",
        "moment",
    ]
)

# Words a summary of a sales call uses even when it quotes nothing of it.
_ABOUT_A_CALL = frozenset(
    {"contact", "appel", "client", "interlocuteur", "personne", "rappel", "rappeler", "interesse", "refuse"}
)


@dataclass(frozen=True)
class IntentAnswer:
    """A model answer that passed every check (the sentiment is the keywords' own)."""

    intent: str
    confidence: float
    sentiment: str


def check_intent(
    data: Mapping[str, Any], text: str, allowed: Sequence[str], fast: FastResult
) -> IntentAnswer:
    """The model's classification of ``text`` if it may be used, else :class:`LlmFailure`."""
    intent = data.get("intent")
    if not isinstance(intent, str) or intent not in {*allowed, UNKNOWN}:
        raise LlmFailure("invalid_answer", f"intent {intent!r} is not allowed at this step")
    level = data.get("certitude")
    if not isinstance(level, str) or level not in CERTAINTY:
        raise LlmFailure("invalid_answer", f"certitude {level!r} is not one of {', '.join(CERTAINTY)}")
    confidence = CERTAINTY[level]
    if intent == UNKNOWN:
        raise LlmFailure("unsure", "the model did not recognise an intent")
    if confidence < MIN_CONFIDENCE:
        raise LlmFailure("low_confidence", f"{intent} with certitude {level}")
    if fast.intent not in (UNKNOWN, intent) and fast.confidence > 0 and confidence < OVERRIDE_CONFIDENCE:
        raise LlmFailure("low_confidence", f"{intent} ({level}) contradicts keywords {fast.intent}")
    if intent == "callback" and not asks_for_later(text):
        raise LlmFailure("invalid_answer", "callback without a time nor a callback word in the caller's text")
    return IntentAnswer(intent, confidence, fast.sentiment)


def asks_for_later(text: str) -> bool:
    """Whether the caller's words speak of a time or of calling back (a callback must)."""
    words = set(normalize(text).split())
    return bool(words & _LATER) or classify(text, None, ("callback",)).intent == "callback"


def check_summary(summary: Any, transcript: str) -> str:
    """A usable French summary of the call in ``transcript``, else :class:`LlmFailure`."""
    if not isinstance(summary, str):
        raise LlmFailure("invalid_answer", "summary is not a string")
    words = normalize(summary).split()
    if len(summary.strip()) < SUMMARY_MIN_CHARS or len(words) < SUMMARY_MIN_WORDS:
        raise LlmFailure("invalid_answer", f"summary too short: {summary[:40]!r}")
    if not looks_french(summary):
        raise LlmFailure("invalid_answer", f"summary is not French: {summary[:40]!r}")
    heard = set(normalize(transcript).split()) | _ABOUT_A_CALL
    if not any(word in heard for word in words if len(word) > 3):
        raise LlmFailure("invalid_answer", f"summary shares no word with the call: {summary[:40]!r}")
    return summary.strip()


def looks_french(text: str, minimum: int = 2) -> bool:
    """Whether ``text`` reads as French (enough French function words, a fifth of the words at least)."""
    words = normalize(text).split()
    french = sum(1 for word in words if word in _FRENCH)
    return french >= min(minimum, len(words)) and french * 5 >= len(words)
