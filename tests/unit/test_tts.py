"""TTS: espeak-ng synthesis to 16 kHz, the disk cache, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.errors import MediaError
from services.media.frames import read_wav
from services.tts import CachedTts, EspeakTts, cache_key
from services.vad import VadStream, WebRtcVad

pytestmark = pytest.mark.unit


class CountingTts:
    """A fake engine (satisfies TtsEngine) counting calls."""

    name = "fake"

    def __init__(self) -> None:
        self.calls = 0

    async def synthesize(self, text: str, voice: str) -> bytes:
        self.calls += 1
        return bytes(640 * len(text))


async def test_espeak_produces_16k_speech() -> None:
    pcm = await EspeakTts(speed=160).synthesize("oui bonjour, je vous écoute", "fr")
    assert len(pcm) % 2 == 0 and 0.8 < len(pcm) / 32000 < 4.0
    voiced = [s for s, _ in VadStream(WebRtcVad(2)).process(pcm) if s]
    assert len(voiced) * 20 > 500  # real speech, detected by webrtcvad at 16 kHz


async def test_cache_hits_on_same_text_voice_engine(tmp_path: Path) -> None:
    engine = CountingTts()
    tts = CachedTts(engine, tmp_path)
    first = await tts.synthesize("bonjour", "fr")
    second = await tts.synthesize("bonjour", "fr")
    await tts.synthesize("bonjour", "fr-be")
    assert first == second and engine.calls == 2 and (tts.hits, tts.misses) == (1, 2)
    assert read_wav(tts.path_for("bonjour", "fr")).rate == 16000


def test_cache_key_depends_on_every_part() -> None:
    keys = {
        cache_key("a", "fr", "e1"),
        cache_key("a", "fr", "e2"),
        cache_key("b", "fr", "e1"),
        cache_key("a", "en", "e1"),
    }
    assert len(keys) == 4


async def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(MediaError, match="not installed"):
        await EspeakTts(binary="espeak-ng-missing").synthesize("x")
