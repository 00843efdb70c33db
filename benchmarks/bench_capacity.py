"""How many simultaneous calls one process holds in real time, in the shape of the production call path
(calls/conversation.py): per call, a *listener* reads caller frames as they arrive every 20 ms through a
`FrameInbox`, runs VAD and the stereo recorder, and queues speech in 100 ms chunks (with preroll) for a
*transcriber* task that decodes them with the call's Vosk recognizer in the ASR executor; the bot answers
each caller sentence through a `PacedSender`, so both sides talk. The caller says real French sentences
(``../shared/audio/human_fr``, varied: a recognizer decodes repeated audio much faster) with a 2 s pause
after each.

Reused as is: FrameInbox, VadStream/WebRtcVad, CallRecorder, AsrEngine recognizers, PacedSender,
LoopLagMonitor and the conversation's chunk/preroll sizes. The bench's listener is a minimal copy of the
conversation's segmentation loop (no AMD, barge-in or dialogue); the bot replies on the end-of-speech
decision rather than after the transcript, so its audio load does not depend on ASR; the transport's write
of a bot frame is a no-op.

Per step: caller-frame backlog (frame due -> listener done with it), ASR lag (end-of-speech decision ->
final transcript; turns still undecoded at the end count with their age so far, a lower bound), split
into the first turn of each call (fresh recognizer) and later turns, event-loop lag, CPU per call and
peak RSS. All calls start together, spread over the 20 ms frame period as independent RTP streams are;
recognizers are built before the clock starts.

    python -m benchmarks.bench_capacity                      # steps 5, 10, 20, 30 calls, 20 s each
    MINIBOT_BENCH_CALLS=30 MINIBOT_BENCH_SECONDS=30 python -m benchmarks.bench_capacity
    MINIBOT_BENCH_CALLS=5,15 python -m benchmarks.bench_capacity
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from collections import deque
from pathlib import Path

from benchmarks.common import emit, percentile
from calls.conversation import ASR_CHUNK_FRAMES, PREROLL_FRAMES
from services.asr import AsrEngine, CallRecognizer
from services.looplag import LoopLagMonitor
from services.media.frames import FRAME_BYTES, FRAME_MS, SILENCE_FRAME, frames_of, read_wav_16k
from services.media.leg import FrameInbox, PacedSender
from services.recording import CallRecorder
from services.vad import SpeechEnd, SpeechStart, VadStream, WebRtcVad

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
CALLER_CLIPS = tuple(
    AUDIO / "human_fr" / f"{name}.wav"
    for name in (
        "leopard_test_fr",
        "wt_bonjour",
        "cheetah_test_fr",
        "porcupine_mon_chouchou",
        "rhino_within_context_fr",
        "cheetah_test_fr_norm",
        "porcupine_multiple_keywords_fr",
        "rhino_out_of_context_fr",
    )
)
BOT_CLIP = AUDIO / "fr_fr_prompts" / "hello-world.wav"
PAUSE_FRAMES = 100  # 2 s after each caller sentence
DEFAULT_STEPS = (5, 10, 20, 30)
BACKLOG_TARGET_MS = 200.0
LOOP_LAG_TARGET_MS = 20.0
ASR_LAG_BUDGET_MS = 250.0  # the whole end-of-speech -> first bot frame budget (bench_latency)
FRAME_S = FRAME_MS / 1000


def caller_pattern(clips: tuple[Path, ...]) -> list[bytes]:
    """Each caller sentence followed by a pause, as 20 ms frames."""
    frames: list[bytes] = []
    for clip in clips:
        frames += [f for f in frames_of(read_wav_16k(clip)) if len(f) == FRAME_BYTES]
        frames += [SILENCE_FRAME] * PAUSE_FRAMES
    return frames


async def _wire(frame: bytes) -> None:
    """The transport's write of one bot frame (nothing here: the bench measures the bot's side)."""


class BenchCall:
    """One call: feeder (the network), listener, transcriber and paced bot audio."""

    def __init__(
        self, recognizer: CallRecognizer, pattern: list[bytes], bot_pcm: bytes, recording: Path
    ) -> None:
        self.recognizer = recognizer
        self.pattern = pattern
        self.bot_pcm = bot_pcm
        self.inbox = FrameInbox()
        self.due: deque[float] = deque()  # due time of each frame in the inbox, in order
        self.vad = VadStream(WebRtcVad(2, FRAME_MS))
        self.recorder = CallRecorder(recording)
        self.bot = PacedSender(_wire)
        self.asr_queue: asyncio.Queue[bytes | None] = asyncio.Queue()  # None: end of speech
        self.decided: deque[float] = deque()  # end-of-speech decision times not yet transcribed
        self.undecoded_bytes = 0
        self.backlog_ms: list[float] = []
        self.asr_lag_ms: list[float] = []
        self.turns = 0

    async def run(self, start: float, seconds: float, offset: int) -> None:
        """Hold the call from ``start`` for ``seconds``, the caller's pattern shifted by ``offset``."""
        self.bot.start()
        transcriber = asyncio.create_task(self._transcribe())
        try:
            await asyncio.gather(self._feed(start, seconds, offset), self._listen())
        finally:
            transcriber.cancel()
            await asyncio.gather(transcriber, return_exceptions=True)
            await self.bot.stop()
            self.recorder.close()
        now = time.monotonic()
        self.asr_lag_ms += [(now - decided) * 1000 for decided in self.decided]

    async def _feed(self, start: float, seconds: float, offset: int) -> None:
        for i in range(round(seconds / FRAME_S)):
            due = start + i * FRAME_S
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.due.append(due)
            self.inbox.put_pcm(self.pattern[(i + offset) % len(self.pattern)])
        self.inbox.end()

    async def _listen(self) -> None:
        preroll: deque[bytes] = deque(maxlen=PREROLL_FRAMES)
        pending: list[bytes] = []
        speaking = False
        async for frame in self.inbox.frames():
            self.recorder.tick(frame)
            for _is_speech, event in self.vad.process(frame):
                if isinstance(event, SpeechStart):
                    speaking, pending = True, list(preroll)
                elif isinstance(event, SpeechEnd) and speaking:
                    speaking = False
                    self._to_asr(b"".join(pending))
                    self.decided.append(time.monotonic())
                    self.asr_queue.put_nowait(None)
                    pending = []
                    self.bot.queue(self.bot_pcm)  # the bot answers (and may overlap the caller's next words)
                    self.recorder.bot_audio(self.bot_pcm)
            preroll.append(frame)
            if speaking:
                pending.append(frame)
                if len(pending) >= ASR_CHUNK_FRAMES:
                    self._to_asr(b"".join(pending))
                    pending = []
            self.backlog_ms.append((time.monotonic() - self.due.popleft()) * 1000)

    def _to_asr(self, pcm: bytes) -> None:
        self.undecoded_bytes += len(pcm)
        self.asr_queue.put_nowait(pcm)

    async def _transcribe(self) -> None:
        while True:
            item = await self.asr_queue.get()
            if item is None:
                await self.recognizer.finish()
                self.asr_lag_ms.append((time.monotonic() - self.decided.popleft()) * 1000)
                self.turns += 1
            elif item:
                await self.recognizer.accept(item)
                self.undecoded_bytes -= len(item)


