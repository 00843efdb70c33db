"""ASR benchmarks: real-time factor per stream, concurrent real-time streams (threads vs processes),
French word error rate when a French Vosk model is available."""

from __future__ import annotations

import asyncio
import csv
import os
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from benchmarks.common import emit, percentile
from services.asr import AsrEngine, load_model, resolve_model_path
from services.errors import AsrError
from services.looplag import LoopLagMonitor
from services.media.frames import read_wav_16k
from services.vad import normalize_words
from tests.conftest import AUDIO_DIR

CLIP = AUDIO_DIR / "human_fr" / "leopard_test_fr.wav"
CHUNK = 640 * 10  # 200 ms, as a call feeds it


def decode_clip(model_path: str, pcm: bytes) -> float:
    """Decode a whole clip in 200 ms chunks with a fresh recognizer; returns seconds spent."""
    import vosk

    rec = vosk.KaldiRecognizer(load_model(Path(model_path)), 16000)
    rec.SetWords(True)
    start = time.perf_counter()
    for i in range(0, len(pcm), CHUNK):
        rec.AcceptWaveform(pcm[i : i + CHUNK])
    rec.FinalResult()
    return time.perf_counter() - start


def warm(model_path: str) -> bool:
    """Load the model in a worker process."""
    load_model(Path(model_path))
    return True


def concurrent_wall(executor: Executor, model_path: str, pcm: bytes, streams: int) -> float:
    """Wall time to decode ``streams`` clips at once."""
    start = time.perf_counter()
    list(executor.map(decode_clip, [model_path] * streams, [pcm] * streams))
    return time.perf_counter() - start


def max_realtime_streams(
    kind: str, model_path: str, pcm: bytes, duration: float
) -> tuple[int, dict[int, float]]:
    """Largest stream count whose decoding keeps up with real time (wall <= audio duration)."""
    best, walls = 0, {}
    for streams in (1, 2, 3, 4, 6, 8):
        pool: Executor
        if kind == "thread":
            pool = ThreadPoolExecutor(streams)
        else:
            pool = ProcessPoolExecutor(streams)
            list(pool.map(warm, [model_path] * streams))
        with pool:
            walls[streams] = concurrent_wall(pool, model_path, pcm, streams)
        if walls[streams] <= duration:
            best = streams
        else:
            break
    return best, walls


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)], len(ref)


async def french_wer(engine: AsrEngine) -> tuple[float, int]:
    errors, words, clips = 0, 0, 0
    with (AUDIO_DIR / "MANIFEST.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["language"].startswith("fr") and r["transcript"]]
    for row in rows:
        if row["kind"] not in {"speech", "tts"}:
            continue
        pcm = read_wav_16k(AUDIO_DIR / row["file"])
        rec = await engine.recognizer()
        for i in range(0, len(pcm), CHUNK):
            await rec.accept(pcm[i : i + CHUNK])
        e, n = word_error_rate(row["transcript"], (await rec.finish()).text)
        errors, words, clips = errors + e, words + n, clips + 1
    return 100 * errors / max(1, words), clips


async def loop_lag_while_decoding(engine: AsrEngine, pcm: bytes, streams: int) -> list[float]:
    """Event-loop lag samples (ms) while ``streams`` calls feed 20 ms frames and VAD-free ASR."""
    monitor = LoopLagMonitor(0.005)
    monitor.start()

    async def call() -> None:
        rec = await engine.recognizer()
        for i in range(0, len(pcm), 640):
            await rec.accept(pcm[i : i + 640])
        await rec.finish()

    await asyncio.gather(*(call() for _ in range(streams)))
    await monitor.stop()
    return monitor.samples_ms


def main() -> None:
    """Print the ASR figures."""
    try:
        model_path = resolve_model_path(os.environ.get("MINIBOT_VOSK_MODEL", ""))
    except AsrError as exc:
        emit("asr_rtf", 0, "x", "<= 0.5", False, note=str(exc))
        return
    start = time.perf_counter()
    engine = AsrEngine(model_path)
    emit("asr_model_load", time.perf_counter() - start, "s", "<= 10", time.perf_counter() - start <= 10,
         model=str(model_path), language=engine.language)  # fmt: skip
    pcm = read_wav_16k(CLIP)
    duration = len(pcm) / 32000
    decode_clip(str(model_path), pcm)  # warm-up
    rtf = decode_clip(str(model_path), pcm) / duration
    emit("asr_rtf_single_stream", rtf, "x", "<= 0.5", rtf <= 0.5, cpus=os.cpu_count())
    for kind in ("thread", "process"):
        best, walls = max_realtime_streams(kind, str(model_path), pcm, duration)
        emit(f"asr_realtime_streams_{kind}_pool", best, "streams", ">= 2 on 2 cores", best >= 2,
             wall_s={str(k): round(v, 2) for k, v in walls.items()}, audio_s=round(duration, 2))  # fmt: skip
    lag = asyncio.run(loop_lag_while_decoding(engine, pcm, 2))
    p99 = percentile(lag, 99)
    emit("asr_event_loop_lag_p99", p99, "ms", "<= 20", p99 <= 20, streams=2, max_ms=round(max(lag), 1))
    if engine.language != "fr":
        emit("asr_wer_fr", -1, "%", "<= 30", False,
             note=f"French model absent (found {engine.language} model {model_path}); "
                  "run `minibot models download fr-small` and set MINIBOT_VOSK_MODEL")  # fmt: skip
        return
    wer, clips = asyncio.run(french_wer(engine))
    emit("asr_wer_fr", wer, "%", "<= 30", wer <= 30, clips=clips)


if __name__ == "__main__":
    main()
