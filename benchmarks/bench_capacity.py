"""How many simultaneous calls one robot process holds in real time, running the production conversation.

Each call is the robot's own `ScenarioConversation` (built by `calls.runner.scenario_conversation`, as
`minibot robot run` builds it) on the ``patrimoine`` scenario: webrtcvad, hybrid AMD, barge-in, the
stereo recording, Vosk in the ASR executor with the recognizer pool warmed at start, the keyword NLU
with Ollama down, the TTS cache, turns and leads written to Postgres. Only the far end is the bench's:
`BenchCaller` is a `MediaLeg` that delivers caller frames on a 20 ms clock, plays the bot's audio at
real-time pace, and, like a person, answers each prompt once it has finished playing (real French
sentences from ``../shared/audio/human_fr`` after a short pause; "Allô ?" when it picks up). A call that
ends is replaced at once, so ``calls`` conversations run the whole time.

The lines pick up one after the other over 12 s (as a paced dialer's do) and every caller pauses a
random 0.3-1.2 s before answering, so the calls do not speak in lockstep; the figures cover the
``seconds`` after that ramp. Per step: caller-frame backlog (frame due -> the conversation done
with it), event-loop lag, turn latency (end-of-speech decision -> bot audio queued, from the
``turns`` table), ASR lag (decision -> final transcript), share of the time the caller speaks, CPU per
call and peak RSS.

    python -m benchmarks.bench_capacity                      # steps 10, 20, 30, 40 calls, 60 s each
    MINIBOT_BENCH_CALLS=30 MINIBOT_BENCH_SECONDS=120 python -m benchmarks.bench_capacity
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import resource
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from benchmarks.common import emit, percentile, scratch_database
from calls.controller import LiveCall
from calls.conversation import ScenarioConversation, scenario_texts
from calls.runner import ScenarioConversationFactory, scenario_conversation
from calls.store import CallStore
from campaigns import queue
from campaigns import store as campaign_store
from campaigns.models import CampaignSettings
from scenarios import library
from services import db
from services.config import load_settings
from services.looplag import LoopLagMonitor
from services.media.frames import FRAME_BYTES, FRAME_MS, SILENCE_FRAME, frames_of, read_wav_16k
from services.media.leg import PacedSender
from tests.fakes.ollama_server import closed_port_url

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
ANSWERS = tuple(
    AUDIO / "human_fr" / f"{name}.wav"
    for name in (
        "wt_bonjour",
        "cheetah_test_fr_norm",
        "porcupine_mon_chouchou",
        "rhino_within_context_fr",
        "rhino_out_of_context_fr",
        "cheetah_test_fr",
        "porcupine_multiple_keywords_fr",
        "leopard_test_fr",
    )
)
GREETING = AUDIO / "tts_fr" / "allo_oui.wav"
GREETING_AFTER_S = 0.3  # the callee says "Allô ?" this long after picking up
REPLY_AFTER_S = (0.3, 1.2)  # and answers a prompt this long after it finished playing (uniform)
RAMP_S = 12.0  # the lines pick up one after the other over this time, then the measure starts
DEFAULT_STEPS = (10, 20, 30, 40)
BACKLOG_TARGET_MS = 200.0
LOOP_LAG_TARGET_MS = 20.0
TURN_LATENCY_TARGET_MS = 250.0
FRAME_S = FRAME_MS / 1000
CAMPAIGN = "capacity"


def speech_frames(path: Path) -> list[bytes]:
    """A clip as whole 20 ms frames."""
    return [f for f in frames_of(read_wav_16k(path)) if len(f) == FRAME_BYTES]


async def _no_wire(frame: bytes) -> None:
    """The transport's write of one bot frame (the far end is in this process)."""


