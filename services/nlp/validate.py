"""Checks on what the language model says, before anything uses it.

The model answers JSON constrained by a schema, but Ollama does not enforce numeric bounds, a small
model invents entities, and a summary can be one word. Every check raises
:class:`~services.nlp.client.LlmFailure` with ``reason`` ``invalid_answer``, ``unsure`` or
``low_confidence``; the caller then keeps the fast path (or the heuristic summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.nlp.client import LlmFailure
from services.nlp.keywords import UNKNOWN, FastResult, classify
from services.nlp.text import normalize

SENTIMENTS = ("negative", "neutral", "positive")
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
# Words a summary of a sales call uses even when it quotes nothing of it.
_ABOUT_A_CALL = frozenset(
    {"contact", "appel", "client", "interlocuteur", "personne", "rappel", "rappeler", "interesse", "refuse"}
)


@dataclass(frozen=True)
class IntentAnswer:
    """A model answer that passed every check."""

    intent: str
    confidence: float
    sentiment: str
    entities: Mapping[str, str] = field(default_factory=dict)


def check_intent(
    data: Mapping[str, Any], text: str, allowed: Sequence[str], fast: FastResult
) -> IntentAnswer:
    """The model's classification of ``text`` if it may be used, else :class:`LlmFailure`."""
    intent = data.get("intent")
    if not isinstance(intent, str) or intent not in {*allowed, UNKNOWN}:
        raise LlmFailure("invalid_answer", f"intent {intent!r} is not allowed at this step")
    confidence = data.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise LlmFailure("invalid_answer", f"confidence {confidence!r} is not a number between 0 and 1")
    if intent == UNKNOWN:
        raise LlmFailure("unsure", "the model did not recognise an intent")
    if confidence < MIN_CONFIDENCE:
        raise LlmFailure("low_confidence", f"{intent} at {confidence:.2f} < {MIN_CONFIDENCE}")
    if fast.intent not in (UNKNOWN, intent) and fast.confidence > 0 and confidence < OVERRIDE_CONFIDENCE:
        raise LlmFailure("low_confidence", f"{intent} at {confidence:.2f} contradicts keywords {fast.intent}")
    entities = caller_entities(data, text)
    if (
        intent == "callback"
        and "when" not in entities
        and classify(text, None, ("callback",)).intent != intent
    ):
        raise LlmFailure("invalid_answer", "callback without a time nor a callback word in the caller's text")
    sentiment = data.get("sentiment")
    return IntentAnswer(
        intent, float(confidence), sentiment if sentiment in SENTIMENTS else "neutral", entities
    )


def caller_entities(data: Mapping[str, Any], text: str) -> dict[str, str]:
    """Entities the model located that are the caller's own words (``when`` must appear in ``text``)."""
    when = data.get("when")
    if isinstance(when, str) and normalize(when) and f" {normalize(when)} " in f" {normalize(text)} ":
        return {"when": when.strip()}
    return {}


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
