"""The live conversation, end to end on real audio, ends each call the way the caller steered it.

`ScenarioConversation` runs for real: webrtcvad endpointing on espeak-ng French speech, the keyword
NLU with Ollama down (fallback), the ``patrimoine`` library scenario, the CallStore on Postgres and the
post-call analysis. The one stand-in is speech recognition: no French Vosk model ships in CI (production
runs ``minibot models download fr-small``), so `ScriptedRecognition` returns, for each utterance the VAD
endpointed, the text the caller was scripted to say. Real Vosk decoding is covered by tests/e2e.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import Controller, ControllerOptions, LiveCall
from calls.conversation import ConversationDeps, ScenarioConversation
from calls.outcomes import ConversationResult, Outcome
from calls.store import CallStore
from calls.transfer import TransferResult
from campaigns import queue
from campaigns import store as campaign_store
from campaigns.models import CampaignSettings, ClaimedCall
from scenarios import library
from scenarios.engine import Engine
from services.asr import AsrResult
from services.media.frames import FRAME_BYTES
from services.media.leg import FrameInbox
from services.nlp.llm import NluService
from services.tts import CachedTts, EspeakTts
from tests.fakes.ollama_server import closed_port_url

pytestmark = pytest.mark.integration

PARIS = ZoneInfo("Europe/Paris")
FRIDAY = datetime(2026, 11, 27, 11, 0, tzinfo=PARIS)  # "demain" is a Saturday: no calls on weekends (fr)
PHONE = "+33612345678"
Conn = psycopg.Connection[dict[str, object]]
LEAD_SILENCE = bytes(FRAME_BYTES * 20)  # 400 ms before the caller speaks
TAIL_SILENCE = bytes(FRAME_BYTES * 60)  # 1.2 s after: the VAD ends the turn


class ScriptedCaller:
    """A `MediaLeg` double: plays the caller's next scripted line (real audio) after each bot prompt.

    Bot audio "plays" at once (marks resolve immediately); caller frames are yielded one loop turn
    apart so the dialogue sees the prompt end before the caller's voice starts.
    """

    def __init__(self, lines: list[tuple[str, bytes]]) -> None:
        self.lines = deque(lines)
        self.said: deque[str] = deque()  # lines played, not yet recognized
        self.inbox = FrameInbox()
        self.inbox.put_pcm(bytes(FRAME_BYTES * 50))  # a second of line silence after the answer
        self.bot_bytes = 0

    async def frames(self) -> AsyncIterator[bytes]:
        async for frame in self.inbox.frames():
            await asyncio.sleep(0)  # one event-loop turn per frame, like a live stream
            yield frame

    async def send(self, pcm: bytes) -> None:
        self.bot_bytes += len(pcm)

    async def flush(self) -> None:
        raise AssertionError("the scripted caller never talks over the bot")

    async def mark(self, mark_id: str) -> Awaitable[bool]:
        played: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        played.set_result(True)
        if self.lines:
            text, pcm = self.lines.popleft()
            self.said.append(text)
            self.inbox.put_pcm(LEAD_SILENCE + pcm + TAIL_SILENCE)
        return played

    async def close(self) -> None:
        self.inbox.end()


class ScriptedRecognizer:
    """Stands in for a French Vosk recognizer: the final text of a turn is the line the caller said."""

    def __init__(self, caller: ScriptedCaller) -> None:
        self.caller = caller
        self.heard_bytes = 0

    async def accept(self, pcm: bytes) -> AsrResult:
        self.heard_bytes += len(pcm)
        return AsrResult("", final=False)

    async def finish(self, tail: bytes = b"") -> AsrResult:
        self.heard_bytes += len(tail)
        return AsrResult(self.caller.said.popleft() if self.caller.said else "", final=True)

    async def close(self) -> None:
        pass


class ScriptedRecognition:
    """`SpeechRecognition` handing out the one scripted recognizer."""

    def __init__(self, recognizer: ScriptedRecognizer) -> None:
        self.recognizer_ = recognizer

    async def recognizer(self) -> ScriptedRecognizer:
        return self.recognizer_


@pytest.fixture(scope="module")
def tts(tmp_path_factory: pytest.TempPathFactory) -> CachedTts:
    return CachedTts(EspeakTts(), tmp_path_factory.mktemp("tts"))


@pytest.fixture
async def claimed(conn: Conn, pool: AsyncConnectionPool) -> ClaimedCall:
    """One contact of a started ``fr`` campaign, claimed by this robot at FRIDAY."""
    settings = CampaignSettings(scenario="patrimoine", amd_mode="off", record_calls=False)
    campaign = campaign_store.create(conn, "outcomes", settings)
    conn.execute(
        "INSERT INTO contacts (campaign_id, phone, first_name, last_name, consent, timezone)"
        " VALUES (%s, %s, 'Marie', 'Martin', 'optin', 'Europe/Paris')",
        (campaign.id, PHONE),
    )
    campaign_store.start(conn, "outcomes", now=FRIDAY)
    [call] = await queue.claim(pool, 1, "robot-t", 120, now=FRIDAY)
    return call


async def converse(
    pool: AsyncConnectionPool,
    tts: CachedTts,
    call: ClaimedCall,
    lines: list[str],
    *,
    clock: datetime = FRIDAY,
    nlu: NluService | None = None,
    greeting: str = "",
) -> tuple[LiveCall, ConversationResult, ScriptedRecognizer]:
    """Hold one conversation with a caller saying ``lines``, one after each bot prompt, at ``clock``
    (Ollama down unless ``nlu`` says otherwise); ``greeting`` is said on answering, before the bot."""
    store = CallStore(pool)
    call_id = await store.insert_call(
        queue_id=call.queue_id,
        campaign_id=call.campaign_id,
        contact_id=call.contact_id,
        attempt=call.attempt,
        channel_id="mb-test-1",
        robot_id="robot-t",
        queued_at=FRIDAY,
        originated_at=FRIDAY,
    )
    await store.mark_answered(call_id, FRIDAY)
    caller = ScriptedCaller([(line, await tts.synthesize(line, "fr")) for line in lines])
    if greeting:
        caller.inbox = FrameInbox()
        caller.inbox.put_pcm(LEAD_SILENCE + await tts.synthesize(greeting, "fr") + TAIL_SILENCE)
        caller.said.append(greeting)
    recognizer = ScriptedRecognizer(caller)
    deps = ConversationDeps(
        asr=ScriptedRecognition(recognizer),
        nlu=nlu or NluService(closed_port_url(), budget_ms=300),  # Ollama down: keyword fast path only
        tts=tts,
        store=store,
        engines=functools.cache(lambda name: Engine(library.resolve(name))),
        clock=lambda: clock,
    )
    live = LiveCall(claimed=call, call_id=call_id, channel_id="mb-test-1")
    live.transfer = adviser_answers
    result = await asyncio.wait_for(ScenarioConversation(deps)(live, caller), 30)
    await asyncio.gather(*deps.background)  # the post-call analysis
    await caller.close()
    assert recognizer.heard_bytes > 0 and caller.bot_bytes > 0
    return live, result, recognizer


async def adviser_answers(endpoint: str) -> TransferResult:
    """The controller's transfer when the adviser picks up (tests/e2e/test_transfer.py runs it for real)."""
    return TransferResult(True)


