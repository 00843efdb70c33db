"""The fault table: whatever the language model replies, on the live turn or in the post-call
analysis, the call goes on with the keyword fast path and the lead is written.

Each bad reply kind is served by the fake Ollama to one lane of a real conversation (`converse`:
webrtcvad on espeak-ng speech, the patrimoine scenario, Postgres), the other lane getting a good
answer: the first caller line is one the keywords are unsure about, so the live turn asks the
model; the hang-up asks it for the analysis.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from campaigns.models import ClaimedCall
from services.metrics import NLP_FALLBACKS
from services.nlp.llm import NluService
from services.tts import CachedTts
from tests.fakes.ollama_server import FakeOllama, Reply, running
from tests.integration import test_conversation_outcomes as outcomes
from tests.integration.test_conversation_outcomes import caller_turns, converse, lead_of

pytestmark = pytest.mark.integration

Conn = psycopg.Connection[dict[str, object]]
UNSURE = "Ça dépend de ce que vous proposez."  # the keywords find no intent: the model is asked
REFUSAL = "Non merci."
tts = outcomes.tts  # the fixtures of the conversation tests
claimed = outcomes.claimed

# reply kind -> (what the fake serves, the fallback reason on both lanes)
FAULTS = {
    "ndjson": (Reply({"intent": "yes", "certitude": "forte"}, kind="ndjson"), "bad_reply"),
    "html": (Reply(kind="html"), "bad_reply"),
    "no_message": (Reply({"intent": "yes", "certitude": "forte"}, kind="no_message"), "bad_reply"),
    "drop": (Reply(kind="drop"), "connection"),
    "http_500": (Reply(status=500), "http_500"),
    "http_503": (Reply(status=503), "http_503"),
    "malformed": (Reply('{"intent": "yes", "conf'), "bad_json"),
    "prose": (Reply("Bien sûr ! La personne semble d'accord."), "bad_json"),
    "hang": (Reply(hang=True), "timeout"),
}


def _count(lane: str, reason: str) -> float:
    return float(NLP_FALLBACKS.labels(lane=lane, reason=reason)._value.get())


GOOD_LIVE = Reply({"intent": "no", "certitude": "forte"})
SUMMARY = "Le contact n'est pas intéressé par le bilan d'épargne proposé."
GOOD_ANALYSIS = Reply(
    {"summary": SUMMARY, "sentiment": "neutral", "rationale": "Le contact refuse poliment."}
)


def _sources(conn: Conn, call_id: int) -> list[object]:
    rows = conn.execute(
        "SELECT nlu_source FROM turns WHERE call_id = %s AND speaker = 'caller' ORDER BY seq", (call_id,)
    ).fetchall()
    return [r["nlu_source"] for r in rows]


CASES = [(kind, lane) for kind in FAULTS for lane in ("live", "analysis")]


@pytest.mark.parametrize("case", CASES, ids=[f"{kind}-{lane}" for kind, lane in CASES])
async def test_a_bad_model_reply_never_costs_the_call_nor_the_lead(
    case: tuple[str, str], conn: Conn, pool: AsyncConnectionPool, tts: CachedTts, claimed: ClaimedCall
) -> None:
    kind, lane = case
    bad, reason = FAULTS[kind]
    script = [bad, GOOD_ANALYSIS] if lane == "live" else [GOOD_LIVE, bad]
    before = {name: _count(name, reason) for name in ("live", "analysis")}
    async with running(FakeOllama(script=script)) as fake:
        nlu = NluService(fake.url, "qwen2.5:3b", budget_ms=300, filler_ms=0, analysis_budget_ms=1000)
        live, result, _ = await converse(pool, tts, claimed, [UNSURE, REFUSAL], nlu=nlu)

    lead = lead_of(conn, live.call_id)
    assert lead["status"] == "not_interested" and not result.dnc and result.callback_at is None
    if lane == "live":  # the keywords go on: a re-prompt, then the refusal
        assert caller_turns(conn, live.call_id) == [(UNSURE, "intro", "unknown"), (REFUSAL, "intro", "no")]
        assert _sources(conn, live.call_id) == ["fallback", "fast"]
        assert (lead["summary"], lead["summary_source"], lead["nlu_source"]) == (SUMMARY, "llm", "fallback")
    else:  # the model's answer steered the call; the summary is the heuristic one
        assert caller_turns(conn, live.call_id)[0] == (UNSURE, "intro", "no")
        assert _sources(conn, live.call_id)[0] == "llm"
        assert (lead["summary_source"], lead["nlu_source"]) == ("fallback", "llm")
        assert "pas intéressé" in str(lead["summary"])
    after = {name: _count(name, reason) - before[name] for name in before}
    assert after == {"live": int(lane == "live"), "analysis": int(lane == "analysis")}
    assert [body["messages"][0]["content"][:12] for body in fake.requests] == ["Tu analyses ", "Tu résumes u"]


async def test_a_missing_model_is_asked_once_and_the_call_goes_on(
    conn: Conn, pool: AsyncConnectionPool, tts: CachedTts, claimed: ClaimedCall
) -> None:
    async with running(FakeOllama(model="llama3.2:1b")) as fake:
        nlu = NluService(fake.url, "qwen2.5:3b", budget_ms=300, filler_ms=0)
        live, _, _ = await converse(pool, tts, claimed, [UNSURE, REFUSAL], nlu=nlu)
    assert len(fake.requests) == 1  # the analysis did not ask again
    lead = lead_of(conn, live.call_id)
    assert lead["status"] == "not_interested" and lead["summary_source"] == "fallback"


async def test_a_slow_model_is_covered_by_a_filler_and_still_decides(
    conn: Conn, pool: AsyncConnectionPool, tts: CachedTts, claimed: ClaimedCall
) -> None:
    yes = {"intent": "yes", "certitude": "forte"}
    dnc = "Ne m'appelez plus jamais, retirez mon numéro."
    async with running(FakeOllama(script=[Reply(yes, delay_s=0.6)])) as fake:
        nlu = NluService(fake.url, "qwen2.5:3b", budget_ms=150, filler_ms=3000, analysis_budget_ms=1000)
        live, result, _ = await converse(pool, tts, claimed, [UNSURE, dnc], nlu=nlu)

    bot = conn.execute(
        "SELECT step, text FROM turns WHERE call_id = %s AND speaker = 'bot' ORDER BY seq", (live.call_id,)
    ).fetchall()
    assert [r["step"] for r in bot][:3] == ["intro", "intro", "q1_savings"]
    assert bot[1]["text"] == "Je vois…"  # said while the model thought, then its answer steered the call
    rows = conn.execute(
        "SELECT step, intent, nlu_source FROM turns WHERE call_id = %s AND speaker = 'caller' ORDER BY seq",
        (live.call_id,),
    ).fetchall()
    assert [tuple(r.values()) for r in rows] == [
        ("intro", "yes", "llm"),
        ("q1_savings", "do_not_call", "fast"),
    ]
    assert result.dnc and lead_of(conn, live.call_id)["status"] == "do_not_call"
