"""A whole robot call to simulated personas with scripted speech recognition.

Everything runs for real (controller, WebSocket media through the simulated PBX, webrtcvad on the
personas' espeak-ng voices, the keyword NLU with Ollama down, the scenario engine, Postgres) except
speech recognition: no French Vosk model exists here, so each end of speech is recognised as the
caller persona's next line.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from calls.booking import SlotSource
from calls.controller import Controller, ControllerOptions, LiveCall
from calls.conversation import ConversationDeps, ScenarioConversation, scenario_texts
from calls.runner import build_controller
from calls.store import CallStore
from campaigns.models import CampaignSettings
from scenarios.engine import Engine
from scenarios.schema import Scenario
from services.ari.client import AriClient
from services.asr import AsrResult
from services.nlp.llm import NluService
from services.simulator import SimulatedPbx
from services.simulator.personas import Persona, PersonaBook, Rule
from services.tts import CachedTts, EspeakTts
from tests.e2e.helpers import seed_campaign
from tests.fakes.ollama_server import closed_port_url

Conn = psycopg.Connection[dict[str, Any]]
CALLER = "+33612345612"
ADVISER_ENDPOINT = "PJSIP/conseiller@trunk"


class PersonaLines:
    """Scripted speech recognition: each end of speech is the caller persona's next line."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    async def recognizer(self) -> PersonaLines:
        return self

    async def accept(self, pcm: bytes) -> AsrResult:
        return AsrResult("", final=False)

    async def finish(self, tail: bytes = b"") -> AsrResult:
        return AsrResult(self.lines.pop(0) if self.lines else "", final=True)

    async def close(self) -> None:
        pass


@dataclass
class CallRun:
    """What one scripted call left behind."""

    controller: Controller
    events: list[dict[str, Any]]  # every ARI event the simulated PBX emitted
    call: dict[str, Any]  # the calls row joined with its lead (lead_status, score, answers, summary...)


async def run_scripted_call(
    pool: AsyncConnectionPool,
    conn: Conn,
    tmp_path: Path,
    scenario: Scenario,
    lines: list[str],
    *,
    greeting: str | None = None,
    adviser: Persona | None = None,
    amd_mode: str = "off",
    callee: Persona | None = None,
    slots: Callable[[LiveCall], SlotSource] | None = None,
) -> CallRun:
    """Dial one contact of a campaign running ``scenario``; the callee answers with ``greeting`` (if
    any), then says ``lines``, one per bot turn (or ``callee`` behaves as that persona)."""
    engine = Engine(scenario)
    settings = CampaignSettings(
        scenario=scenario.name, compliance_profile="none", amd_mode=amd_mode, record_calls=False
    )
    seed_campaign(conn, "scripted", [CALLER], settings, datetime.now(UTC))
    deps = ConversationDeps(
        asr=PersonaLines(([greeting] if greeting else []) + list(lines)),
        nlu=NluService(closed_port_url(), budget_ms=200),
        tts=CachedTts(EspeakTts(), tmp_path / "tts"),
        store=CallStore(pool),
        engines=functools.cache(lambda name: engine),
        slots=slots,
    )
    # the prompts are on disk before the call, as after a robot's first calls: media runs at twice
    # real time here, so a cold espeak-ng start would otherwise count double in the bot's timing
    # (seed_campaign names the contact Jean)
    await deps.warm_up(scenario_texts(scenario, {"first_name": "Jean", "last_name": ""}))
    caller = Persona(
        name="caller", answer_after_s=0.5, greeting=greeting, lines=tuple(lines), reply_delay_s=0.2
    )
    rules = [Rule(re.compile("12$"), callee or caller)]
    if adviser is not None:
        rules.append(Rule(re.compile("conseiller"), adviser))
    book = PersonaBook(rules=tuple(rules))
    async with SimulatedPbx(personas=book, time_scale=0.5, media_time_scale=0.5) as pbx:
        pbx.engine.keep_event_log = True
        async with AriClient(pbx.url, "minibot", "minibot", "minibot") as ari:
            options = ControllerOptions(robot_id="scripted", poll_interval_s=0.05)
            controller = build_controller(pool, ari, pbx.url, ScenarioConversation(deps), options)
            task = asyncio.create_task(controller.run())
            await asyncio.wait_for(controller.wait_settled(1), 90)
            controller.stop()
            await asyncio.wait_for(task, 30)
            await asyncio.gather(*deps.background)  # the post-call analysis
        assert not pbx.engine.channels and not pbx.engine.bridges  # nothing left behind
        events = pbx.engine.event_log
    call = conn.execute(
        "SELECT c.*, l.status AS lead_status, l.score, l.answers, l.summary, l.callback_at"
        " FROM calls c LEFT JOIN leads l ON l.call_id = c.id"
    ).fetchone()
    assert call is not None
    return CallRun(controller, events, call)


def bot_steps(conn: Conn, call_id: int) -> list[str]:
    """The steps of the bot's turns, in order."""
    return [str(r["step"]) for r in _bot_turns(conn, call_id)]


def bot_texts(conn: Conn, call_id: int) -> list[str]:
    """What the bot said, turn by turn."""
    return [str(r["text"]) for r in _bot_turns(conn, call_id)]


def _bot_turns(conn: Conn, call_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT step, text FROM turns WHERE call_id = %s AND speaker = 'bot' ORDER BY seq", (call_id,)
    ).fetchall()


def caller_intents(conn: Conn, call_id: int) -> list[tuple[str, str, str | None]]:
    """(text, step, intent) of the caller's turns, in order."""
    rows = conn.execute(
        "SELECT text, step, intent FROM turns WHERE call_id = %s AND speaker = 'caller' ORDER BY seq",
        (call_id,),
    ).fetchall()
    return [(str(r["text"]), str(r["step"]), r["intent"]) for r in rows]


def destroyed_channels(events: list[dict[str, Any]]) -> list[str]:
    """Channel ids in the order Asterisk destroyed them."""
    return [e["channel"]["id"] for e in events if e["type"] == "ChannelDestroyed"]
