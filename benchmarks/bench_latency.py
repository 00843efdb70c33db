"""Turn latency on the real pieces: Vosk finish, keyword NLP, espeak-ng TTS (cold, and warm from the disk
cache the conversation fills at call start), paced sender to the first bot frame; endpointing (VAD end
silence) on a real clip; barge-in (speech onset → bot audio stopped, gate included).

    python -m benchmarks.bench_latency                 # 200 turns
    MINIBOT_BENCH_TURNS=400 python -m benchmarks.bench_latency
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import emit, percentile
from services.asr import AsrEngine
from services.config import load_settings
from services.media.frames import FRAME_MS, SILENCE_FRAME, frames_of, read_wav_16k
from services.media.leg import PacedSender
from services.nlp.llm import NluService
from services.tts import CachedTts, EspeakTts
from services.vad import BargeInDetector, SpeechEnd, VadSegmenter, VadStream, WebRtcVad

CLIP = Path(__file__).resolve().parents[2] / "shared" / "audio" / "fr_fr_prompts" / "hello-world.wav"
KEYWORDS = {"yes": ["oui", "livret"], "no": ["non"]}


async def first_frame_after(
    sender: PacedSender, sent: list[float], frame_out: asyncio.Event, pcm: bytes
) -> float:
    """Queue ``pcm``; the monotonic time its first frame left."""
    before = len(sent)
    frame_out.clear()
    sender.queue(pcm)
    await frame_out.wait()
    sender.flush()
    return sent[before]


async def turn_latencies(turns: int, cache_dir: Path) -> tuple[list[float], list[float]]:
    """(cold, warm) decision → first bot frame, in ms."""
    engine = AsrEngine.from_settings(os.environ.get("MINIBOT_VOSK_MODEL", ""))
    nlu = NluService.from_settings(load_settings({}))
    tts = CachedTts(EspeakTts(), cache_dir)
    clip = read_wav_16k(CLIP)
    sent: list[float] = []
    frame_out = asyncio.Event()

    async def record(frame: bytes) -> None:
        sent.append(time.monotonic())
        frame_out.set()

    sender = PacedSender(record)
    sender.start()
    results: dict[str, list[float]] = {"cold": [], "warm": []}
    rec = await engine.recognizer()
    head, tail = clip[: 640 * 25], clip[640 * 25 : 640 * 30]
    for phase in ("cold", "warm"):
        for i in range(turns):
            await rec.accept(head)  # decoded while the caller spoke (100 ms chunks in the conversation)
            await asyncio.sleep(0.03)  # the sender idles between turns, as between real prompts
            decided = time.monotonic()
            await rec.accept(tail)  # at most one chunk is left at the end-of-speech decision
            await rec.finish()
            await nlu.classify("oui j'ai un livret", ["yes", "no"], KEYWORDS)
            pcm = await tts.synthesize(f"Très bien, question numéro {i}. Avez-vous un livret A ?", "fr")
            results[phase].append((await first_frame_after(sender, sent, frame_out, pcm) - decided) * 1000)
    await sender.stop()
    return results["cold"], results["warm"]


def endpoint_ms(end_silence_ms: int) -> float:
    """Last voiced frame of the clip → SpeechEnd, with this end silence."""
    frames = frames_of(read_wav_16k(CLIP)) + [SILENCE_FRAME] * 100
    stream = VadStream(WebRtcVad(2, FRAME_MS), VadSegmenter(end_silence_ms=end_silence_ms))
    last_voiced = gap = 0
    for index, frame in enumerate(frames):
        for is_speech, event in stream.process(frame):
            if is_speech:
                last_voiced = index
            if isinstance(event, SpeechEnd):
                gap = index - last_voiced  # the final SpeechEnd wins
    return gap * FRAME_MS


async def barge_in_ms(partial: str) -> float:
    """Caller speech onset (first voiced frame) → bot audio stopped (last bot frame sent). ``partial``:
    the ASR partial given to the gate every 100 ms of speech ("" = no word recognised)."""
    frames = frames_of(read_wav_16k(CLIP))
    vad = WebRtcVad(2, FRAME_MS)
    gate = BargeInDetector()
    gate.set_bot_speaking(True)
    sent: list[float] = []

    async def record(frame: bytes) -> None:
        sent.append(time.monotonic())

    sender = PacedSender(record)
    sender.start()
    sender.queue(SILENCE_FRAME * 500)
    onset: float | None = None
    for frame in frames:  # caller frames arrive every 20 ms
        await asyncio.sleep(FRAME_MS / 1000)
        speech = vad.classify(frame)
        if speech and speech[0] and onset is None:
            onset = time.monotonic()
        voiced_frames = 0 if onset is None else round((time.monotonic() - onset) * 1000 / FRAME_MS)
        words = partial and voiced_frames and voiced_frames % 5 == 0 and gate.on_partial(partial)
        if gate.on_frame(FRAME_MS, bool(speech and speech[0])) or words:
            sender.flush()
            break
    await asyncio.sleep(0.1)  # let a frame already in flight go out
    await sender.stop()
    assert onset is not None, "no speech in the clip"
    return (sent[-1] - onset) * 1000 + FRAME_MS  # the last frame still plays for 20 ms


def main() -> None:
    """Print the latency figures."""
    turns = int(os.environ.get("MINIBOT_BENCH_TURNS", "200"))
    with tempfile.TemporaryDirectory() as tmp:
        cold, warm = asyncio.run(turn_latencies(turns, Path(tmp)))
    for name, values in (("cold_tts", cold), ("warm_tts_cache", warm)):
        p50, p95 = percentile(values, 50), percentile(values, 95)
        emit(
            f"turn_latency_{name}_p95", p95, "ms", "<= 250", p95 <= 250, p50=round(p50, 1), turns=len(values)
        )
    warm_p50 = percentile(warm, 50)
    for end_silence in (650, 500, 400):
        total = endpoint_ms(end_silence) + warm_p50
        emit(f"last_audio_to_bot_audio_p50_end_silence_{end_silence}", total, "ms", "<= 700", total <= 700,
             endpointing_ms=endpoint_ms(end_silence), turn_p50_ms=round(warm_p50, 1))  # fmt: skip
    for label, partial in (("asr_word", "je voudrais savoir"), ("no_asr_word", "")):
        barge = [asyncio.run(barge_in_ms(partial)) for _ in range(20)]
        p95, p50 = percentile(barge, 95), round(percentile(barge, 50), 1)
        emit(f"barge_in_onset_to_silence_{label}_p95", p95, "ms", "<= 250", p95 <= 250, p50=p50,
             partial=partial, runs=len(barge))  # fmt: skip


if __name__ == "__main__":
    main()
