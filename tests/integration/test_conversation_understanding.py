"""Understanding on live calls (#15): an objection is answered and recorded on the turn and the lead;
a do-not-call request said where the scenario never hears it (the greeting) still ends with the
number on the DNC list, as the post-call analysis reads it. Same harness as test_conversation_outcomes
(real VAD on espeak-ng speech, Postgres, the patrimoine scenario, Ollama down)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from campaigns.models import ClaimedCall
from services.tts import CachedTts
from tests.integration.test_conversation_outcomes import (
    PHONE,
    claimed,
    converse,
    lead_of,
    tts,
)

pytestmark = pytest.mark.integration
__all__ = ["claimed", "tts"]  # fixtures used by name

Conn = psycopg.Connection[dict[str, object]]


async def test_an_objection_is_rebutted_and_recorded_on_the_turn_and_the_lead(
    conn: Conn, pool: AsyncConnectionPool, tts: CachedTts, claimed: ClaimedCall
) -> None:
    lines = ["C'est combien ?", "Non merci."]
    live, result, _ = await converse(pool, tts, claimed, lines)

    turns = conn.execute(
        "SELECT speaker, step, text, intent, objection FROM turns WHERE call_id = %s ORDER BY seq",
        (live.call_id,),
    ).fetchall()
    caller = [(t["text"], t["intent"], t["objection"]) for t in turns if t["speaker"] == "caller"]
    assert caller == [(lines[0], "price", "price"), (lines[1], "no", None)]
    bot = [t["text"] for t in turns if t["speaker"] == "bot"]
    assert bot[1].startswith("Le premier bilan avec un conseiller est gratuit")
    assert bot[2] == bot[0]  # then the same question again
    lead = lead_of(conn, live.call_id)
    assert (lead["status"], lead["objections"]) == ("not_interested", ["price"])
    assert not result.dnc


async def test_a_do_not_call_said_in_the_greeting_still_ends_on_the_dnc_list(
    conn: Conn, pool: AsyncConnectionPool, tts: CachedTts, claimed: ClaimedCall
) -> None:
    greeting = "Allô ? Ne m'appelez plus jamais."
    live, result, _ = await converse(pool, tts, claimed, ["Non merci."], greeting=greeting)

    first = conn.execute(
        "SELECT text, intent FROM turns WHERE call_id = %s AND speaker = 'caller' ORDER BY seq LIMIT 1",
        (live.call_id,),
    ).fetchone()
    assert first == {"text": greeting, "intent": None}  # the greeting answers no question
    assert result.dnc is True
    assert conn.execute("SELECT reason FROM dnc WHERE phone = %s", (PHONE,)).fetchone() == {
        "reason": greeting
    }
    lead = lead_of(conn, live.call_id)
    assert lead["status"] == "do_not_call"
    assert "ne plus être appelé" in str(lead["summary"])
