"""The shipped ``patrimoine`` scenario, whole calls through the simulated PBX (see tests/e2e/scripted.py):
a cooperative caller is qualified and handed to an adviser, one asks not to be called again, one asks
to be called back tomorrow at 14:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from psycopg_pool import AsyncConnectionPool

from scenarios import library
from services.simulator.personas import Persona
from tests.e2e.scripted import ADVISER_ENDPOINT, CALLER, Conn, bot_steps, caller_intents, run_scripted_call

pytestmark = pytest.mark.e2e

PATRIMOINE = library.resolve("patrimoine")
PARIS = ZoneInfo("Europe/Paris")


async def test_cooperative_caller_is_qualified_and_handed_to_an_adviser(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    lines = [
        "Oui, je vous écoute.",
        "J'ai un livret A et une assurance vie.",
        "Oui, ça ne rapporte rien.",
        "Non, je ne le vois jamais.",
        "Oui, je veux bien.",
    ]
    adviser = Persona(name="adviser", answer_after_s=1.0, greeting=None, lines=(), hangup_after_s=2.0)
    run = await run_scripted_call(
        pool, conn, tmp_path, PATRIMOINE, lines, greeting="Allô, oui ?", adviser=adviser
    )

    call = run.call
    # the bot lets the callee say "Allô ?" first; the greeting answers no question
    greeting, intro = conn.execute(
        "SELECT speaker, start_ms, end_ms FROM turns WHERE call_id = %s ORDER BY start_ms LIMIT 2",
        (call["id"],),
    ).fetchall()
    assert (greeting["speaker"], intro["speaker"]) == ("caller", "bot")
    assert greeting["end_ms"] <= intro["start_ms"] <= greeting["end_ms"] + 1500
    assert caller_intents(conn, call["id"]) == [
        ("Allô, oui ?", "intro", None),
        (lines[0], "intro", "yes"),
        (lines[1], "q1_savings", "yes"),
        (lines[2], "q2_inflation", "yes"),
        (lines[3], "q3_adviser", "no"),
        (lines[4], "offer", "yes"),
    ]
    steps = ["intro", "q1_savings", "q2_inflation", "q3_adviser", "offer", "transfer"]
    assert bot_steps(conn, call["id"]) == steps
    assert call["lead_status"] == "qualified" and call["score"] >= PATRIMOINE.qualify.min_score
    assert call["answers"] == {
        "savings": {"intent": "yes", "text": lines[1]},
        "inflation_concern": {"intent": "yes", "text": lines[2]},
        "adviser_satisfied": {"intent": "no", "text": lines[3]},
    }
    assert str(call["summary"]).strip()
    assert (call["transfer_endpoint"], call["transfer_result"]) == (ADVISER_ENDPOINT, "connected")
    assert call["outcome"] == "answered"
    queue = conn.execute("SELECT status, last_result FROM call_queue").fetchone()
    assert queue == {"status": "done", "last_result": "answered"}


async def test_do_not_call_request_lands_in_the_dnc_list(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    lines = ["Oui.", "Ne m'appelez plus jamais, retirez mon numéro."]
    run = await run_scripted_call(pool, conn, tmp_path, PATRIMOINE, lines)

    call = run.call
    assert caller_intents(conn, call["id"])[-1] == (lines[1], "q1_savings", "do_not_call")
    assert call["lead_status"] == "do_not_call"
    assert conn.execute("SELECT source FROM dnc WHERE phone = %s", (CALLER,)).fetchone() == {"source": "call"}
    contact = conn.execute("SELECT refused_at FROM contacts WHERE phone = %s", (CALLER,)).fetchone()
    assert contact is not None and contact["refused_at"] is not None
    queue = conn.execute("SELECT status, last_result FROM call_queue").fetchone()
    assert queue == {"status": "done", "last_result": "dnc"}


async def test_callback_request_is_rescheduled_for_tomorrow_at_two(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    before = datetime.now(PARIS)
    lines = ["Pas maintenant, rappelez-moi demain vers 14h."]
    run = await run_scripted_call(pool, conn, tmp_path, PATRIMOINE, lines)

    call = run.call
    assert caller_intents(conn, call["id"]) == [(lines[0], "intro", "callback")]
    tomorrow_2pm = {  # the call may have run across midnight in Paris
        datetime.combine(day.date() + timedelta(days=1), datetime.min.time(), PARIS).replace(hour=14)
        for day in (before, datetime.now(PARIS))
    }
    assert call["lead_status"] == "callback" and call["callback_at"] in tomorrow_2pm
    # compliance profile "none": the queue row comes back at the requested time itself
    queue = conn.execute("SELECT status, not_before, wait_reason, attempt FROM call_queue").fetchone()
    assert queue is not None and queue["status"] == "pending"
    assert queue["not_before"].astimezone(UTC) == call["callback_at"].astimezone(UTC)
    assert queue["wait_reason"] == "callback requested"
