"""A qualified caller is handed to a human adviser through the simulated PBX.

The whole robot runs: controller, media session over the WebSocket transport, the scenario
conversation with webrtcvad on the persona's espeak-ng voice, the keyword NLU, the transfer desk.
Speech recognition is scripted (no French Vosk model here): the recognizer returns the persona's line.
The adviser is a second simulated persona behind ``PJSIP/conseiller@trunk``.
"""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import Controller, ControllerOptions
from calls.conversation import ConversationDeps, ScenarioConversation
from calls.runner import build_controller
from calls.store import CallStore
from campaigns.models import CampaignSettings
from scenarios.engine import Engine
from scenarios.schema import load_scenario
from services.ari.client import AriClient
from services.asr import AsrResult
from services.nlp.llm import NluService
from services.simulator import SimulatedPbx
from services.simulator.personas import Persona, PersonaBook, Rule
from services.tts import CachedTts, EspeakTts
from tests.e2e.helpers import seed_campaign
from tests.fakes.ollama_server import closed_port_url

pytestmark = pytest.mark.e2e

Conn = psycopg.Connection[dict[str, Any]]
CALLER = "+33612345612"
ANSWER = "Oui, je veux bien."
SCENARIO = """\
name: passage
start: offer
on_machine: hangup
transfer_endpoint: "PJSIP/conseiller@trunk"
qualify: {min_score: 1, status_if_met: qualified, status_otherwise: not_interested}
steps:
  offer:
    say: {text: "Un conseiller peut vous rappeler. Voulez-vous lui parler maintenant ?"}
    timeout_s: 6
    answer_key: wants_adviser
    score: {yes: 1}
    on: {yes: transfer, no: bye, unknown: bye, no_match: bye, silence: bye}
  transfer:
    say: {text: "Parfait, je vous mets en relation. Ne quittez pas."}
    action: transfer
    status: qualified
  bye:
    say: {text: "Au revoir."}
    action: hangup
"""


class PersonaLines:
    """Scripted speech recognition: each end of speech is the persona's next line."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    async def recognizer(self) -> PersonaLines:
        return self

    async def accept(self, pcm: bytes) -> AsrResult:
        return AsrResult("", final=False)

    async def finish(self) -> AsrResult:
        return AsrResult(self.lines.pop(0) if self.lines else "", final=True)


async def run_call(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path, adviser: Persona
) -> tuple[Controller, list[dict[str, Any]]]:
    path = tmp_path / "passage.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    engine = Engine(load_scenario(path))
    settings = CampaignSettings(
        scenario="passage", compliance_profile="none", amd_mode="off", record_calls=False, calls_per_second=5
    )
    seed_campaign(conn, "passage", [CALLER], settings, datetime.now(UTC))
    deps = ConversationDeps(
        asr=PersonaLines([ANSWER]),
        nlu=NluService(closed_port_url(), budget_ms=200),
        tts=CachedTts(EspeakTts(), tmp_path / "tts"),
        store=CallStore(pool),
        engines=functools.cache(lambda name: engine),
    )
    caller = Persona(name="caller", answer_after_s=0.5, greeting=None, lines=(ANSWER,))
    book = PersonaBook(rules=(Rule(re.compile("12$"), caller), Rule(re.compile("conseiller"), adviser)))
    async with SimulatedPbx(personas=book, time_scale=0.5) as pbx:
        pbx.engine.keep_event_log = True
        async with AriClient(pbx.url, "minibot", "minibot", "minibot") as ari:
            options = ControllerOptions(robot_id="xfer", poll_interval_s=0.05)
            controller = build_controller(pool, ari, pbx.url, ScenarioConversation(deps), options)
            task = asyncio.create_task(controller.run())
            await asyncio.wait_for(controller.wait_settled(1), 60)
            controller.stop()
            await asyncio.wait_for(task, 30)
            await asyncio.gather(*deps.background)
        assert not pbx.engine.channels and not pbx.engine.bridges  # nothing left behind
        return controller, pbx.engine.event_log


def the_call(conn: Conn) -> dict[str, Any]:
    row = conn.execute(
        "SELECT c.*, l.status AS lead_status, l.answers FROM calls c LEFT JOIN leads l ON l.call_id = c.id"
    ).fetchone()
    assert row is not None
    return row


def bot_steps(conn: Conn, call_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT step FROM turns WHERE call_id = %s AND speaker = 'bot' ORDER BY seq", (call_id,)
    ).fetchall()
    return [str(r["step"]) for r in rows]


async def test_qualified_caller_talks_with_the_adviser_until_the_adviser_hangs_up(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    adviser = Persona(name="adviser", answer_after_s=1.0, greeting=None, lines=(), hangup_after_s=3.0)
    controller, events = await run_call(pool, conn, tmp_path, adviser)

    call = the_call(conn)
    assert (call["transfer_endpoint"], call["transfer_result"]) == ("PJSIP/conseiller@trunk", "connected")
    assert call["outcome"] == "answered" and controller.stats.outcomes == {"answered": 1}
    assert call["lead_status"] == "qualified"
    assert call["answers"] == {"wants_adviser": {"intent": "yes", "text": ANSWER}}
    assert bot_steps(conn, call["id"]) == ["offer", "transfer"]

    callee, leg = str(call["channel_id"]), str(call["channel_id"]) + "-xfer"
    media = callee + "-media"
    destroyed = [e["channel"]["id"] for e in events if e["type"] == "ChannelDestroyed"]
    # the bot leaves the bridge, the adviser hangs up first, then the robot hangs the callee up
    assert destroyed == [media, leg, callee]
    leg_start = next(e for e in events if e["type"] == "StasisStart" and e["channel"]["id"] == leg)
    assert leg_start["args"] == ["transfer", str(call["id"])]
    assert leg_start["channel"]["caller"]["number"] == CALLER
    callee_end = next(e for e in events if e["type"] == "ChannelDestroyed" and e["channel"]["id"] == callee)
    assert callee_end["cause"] == 16


async def test_busy_adviser_gets_an_apology_and_the_lead_stays_qualified(
    pool: AsyncConnectionPool, conn: Conn, tmp_path: Path
) -> None:
    adviser = Persona(name="adviser", outcome="busy", answer_after_s=0.5)
    controller, events = await run_call(pool, conn, tmp_path, adviser)

    call = the_call(conn)
    assert controller.stats.outcomes == {"answered": 1}
    assert call["transfer_endpoint"] == "PJSIP/conseiller@trunk"
    assert str(call["transfer_result"]).startswith("adviser unreachable: ")
    assert "busy" in str(call["transfer_result"]).lower()
    assert call["outcome"] == "answered" and call["lead_status"] == "qualified"
    assert bot_steps(conn, call["id"]) == ["offer", "transfer", "transfer_failed"]
    destroyed = [e["channel"]["id"] for e in events if e["type"] == "ChannelDestroyed"]
    callee = str(call["channel_id"])
    assert destroyed[0] == callee + "-xfer" and destroyed[-1] == callee
