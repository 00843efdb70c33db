"""Post-call analysis: French summary, sentiment timeline, qualification rationale.

Uses the language model when available (its own lane: budget and breaker) and falls back to keyword
heuristics when it fails or says something unusable (too short, off-topic, not French). ``source``
tells which: ``llm``, ``fallback`` (the model was asked, its answer not used) or ``heuristic`` (not
asked). Summaries never contain insults verbatim: they are masked whichever path produced them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from services.nlp import prompts
from services.nlp.client import LlmFailure
from services.nlp.dnc import dnc_evidence
from services.nlp.insults import contains_insult, mask_insults
from services.nlp.keywords import sentiment_of
from services.nlp.llm import NluService
from services.nlp.text import normalize
from services.nlp.validate import SENTIMENTS, check_summary, looks_french

STATUS_FR = {
    "qualified": "qualifié",
    "not_interested": "pas intéressé",
    "callback": "à rappeler",
    "do_not_call": "ne plus appeler",
    "unreachable": "non joignable",
}
INTENT_FR = {"yes": "oui", "no": "non", "unknown": "réponse incomprise"}


@dataclass(frozen=True)
class Turn:
    """One turn of the conversation as stored in ``turns``."""

    speaker: str  # "bot" | "caller"
    text: str
    step: str = ""
    intent: str = ""
    sentiment: str = ""


@dataclass(frozen=True)
class CallAnalysis:
    """What the dashboard and the ``leads`` row show about a call."""

    summary: str
    sentiment: str
    timeline: tuple[tuple[int, str], ...]  # (turn index, sentiment) for caller turns
    rationale: str
    source: str = "heuristic"
    extra: Mapping[str, Any] = field(default_factory=dict)


def _timeline(turns: Sequence[Turn]) -> tuple[tuple[int, str], ...]:
    points = []
    for index, turn in enumerate(turns):
        if turn.speaker == "caller":
            mood = "negative" if contains_insult(turn.text) else (turn.sentiment or sentiment_of(turn.text))
            points.append((index, mood))
    return tuple(points)


def _overall(timeline: Sequence[tuple[int, str]]) -> str:
    counts = Counter(mood for _, mood in timeline)
    if counts["negative"] and counts["negative"] >= counts["positive"]:
        return "negative"
    return "positive" if counts["positive"] else "neutral"


def do_not_call_request(turns: Sequence[Turn]) -> str:
    """The caller's words asking not to be called again, or ``""``: a turn understood as
    ``do_not_call`` by whichever path, or caller words the do-not-call rules read as one (a turn
    never classified: the greeting). The call's finalisation puts the number on the DNC list when
    this is not empty, so the live turn and the analysis always agree."""
    for turn in turns:
        if turn.speaker == "caller" and (
            turn.intent == "do_not_call" or dnc_evidence(normalize(turn.text).split())
        ):
            return turn.text
    return ""


def _rationale(status: str, score: int, min_score: int) -> str:
    label = STATUS_FR.get(status, status)
    if status == "qualified":
        return f"Statut {label} : score {score} pour un minimum de {min_score}."
    if status in {"not_interested"} and score < min_score:
        return f"Statut {label} : score {score} inférieur au minimum de {min_score}."
    return f"Statut {label} (score {score})."


def heuristic_analysis(
    turns: Sequence[Turn], status: str, score: int, answers: Mapping[str, Mapping[str, str]], min_score: int
) -> CallAnalysis:
    """Keyword-only analysis (no language model)."""
    timeline = _timeline(turns)
    caller_turns = sum(1 for t in turns if t.speaker == "caller")
    parts = [f"Appel de {len(turns)} tours dont {caller_turns} réponses du contact."]
    if answers:
        listed = ", ".join(
            f"{key} : {INTENT_FR.get(a.get('intent', ''), a.get('intent', ''))}" for key, a in answers.items()
        )
        parts.append(f"Réponses : {listed}.")
    parts.append(f"Issue : {STATUS_FR.get(status, status)}.")
    if do_not_call_request(turns):
        parts.append("Le contact a demandé à ne plus être appelé.")
    if any(mood == "negative" for _, mood in timeline):
        parts.append("Le contact s'est montré mécontent.")
    return CallAnalysis(
        summary=mask_insults(" ".join(parts)),
        sentiment=_overall(timeline),
        timeline=timeline,
        rationale=_rationale(status, score, min_score),
    )


SUMMARY_MAX_CHARS = 600
RATIONALE_MAX_CHARS = 200
RATIONALE_MIN_CHARS = 15

ANALYSIS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "maxLength": SUMMARY_MAX_CHARS},
        "sentiment": {"type": "string", "enum": list(SENTIMENTS)},
        "rationale": {"type": "string", "maxLength": RATIONALE_MAX_CHARS},
    },
    "required": ["summary", "sentiment", "rationale"],
}


async def analyze_call(
    turns: Sequence[Turn],
    *,
    status: str,
    score: int = 0,
    answers: Mapping[str, Mapping[str, str]] | None = None,
    min_score: int = 1,
    service: NluService | None = None,
) -> CallAnalysis:
    """Summary, sentiment timeline and rationale; Ollama when ``service`` works, heuristics otherwise."""
    fallback = heuristic_analysis(turns, status, score, answers or {}, min_score)
    if service is None or not turns:
        return fallback
    transcript = "\n".join(
        f"{'Bot' if t.speaker == 'bot' else 'Contact'} : {mask_insults(t.text)}" for t in turns
    )
    user = f"Transcription :\n{transcript}\nStatut retenu : {STATUS_FR.get(status, status)} (score {score})."
    try:
        data = await service.complete_json(prompts.ANALYZE_SYSTEM, user, ANALYSIS_SCHEMA)
        summary = check_summary(data.get("summary"), transcript)
    except LlmFailure as failure:
        service.fallback(service.analysis, failure)
        return replace(fallback, source="fallback")
    sentiment = data.get("sentiment") if data.get("sentiment") in SENTIMENTS else fallback.sentiment
    rationale = data.get("rationale")
    if (
        not isinstance(rationale, str)
        or len(rationale.strip()) < RATIONALE_MIN_CHARS
        or not looks_french(rationale)
    ):
        rationale = fallback.rationale
    return CallAnalysis(
        summary=mask_insults(summary),
        sentiment=str(sentiment),
        timeline=fallback.timeline,
        rationale=mask_insults(rationale.strip()),
        source="llm",
    )
