"""Answering machines through the simulated PBX: the voicemail message starts after the beep, and
``--amd asterisk`` routes the call through Asterisk's AMD() and uses its AMDSTATUS/AMDCAUSE."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from scenarios.library import resolve
from services.simulator.personas import Persona
from tests.e2e.scripted import run_scripted_call

pytestmark = pytest.mark.e2e

Conn = psycopg.Connection[dict[str, Any]]
GREETING = "Bonjour, vous êtes bien sur la messagerie de Claire. Laissez un message après le bip."
BEEP_MS = 300  # the simulator's beep (services.simulator.voice.beep)
MAILBOX = Persona(name="mailbox", outcome="voicemail", greeting=GREETING, lines=(), hangup_after_s=40.0)


def voicemail_turn(conn: Conn, call_id: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT start_ms, text FROM turns WHERE call_id = %s AND speaker = 'bot' AND step = 'voicemail'",
        (call_id,),
    ).fetchone()
    assert row is not None, "no voicemail message was left"
    return row


async def test_voicemail_message_starts_after_the_beep(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    run = await run_scripted_call(
        pool, conn, tmp_path, resolve("patrimoine"), [], amd_mode="bot", callee=MAILBOX
    )
    call = run.call
    assert (call["outcome"], call["amd_result"]) == ("machine", "machine")
    found = re.search(r"message at (\d+) ms, after the beep at (\d+) ms", str(call["amd_reason"]))
    assert found, call["amd_reason"]
    cue_ms, beep_ms = int(found[1]), int(found[2])
    assert beep_ms >= 3000  # the beep follows a greeting of several seconds
    assert cue_ms >= beep_ms + BEEP_MS - 20  # not over the greeting, not over the beep
    turn = voicemail_turn(conn, int(call["id"]))
    assert turn["start_ms"] >= cue_ms and "Horizon Patrimoine" in turn["text"]


async def test_amd_asterisk_uses_amdstatus_from_the_amd_context(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    run = await run_scripted_call(
        pool, conn, tmp_path, resolve("patrimoine"), [], amd_mode="asterisk", callee=MAILBOX
    )
    call = run.call
    assert (call["outcome"], call["amd_result"]) == ("machine", "machine")
    assert str(call["amd_reason"]).startswith("Asterisk AMD: MACHINE LONGGREETING-2500-1500")
    start = next(e for e in run.events if e["type"] == "StasisStart" and e["channel"]["id"].startswith("mb-"))
    assert start["args"][1:] == [
        "MACHINE",
        "LONGGREETING-2500-1500",
    ]  # Stasis(app, call, AMDSTATUS, AMDCAUSE)
    assert "after the beep" in str(call["amd_reason"])  # the message still waits for the beep
