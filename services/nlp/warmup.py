"""Robot start: load the model, then check it is quick and sensible enough for live turns.

Four plain French answers, whose intent no model fit for calls could miss, are classified as live
turns; the slowest of them is compared with what a caller may wait (``budget + filler``).
"""

from __future__ import annotations

import time

from services.nlp import prompts
from services.nlp.breaker import CircuitBreaker
from services.nlp.client import Lane, LlmFailure, OllamaClient

LOAD_BUDGET_S = 300.0  # a cold load of a big model on a small box
INTENTS = ("yes", "no", "callback", "do_not_call", "who_are_you")
QUESTION = "Avez-vous une minute à m'accorder ?"
CHECKS = (
    ("oui bien sûr avec plaisir", "yes"),
    ("non merci ça ne m'intéresse pas", "no"),
    ("rappelez-moi demain matin", "callback"),
    ("il fait beau aujourd'hui", "unknown"),
)
_SAYS_NOTHING = frozenset({"bad_json", "truncated"})  # a reply, just not a usable one


async def fitness(client: OllamaClient, num_predict: int, limit_s: float) -> str:
    """Why the model should stay off live turns (empty when it may answer them).

    Raises :class:`LlmFailure` when the model cannot be asked at all (down, missing, erroring).
    """
    lane = Lane("warm_up", LOAD_BUDGET_S, num_predict, CircuitBreaker())
    await _intent(client, lane, "allô")  # loads the model and caches the fixed prompt
    slowest, misread = 0.0, []
    for text, expected in CHECKS:
        started = time.perf_counter()
        said = await _intent(client, lane, text)
        slowest = max(slowest, time.perf_counter() - started)
        if said != expected:
            misread.append(f"« {text} » → {said}")
    problems = []
    if slowest > limit_s:
        problems.append(
            f"answers a live turn in {slowest:.1f} s here, more than the {limit_s:.1f} s a caller may wait"
        )
    if misread:
        problems.append(f"misread {len(misread)} of {len(CHECKS)} plain answers ({'; '.join(misread)})")
    return f"{client.model} {' and '.join(problems)}" if problems else ""


async def _intent(client: OllamaClient, lane: Lane, text: str) -> str:
    user = prompts.classify_user(text, INTENTS, QUESTION)
    try:
        answer = await client.chat(
            lane, prompts.CLASSIFY_SYSTEM, user, prompts.intent_schema(INTENTS), queue=True
        )
    except LlmFailure as failure:
        if failure.reason not in _SAYS_NOTHING:
            raise
        return failure.reason
    return str(answer.data.get("intent"))
