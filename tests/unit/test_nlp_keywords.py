"""Keyword fast path: negations, hesitations, ASR-style input, labelled corpus accuracy."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from services.nlp.keywords import classify, sentiment_of
from services.nlp.text import normalize

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[1] / "data" / "utterances_fr.tsv"


def _corpus() -> list[tuple[str, str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[1:]
    return [(text, intent) for text, intent in (line.split("\t") for line in lines)]


def test_normalize_folds_accents_punctuation_hesitations_and_stretched_letters() -> None:
    assert normalize("Euh... Ça m'Intéresse, OUIII !") == "ca m interesse oui"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("pas intéressé", "no"),
        ("pas du tout", "no"),
        ("non merci", "no"),
        ("ça ne m'intéresse pas", "no"),
        ("je n'ai pas de livret a", "no"),
        ("pas de problème", "yes"),
        ("ben oui", "yes"),
        ("ne m'appelez plus", "do_not_call"),
        ("retirez-moi de votre liste", "do_not_call"),
        ("ne me rappelez pas", "do_not_call"),
        ("rappelez-moi demain vers 14h", "callback"),
        ("j'ai pas le temps", "callback"),
        ("c'est à quel sujet", "who_are_you"),
        ("espèce de connard", "insult"),
        ("vous vous trompez de numéro", "wrong_person"),
        ("j'ai pas compris", "unknown"),
        ("", "unknown"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert classify(text).intent == intent


def test_weak_and_mixed_answers_have_lower_confidence() -> None:
    assert classify("pourquoi pas").confidence < 0.7
    assert classify("oui mais bon").confidence < 0.7
    assert classify("oui").confidence >= 0.9
    corrected = classify("oui enfin non")
    assert (corrected.intent, corrected.confidence < 0.7) == ("no", True)


def test_step_keywords_and_their_negation() -> None:
    table = {"yes": ["livret a", "assurance vie"], "has_pel": ["pel"]}
    assert classify("j'ai une assurance-vie", table).intent == "yes"
    assert classify("j'ai un PEL", table).intent == "has_pel"
    assert classify("je n'ai pas de pel", table).intent == "no"


def test_allowed_intents_filter_but_keep_globals() -> None:
    filtered = classify("oui", allowed={"no"})
    assert (filtered.intent, filtered.confidence) == ("unknown", 0.3)
    assert classify("le chien aboie", allowed={"no"}).confidence == 0.0
    assert classify("ne m'appelez plus", allowed={"yes"}).intent == "do_not_call"


def test_sentiment() -> None:
    assert sentiment_of("merci c'est parfait") == "positive"
    assert sentiment_of("vous me saoulez j'en ai marre") == "negative"
    assert sentiment_of("peut-être") == "neutral"


def test_corpus_is_large_and_varied() -> None:
    rows = _corpus()
    counts = Counter(intent for _, intent in rows)
    assert len(rows) >= 300
    assert {"yes", "no", "callback", "do_not_call", "who_are_you", "unknown"} <= set(counts)


def test_fast_path_accuracy_on_corpus_is_at_least_90_percent() -> None:
    rows = _corpus()
    errors = [(text, want, got) for text, want in rows if (got := classify(text).intent) != want]
    accuracy = 1 - len(errors) / len(rows)
    assert accuracy >= 0.90, errors
