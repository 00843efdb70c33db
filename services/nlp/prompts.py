"""Instructions sent to the language model (the model answers in JSON, constrained by a schema)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.nlp.keywords import UNKNOWN
from services.nlp.validate import CERTAINTY

INTENT_HELP = {
    "yes": "accepte / répond oui",
    "no": "refuse / répond non",
    "callback": "demande à être rappelé plus tard (donne éventuellement un moment)",
    "do_not_call": "demande à ne plus être appelé ou à être retiré de la liste",
    "who_are_you": "demande qui appelle ou pourquoi",
    "insult": "insulte ou agressivité",
    "wrong_person": "mauvais numéro ou mauvaise personne",
    "unknown": "autre chose, incompréhensible",
}

CLASSIFY_SYSTEM = (
    "Tu analyses la réponse d'une personne au téléphone à un assistant vocal français. "
    "Le texte vient d'une reconnaissance vocale : sans ponctuation, parfois avec des fautes. "
    "Choisis une seule intention parmi la liste et ta certitude : faible, moyenne ou forte. "
    "Réponds uniquement en JSON."
)

ANALYZE_SYSTEM = (
    "Tu résumes un appel de qualification commerciale en français, en deux ou trois phrases neutres, "
    "sans jamais recopier d'insulte. Donne le sentiment global du contact et la justification du statut. "
    "Réponds uniquement en JSON."
)


def intent_list(allowed: Sequence[str]) -> str:
    """Bullet list of the allowed intents with their meaning."""
    return "\n".join(f"- {name}: {INTENT_HELP.get(name, name.replace('_', ' '))}" for name in allowed)


def classify_user(text: str, allowed: Sequence[str], question: str) -> str:
    """User message for one classification."""
    asked = f"Question posée : {question}\n" if question else ""
    return f"{asked}Réponse de la personne : {text}\nIntentions possibles :\n{intent_list(allowed)}"


def intent_schema(allowed: Sequence[str]) -> dict[str, Any]:
    """JSON schema constraining the model's answer to the step's intents and a certainty word.

    Deliberately small: on a CPU every generated token costs 30–60 ms. No sentiment (the keywords
    give it) and no time (the engine reads it from the caller's own words).
    """
    return {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": sorted({*allowed, UNKNOWN})},
            "certitude": {"type": "string", "enum": list(CERTAINTY)},
        },
        "required": ["intent", "certitude"],
    }
