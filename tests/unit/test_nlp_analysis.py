"""Post-call analysis (heuristic and via the fake Ollama) and insult masking."""

from __future__ import annotations

import pytest

from services.nlp.analysis import Turn, analyze_call
from services.nlp.insults import contains_insult, mask_insults
from services.nlp.llm import NluService
from tests.fakes.ollama_server import FakeOllama, Reply, closed_port_url, running

pytestmark = pytest.mark.unit

TURNS = [
    Turn("bot", "Bonjour, avez-vous une minute ?", "intro"),
    Turn("caller", "oui merci c'est parfait", "intro", "yes"),
    Turn("bot", "Détenez-vous un livret A ?", "q1"),
    Turn("caller", "non et arrêtez connard", "q1", "insult"),
]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Espèce de CONNARD !", "Espèce de *** !"),
        ("bande d'escrocs", "bande d'***"),
        ("ta gueule", "*** ***"),
        ("Il est très content", "Il est très content"),
        ("un con-tentieux", "un con-tentieux"),
        ("quel imbécile", "quel ***"),
    ],
)
def test_mask_insults(text: str, masked: str) -> None:
    assert mask_insults(text) == masked
    assert contains_insult(text) == (text != masked)


async def test_heuristic_analysis_without_service() -> None:
    analysis = await analyze_call(
        TURNS, status="not_interested", score=0, answers={"savings": {"intent": "no"}}, min_score=2
    )
    assert analysis.source == "heuristic"
    assert analysis.timeline == ((1, "positive"), (3, "negative"))
    assert analysis.sentiment == "negative"
    assert "savings : non" in analysis.summary and "pas intéressé" in analysis.summary
    assert "connard" not in analysis.summary.lower()
    assert "inférieur au minimum de 2" in analysis.rationale


async def test_model_summary_is_used_and_insults_masked() -> None:
    fake = FakeOllama(
        script=[
            Reply(
                {
                    "summary": "Le contact a traité le bot de connard.",
                    "sentiment": "negative",
                    "rationale": "Refus net du contact, qui insulte.",
                }
            )
        ]
    )
    async with running(fake):
        analysis = await analyze_call(TURNS, status="not_interested", service=NluService(fake.url))
    assert analysis.source == "llm"
    assert analysis.summary == "Le contact a traité le bot de ***."
    assert analysis.rationale == "Refus net du contact, qui insulte."
    transcript = fake.requests[0]["messages"][-1]["content"]
    assert "connard" not in transcript and "***" in transcript
    assert fake.requests[0]["format"]["required"] == ["summary", "sentiment", "rationale"]


async def test_model_down_falls_back_to_heuristics() -> None:
    analysis = await analyze_call(
        TURNS, status="qualified", score=3, min_score=2, service=NluService(closed_port_url())
    )
    assert analysis.source == "fallback" and "qualifié" in analysis.summary


GOOD = {"summary": "Le contact a refusé le livret A et s'est énervé.", "sentiment": "negative"}


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({**GOOD, "summary": "Bonjour"}, "too short"),
        ({**GOOD, "summary": "1"}, "too short"),
        ({**GOOD, "summary": "The customer declined the savings offer and was upset."}, "not French"),
        ({**GOOD, "summary": "Il fait beau aujourd'hui et le soleil brille sur la ville."}, "no word"),
        ({**GOOD, "summary": 42}, "not a string"),
    ],
)
async def test_unusable_summaries_keep_the_heuristic_text(answer: dict[str, object], what: str) -> None:
    async with running(FakeOllama(script=[Reply({**answer, "rationale": "x"})])) as fake:
        service = NluService(fake.url)
        analysis = await analyze_call(TURNS, status="not_interested", service=service)
    assert analysis.source == "fallback" and "pas intéressé" in analysis.summary
    assert what in service.health()["last_error"]


async def test_a_bad_rationale_is_replaced_by_the_heuristic_one() -> None:
    async with running(FakeOllama(script=[Reply({**GOOD, "rationale": "negaive"})])) as fake:
        analysis = await analyze_call(
            TURNS, status="not_interested", score=0, min_score=2, service=NluService(fake.url)
        )
    assert analysis.source == "llm" and analysis.summary == GOOD["summary"]
    assert "inférieur au minimum de 2" in analysis.rationale
