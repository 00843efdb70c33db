"""How many simultaneous calls one process holds in real time: per call, caller speech arrives every
20 ms (speech/pause pattern from a real French clip) through webrtcvad and the Vosk model (decoded 100 ms
at a time while the caller speaks, finished at end of speech), while the bot talks back through a paced
sender. Measures the caller-frame backlog (frame due time vs processing time), event-loop lag, CPU per
call and RSS.

    python -m benchmarks.bench_capacity            # steps 10, 20, 30, 40 calls, 20 s each
    MINIBOT_BENCH_CALLS=30 MINIBOT_BENCH_SECONDS=30 python -m benchmarks.bench_capacity
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from pathlib import Path

from benchmarks.common import emit, percentile
from services.asr import AsrEngine
from services.looplag import LoopLagMonitor
from services.media.frames import FRAME_BYTES, SILENCE_FRAME, frames_of, read_wav_16k
from services.media.leg import PacedSender
from services.vad import SpeechEnd, SpeechStart, VadStream, WebRtcVad

CLIP = Path(__file__).resolve().parents[2] / "shared" / "audio" / "fr_fr_prompts" / "hello-world.wav"
ASR_CHUNK_FRAMES = 5
PAUSE_FRAMES = 60  # 1.2 s between caller sentences
BACKLOG_TARGET_MS = 200.0


def caller_pattern(pcm: bytes) -> list[bytes]:
    """One caller sentence followed by a pause, as 20 ms frames."""
    return [f for f in frames_of(pcm) if len(f) == FRAME_BYTES] + [SILENCE_FRAME] * PAUSE_FRAMES


async def one_call(
    engine: AsrEngine, pattern: list[bytes], bot_pcm: bytes, seconds: float, *, offset: int, lags: list[float]
) -> int:
    """Run one call for ``seconds``; appends per-frame backlog (ms) to ``lags``; returns turns decoded."""
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    sent = 0

    async def sink(frame: bytes) -> None:
        nonlocal sent
        sent += 1

    bot = PacedSender(sink)
    bot.start()

    async def feed() -> None:
        start = time.monotonic()
        total = int(seconds * 50)
        for i in range(total):
            due = start + i * 0.02
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((due, pattern[(i + offset) % len(pattern)]))
            if i % 200 == 0:
                bot.queue(bot_pcm)  # the bot talks too (caller and bot overlap)
        queue.put_nowait(None)

    rec = await engine.recognizer()  # built before media flows (takes ~1 s with the Korean graph)
    feeder = asyncio.create_task(feed())
    vad = VadStream(WebRtcVad(2, 20))
    pending: list[bytes] = []
    speaking = False
    turns = 0
    while (item := await queue.get()) is not None:
        due, frame = item
        for _is_speech, event in vad.process(frame):
            if isinstance(event, SpeechStart):
                speaking, pending = True, []
            elif isinstance(event, SpeechEnd) and speaking:
                speaking = False
                if pending:
                    await rec.accept(b"".join(pending))
                await rec.finish()
                pending, turns = [], turns + 1
        if speaking:
            pending.append(frame)
            if len(pending) >= ASR_CHUNK_FRAMES:
                await rec.accept(b"".join(pending))
                pending = []
        lags.append((time.monotonic() - due) * 1000)
    await feeder
    await bot.stop()
    return turns


async def run_step(engine: AsrEngine, calls: int, seconds: float, pcm: bytes) -> dict[str, float]:
    """``calls`` calls at once for ``seconds``; the figures of the step."""
    pattern = caller_pattern(pcm)
    lags: list[float] = []
    monitor = LoopLagMonitor(0.01)
    usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    monitor.start()
    turns = await asyncio.gather(
        *(one_call(engine, pattern, pcm, seconds, offset=i * 37, lags=lags) for i in range(calls))
    )
    await monitor.stop()
    usage1, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - wall0
    cpu = (usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime) / wall
    return {
        "backlog_p99_ms": percentile(lags, 99),
        "backlog_max_ms": max(lags),
        "loop_lag_p99_ms": percentile(monitor.samples_ms, 99),
        "cpu_per_call_pct": 100 * cpu / calls,
        "rss_mb": usage1.ru_maxrss / 1024,
        "turns": float(sum(turns)),
    }


async def main_async() -> None:
    """Step up the number of calls and report the largest that stays real time."""
    engine = AsrEngine.from_settings(os.environ.get("MINIBOT_VOSK_MODEL", ""))
    pcm = read_wav_16k(CLIP)
    seconds = float(os.environ.get("MINIBOT_BENCH_SECONDS", "20"))
    steps = (
        [int(os.environ["MINIBOT_BENCH_CALLS"])] if "MINIBOT_BENCH_CALLS" in os.environ else [10, 20, 30, 40]
    )
    best = 0
    for calls in steps:
        figures = await run_step(engine, calls, seconds, pcm)
        ok = figures["backlog_p99_ms"] <= BACKLOG_TARGET_MS and figures["loop_lag_p99_ms"] < 20
        emit(f"capacity_{calls}_calls_backlog_p99", figures["backlog_p99_ms"], "ms", "<= 200", ok,
             **{k: round(v, 1) for k, v in figures.items()}, cpus=os.cpu_count(),
             model_language=engine.language, seconds=seconds)  # fmt: skip
        if ok:
            best = calls
    emit("capacity_realtime_calls", best, "calls", ">= 30", best >= 30, steps=steps)


def main() -> None:
    """Print the capacity figures."""
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