async def run_step(
    engine: AsrEngine, calls: int, seconds: float, *, pattern: list[bytes], bot_pcm: bytes, folder: Path
) -> dict[str, float]:
    """``calls`` calls at once for ``seconds``; the figures of the step."""
    recognizers = await asyncio.gather(*(engine.recognizer() for _ in range(calls)))
    bench = [BenchCall(rec, pattern, bot_pcm, folder / f"call-{i}.wav") for i, rec in enumerate(recognizers)]
    monitor = LoopLagMonitor(0.01)
    monitor.start()
    usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    start = wall0 + 0.1
    await asyncio.gather(
        *(
            call.run(start + i * FRAME_S / calls, seconds, i * len(pattern) // calls)
            for i, call in enumerate(bench)
        )
    )
    usage1, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - wall0
    await monitor.stop()
    cpu = (usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime) / wall
    backlog = [ms for call in bench for ms in call.backlog_ms]
    asr_lag = [ms for call in bench for ms in call.asr_lag_ms]
    return {
        "backlog_p99_ms": percentile(backlog, 99),
        "backlog_max_ms": max(backlog),
        "loop_lag_p99_ms": percentile(monitor.samples_ms, 99),
        "asr_lag_p95_ms": percentile(asr_lag, 95),
        "asr_lag_p99_ms": percentile(asr_lag, 99),
        "asr_first_turn_p95_ms": percentile([call.asr_lag_ms[0] for call in bench if call.asr_lag_ms], 95),
        "asr_later_turns_p95_ms": percentile([ms for call in bench for ms in call.asr_lag_ms[1:]], 95),
        "asr_behind_max_s": max(call.undecoded_bytes for call in bench) / (FRAME_BYTES / FRAME_S),
        "turns_decided": float(len(asr_lag)),
        "turns_transcribed": float(sum(call.turns for call in bench)),
        "cpu_per_call_pct": 100 * cpu / calls,
        "cpu_total_pct": 100 * cpu,
        "rss_mb": usage1.ru_maxrss / 1024,
    }


def bench_steps() -> list[int]:
    """Call counts to try: ``MINIBOT_BENCH_CALLS`` (``30`` or ``5,10``), else the defaults."""
    raw = os.environ.get("MINIBOT_BENCH_CALLS", "")
    return [int(n) for n in raw.split(",")] if raw else list(DEFAULT_STEPS)


async def main_async() -> None:
    """Step up the number of calls and report the largest that stays real time."""
    engine = AsrEngine.from_settings(os.environ.get("MINIBOT_VOSK_MODEL", ""))
    model = {"model_language": engine.language, "model_path": str(engine.model_path)}
    if engine.language != "fr":
        model["model_note"] = "not the small French model (none here): ASR cost differs"
    pattern, bot_pcm = caller_pattern(CALLER_CLIPS), read_wav_16k(BOT_CLIP)
    seconds = float(os.environ.get("MINIBOT_BENCH_SECONDS", "20"))
    steps = bench_steps()
    best = asr_best = 0
    with tempfile.TemporaryDirectory(prefix="minibot-capacity-") as folder:
        for calls in steps:
            figures = await run_step(
                engine, calls, seconds, pattern=pattern, bot_pcm=bot_pcm, folder=Path(folder)
            )
            fields = {k: round(v, 1) for k, v in figures.items()}
            ok = (
                figures["backlog_p99_ms"] <= BACKLOG_TARGET_MS
                and figures["loop_lag_p99_ms"] < LOOP_LAG_TARGET_MS
            )
            emit(f"capacity_{calls}_calls_backlog_p99", figures["backlog_p99_ms"], "ms",
                 "backlog p99 <= 200 ms and loop lag p99 < 20 ms", ok, calls=calls, seconds=seconds,
                 cpus=os.cpu_count(), **fields, **model)  # fmt: skip
            asr_ok = figures["asr_lag_p95_ms"] <= ASR_LAG_BUDGET_MS
            asr_fields = {k: v for k, v in fields.items() if k.startswith(("asr_", "turns_"))}
            emit(f"capacity_{calls}_calls_asr_lag_p95", figures["asr_lag_p95_ms"], "ms",
                 "<= 250 (the whole turn-latency budget)", asr_ok, calls=calls,
                 **asr_fields, **model)  # fmt: skip
            best = calls if ok else best
            asr_best = calls if asr_ok else asr_best
    emit("capacity_realtime_calls", best, "calls", ">= 30", best >= 30, steps=steps,
         asr_keeps_up_calls=asr_best, **model)  # fmt: skip


def main() -> None:
    """Print the capacity figures."""
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