def caller_turns(conn: Conn, call_id: int) -> list[tuple[object, ...]]:
    rows = conn.execute(
        "SELECT text, step, intent FROM turns WHERE call_id = %s AND speaker = 'caller' ORDER BY seq",
        (call_id,),
    ).fetchall()
    return [(r["text"], r["step"], r["intent"]) for r in rows]


def lead_of(conn: Conn, call_id: int) -> dict[str, object]:
    row = conn.execute("SELECT * FROM leads WHERE call_id = %s", (call_id,)).fetchone()
    assert row is not None
    return row


async def test_cooperative_caller_becomes_a_qualified_lead(
    conn: Conn,
    pool: AsyncConnectionPool,
    tts: CachedTts,
    claimed: ClaimedCall,
) -> None:
    lines = [
        "Oui, je vous écoute.",
        "J'ai un livret A et une assurance vie.",
        "Oui, ça ne rapporte rien.",
        "Non, je ne le vois jamais.",
        "Oui, je veux bien.",
    ]
    live, result, _ = await converse(pool, tts, claimed, lines)

    assert result == ConversationResult(transferred_to="PJSIP/conseiller@trunk")
    assert caller_turns(conn, live.call_id) == [
        (lines[0], "intro", "yes"),
        (lines[1], "q1_savings", "yes"),
        (lines[2], "q2_inflation", "yes"),
        (lines[3], "q3_adviser", "no"),
        (lines[4], "offer", "yes"),
    ]
    lead = lead_of(conn, live.call_id)
    assert lead["status"] == "qualified" and isinstance(lead["score"], int)
    assert lead["score"] >= library.resolve("patrimoine").qualify.min_score
    assert lead["answers"] == {
        "savings": {"intent": "yes", "text": lines[1]},
        "inflation_concern": {"intent": "yes", "text": lines[2]},
        "adviser_satisfied": {"intent": "no", "text": lines[3]},
    }
    assert isinstance(lead["summary"], str) and lead["summary"].strip()
    bot = conn.execute(
        "SELECT step FROM turns WHERE call_id = %s AND speaker = 'bot' ORDER BY seq", (live.call_id,)
    ).fetchall()
    assert [r["step"] for r in bot][-1] == "transfer"
    transfer = conn.execute(
        "SELECT transfer_endpoint, transfer_result FROM calls WHERE id = %s", (live.call_id,)
    ).fetchone()
    assert transfer == {"transfer_endpoint": "PJSIP/conseiller@trunk", "transfer_result": "connected"}