class BenchCaller:
    """The far end of one call: caller audio on a 20 ms clock, bot audio played at real-time pace."""

    def __init__(
        self, answers: list[list[bytes]], greeting: list[bytes], window: tuple[float, float], seed: int
    ) -> None:
        self.measure_from, self.until = window  # backlog counted from, and the caller hangs up at
        self.random = random.Random(seed)
        self.answers = deque(answers)
        self.speech: deque[bytes] = deque()
        self.speak_at = time.monotonic() + GREETING_AFTER_S
        self.next_words = greeting
        self.bot = PacedSender(_no_wire)
        self.bot.start()
        self.open = True
        self.backlog_ms: list[float] = []
        self.speech_frames = 0
        self.frames_total = 0

    async def frames(self) -> AsyncIterator[bytes]:
        """One frame per 20 ms; the backlog of a frame is measured when the conversation asks for the next."""
        due = time.monotonic()
        while self.open and due < self.until:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.open:
                return
            yield self._next_frame()
            if due >= self.measure_from:
                self.backlog_ms.append((time.monotonic() - due) * 1000)
            due += FRAME_S

    def _next_frame(self) -> bytes:
        self.frames_total += 1
        if not self.speech and self.next_words and time.monotonic() >= self.speak_at:
            self.speech.extend(self.next_words)
            self.next_words = []
        if self.speech:
            self.speech_frames += 1
            return self.speech.popleft()
        return SILENCE_FRAME

    async def send(self, pcm: bytes) -> None:
        self.bot.queue(pcm)

    async def flush(self) -> None:
        self.bot.flush()

    async def mark(self, mark_id: str) -> Awaitable[bool]:
        played = self.bot.mark(mark_id)
        asyncio.ensure_future(played).add_done_callback(self._prompt_over)
        return played

    def _prompt_over(self, played: asyncio.Future[bool]) -> None:
        """The prompt played to its end: answer it after a short pause."""
        if played.result() and not self.speech and self.answers:
            self.next_words = self.answers[0]
            self.answers.rotate(-1)
            self.speak_at = time.monotonic() + self.random.uniform(*REPLY_AFTER_S)

    async def close(self) -> None:
        self.open = False
        await self.bot.stop()


def seed(url: str, contacts: int) -> None:
    """A running campaign of ``contacts`` contacts on ``patrimoine`` (no compliance windows)."""
    settings = CampaignSettings(
        scenario="patrimoine", compliance_profile="none", max_concurrent_calls=1000, amd_mode="hybrid"
    )
    with db.connect(url, autocommit=True) as conn:
        campaign = campaign_store.create(conn, CAMPAIGN, settings)
        with psycopg.ClientCursor(conn).copy(
            "COPY contacts (campaign_id, phone, first_name, last_name, timezone) FROM STDIN"
        ) as copy:
            for i in range(contacts):
                copy.write_row((campaign.id, f"+3361{i:07d}", "Marie", "Martin", "Europe/Paris"))
        campaign_store.start(conn, CAMPAIGN)


CALL_SERIAL = itertools.count()


class Step:
    """``calls`` conversations held at once until ``deadline``; each ended call is replaced."""

    def __init__(self, factory: ScenarioConversationFactory, pool: AsyncConnectionPool) -> None:
        self.talk = ScenarioConversation(factory.deps(pool))
        self.store = CallStore(pool)
        self.pool = pool
        self.answers = [speech_frames(path) for path in ANSWERS]
        self.greeting = speech_frames(GREETING)
        self.callers: list[BenchCaller] = []
        self.call_ids: list[int] = []

    async def run_slot(self, slot: int, window: tuple[float, float]) -> None:
        """Call after call on one line until the end of the measure ``window``."""
        while time.monotonic() < window[1]:
            [claimed] = await queue.claim(self.pool, 1, "bench", 600)
            now = datetime.now(UTC)
            serial = next(CALL_SERIAL)
            channel = f"mb-bench-{serial}"  # unique across steps: a channel id names one call
            call_id = await self.store.insert_call(
                queue_id=claimed.queue_id, campaign_id=claimed.campaign_id, contact_id=claimed.contact_id,
                attempt=claimed.attempt, channel_id=channel, robot_id="bench", queued_at=now,
                originated_at=now,
            )  # fmt: skip
            await self.store.mark_answered(call_id, now)
            self.call_ids.append(call_id)
            shift = (slot + len(self.callers)) % len(self.answers)
            answers = self.answers[shift:] + self.answers[:shift]
            caller = BenchCaller(answers, self.greeting, window, seed=serial)
            self.callers.append(caller)
            try:
                await self.talk(LiveCall(claimed=claimed, call_id=call_id, channel_id=channel), caller)
            finally:
                await caller.close()


async def turn_figures(
    pool: AsyncConnectionPool, call_ids: list[int], since: datetime
) -> tuple[list[float], list[float]]:
    """(bot response latencies, caller ASR latencies) in ms of the turns of these calls since ``since``."""
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT response_latency_ms, asr_latency_ms FROM turns"
            " WHERE call_id = ANY(%s) AND created_at >= %s",
            (call_ids, since),
        )
        rows = await cur.fetchall()
    response = [float(r["response_latency_ms"]) for r in rows if r["response_latency_ms"] is not None]
    asr = [float(r["asr_latency_ms"]) for r in rows if r["asr_latency_ms"] is not None]
    return response, asr


async def run_step(
    factory: ScenarioConversationFactory, pool: AsyncConnectionPool, calls: int, seconds: float
) -> dict[str, float]:
    """Ramp up to ``calls`` conversations, then hold them for ``seconds``; the figures of that window."""
    step = Step(factory, pool)
    start = time.monotonic()
    window = (start + RAMP_S, start + RAMP_S + seconds)
    slots = []
    for i in range(calls):
        slots.append(asyncio.create_task(step.run_slot(i, window)))
        await asyncio.sleep(RAMP_S / calls)
    await asyncio.sleep(max(0.0, window[0] - time.monotonic()))
    since, usage0 = datetime.now(UTC), resource.getrusage(resource.RUSAGE_SELF)
    monitor = LoopLagMonitor(0.01)
    monitor.start()
    await asyncio.sleep(max(0.0, window[1] - time.monotonic()))
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    await monitor.stop()
    await asyncio.gather(*slots)
    await asyncio.gather(*step.talk.deps.background)  # post-call analyses of the step's calls
    cpu = (usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime) / seconds
    backlog = [ms for caller in step.callers for ms in caller.backlog_ms]
    response, asr = await turn_figures(pool, step.call_ids, since)
    speech = sum(c.speech_frames for c in step.callers) / max(1, sum(c.frames_total for c in step.callers))
    return {
        "backlog_p99_ms": percentile(backlog, 99),
        "backlog_max_ms": max(backlog),
        "loop_lag_p99_ms": percentile(monitor.samples_ms, 99),
        "turn_latency_p50_ms": percentile(response, 50),
        "turn_latency_p95_ms": percentile(response, 95),
        "asr_lag_p50_ms": percentile(asr, 50),
        "asr_lag_p95_ms": percentile(asr, 95),
        "caller_turns": float(len(asr)),
        "calls_held": float(len(step.call_ids)),
        "caller_speech_pct": 100 * speech,
        "cpu_per_call_pct": 100 * cpu / calls,
        "cpu_total_pct": 100 * cpu,
        "rss_mb": usage1.ru_maxrss / 1024,
        "recognizers": float(factory.asr.pool.created),
    }


def bench_steps() -> list[int]:
    """Call counts to try: ``MINIBOT_BENCH_CALLS`` (``30`` or ``10,20``), else the defaults."""
    raw = os.environ.get("MINIBOT_BENCH_CALLS", "")
    return [int(n) for n in raw.split(",")] if raw else list(DEFAULT_STEPS)


async def main_async(url: str, folder: Path) -> None:
    """Step up the number of calls and report the largest that stays real time."""
    steps = bench_steps()
    seconds = float(os.environ.get("MINIBOT_BENCH_SECONDS", "60"))
    settings = load_settings(
        {}, database_url=url, tts_cache_dir=folder / "tts", recordings_dir=folder / "rec",
        ollama_host=closed_port_url(),
    )  # fmt: skip
    factory = scenario_conversation(settings)
    model = {"model_language": factory.asr.language, "model_path": str(factory.asr.model_path)}
    if factory.asr.language != "fr":
        model["model_note"] = "not the small French model (none here): ASR cost differs"
    scenario = library.resolve("patrimoine")
    for text in scenario_texts(scenario, {"first_name": "Marie"}):  # the robot's TTS cache, filled
        await factory.tts.synthesize(text, settings.tts_voice)
    await factory.warm_up_asr(max(steps))  # as the robot does at start (MINIBOT_ASR_WARM_RECOGNIZERS)
    best = 0
    async with await db.open_pool(url, max_size=10) as pool:
        for calls in steps:
            figures = await run_step(factory, pool, calls, seconds)
            fields = {k: round(v, 1) for k, v in figures.items()}
            ok = (
                figures["backlog_p99_ms"] <= BACKLOG_TARGET_MS
                and figures["loop_lag_p99_ms"] < LOOP_LAG_TARGET_MS
                and figures["turn_latency_p95_ms"] <= TURN_LATENCY_TARGET_MS
            )
            emit(f"capacity_{calls}_calls", figures["backlog_p99_ms"], "ms",
                 "backlog p99 <= 200 ms, loop lag p99 < 20 ms, turn latency p95 <= 250 ms", ok,
                 calls=calls, seconds=seconds, cpus=os.cpu_count(), **fields, **model)  # fmt: skip
            best = calls if ok else best
    emit("capacity_realtime_calls", best, "calls", ">= 30", best >= 30, steps=steps, **model)


def main() -> None:
    """Print the capacity figures."""
    steps = bench_steps()
    with scratch_database() as url, tempfile.TemporaryDirectory(prefix="minibot-capacity-") as folder:
        seed(url, contacts=max(steps) * 40)
        asyncio.run(main_async(url, Path(folder)))


if __name__ == "__main__":
    main()