async def test_do_not_call_request_lands_in_the_dnc_list(
    conn: Conn,
    pool: AsyncConnectionPool,
    tts: CachedTts,
    claimed: ClaimedCall,
) -> None:
    lines = ["Oui.", "Ne m'appelez plus jamais, retirez mon numéro."]
    live, result, _ = await converse(pool, tts, claimed, lines)

    assert result.dnc is True and result.callback_at is None
    assert caller_turns(conn, live.call_id)[-1] == (lines[1], "q1_savings", "do_not_call")
    assert conn.execute("SELECT source FROM dnc WHERE phone = %s", (PHONE,)).fetchone() == {"source": "call"}
    contact = conn.execute("SELECT refused_at FROM contacts WHERE id = %s", (claimed.contact_id,)).fetchone()
    assert contact is not None and contact["refused_at"] == FRIDAY
    assert lead_of(conn, live.call_id)["status"] == "do_not_call"


async def test_callback_request_is_rescheduled_inside_the_calling_hours(
    conn: Conn,
    pool: AsyncConnectionPool,
    tts: CachedTts,
    claimed: ClaimedCall,
) -> None:
    lines = ["Pas maintenant, rappelez-moi demain vers 14h."]
    live, result, _ = await converse(pool, tts, claimed, lines)

    saturday_2pm = datetime(2026, 11, 28, 14, 0, tzinfo=PARIS)
    assert result.callback_at == saturday_2pm and not result.dnc
    assert caller_turns(conn, live.call_id) == [(lines[0], "intro", "callback")]
    lead = lead_of(conn, live.call_id)
    assert lead["status"] == "callback" and lead["callback_at"] == saturday_2pm

    # settling the call: the fr profile does not call on weekends, so Monday when the windows open
    controller = Controller(
        pool=pool,
        ari=None,  # type: ignore[arg-type]  # settling the queue row never reaches ARI
        events=(),  # type: ignore[arg-type]
        options=ControllerOptions(robot_id="robot-t"),
        session_factory=lambda live: None,  # type: ignore[arg-type,return-value]
        clock=lambda: FRIDAY + timedelta(minutes=2),
    )
    await controller._settle_queue(claimed, Outcome.ANSWERED, result)
    row = conn.execute(
        "SELECT status, not_before, wait_reason FROM call_queue WHERE id = %s", (claimed.queue_id,)
    ).fetchone()
    assert row is not None and row["status"] == "pending"
    assert row["not_before"] == datetime(2026, 11, 30, 10, 0, tzinfo=PARIS).astimezone(UTC)


async def test_callback_hour_is_read_in_the_contacts_zone_with_the_utc_wall_clock(
    pool: AsyncConnectionPool, tts: CachedTts, claimed: ClaimedCall
) -> None:
    lines = ["Rappelez-moi demain vers 14h."]
    _, result, _ = await converse(pool, tts, claimed, lines, clock=FRIDAY.astimezone(UTC))
    assert result.callback_at == datetime(2026, 11, 28, 14, 0, tzinfo=PARIS)
