"""Loudness (BS.1770 via pyloudnorm) and spliced prompts: synthesized parts at the recording's loudness."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from services.loudness import integrated_lufs, match_loudness
from services.media.frames import write_wav
from services.prompts import PromptCache, splice
from services.tts import LIVE, CachedTts, VoiceChoice

pytestmark = pytest.mark.unit
RATE = 16000


def tone(seconds: float, amplitude: float, hz: float = 1000.0) -> bytes:
    t = np.arange(int(RATE * seconds)) / RATE
    return (np.sin(2 * np.pi * hz * t) * amplitude * 32767).astype("<i2").tobytes()


def test_a_full_scale_1khz_sine_reads_minus_3_lufs() -> None:
    # ITU-R BS.1770: a 0 dBFS 1 kHz sine on one channel reads -3.01 LKFS
    assert integrated_lufs(tone(3.0, 1.0)) == pytest.approx(-3.01, abs=0.1)
    assert integrated_lufs(tone(3.0, 0.1)) == pytest.approx(-23.01, abs=0.1)  # -20 dB


def test_gating_ignores_silence_between_words() -> None:
    speechlike = tone(1.0, 0.1) + bytes(RATE * 2 * 2) + tone(1.0, 0.1)  # half of it silent
    # an ungated mean would read 3 dB lower (-26); the gates drop the silent blocks
    assert integrated_lufs(speechlike) == pytest.approx(integrated_lufs(tone(2.0, 0.1)), abs=1.0)


def test_short_silent_or_tiny_clips_are_not_measured() -> None:
    assert integrated_lufs(bytes(RATE * 2)) == -math.inf
    assert integrated_lufs(tone(0.02, 0.5)) == -math.inf
    assert integrated_lufs(tone(0.2, 0.1)) == pytest.approx(-23.0, abs=0.3)  # one block, a name


def test_match_loudness_reaches_the_target_and_keeps_length() -> None:
    quiet = tone(1.5, 0.01, 440)
    louder = match_loudness(quiet, -20.0)
    assert len(louder) == len(quiet) and integrated_lufs(louder) == pytest.approx(-20.0, abs=0.2)
    assert match_loudness(bytes(3200), -20.0) == bytes(3200)  # silence stays silence
    loud = match_loudness(tone(1.0, 0.5), 0.0)  # would clip: peaks held below full scale
    assert int(np.abs(np.frombuffer(loud, "<i2")).max()) < 32767


class ToneTts:
    """A synthesizer speaking a quiet 300 Hz tone, half a second per piece."""

    name = "tone"
    default_voice = "v"

    def has_voice(self, voice: str) -> bool:
        return True

    async def synthesize(self, text: str, voice: str, priority: int = LIVE) -> bytes:
        return tone(0.5, 0.02, 300)


async def test_spliced_prompt_plays_in_order_at_the_recordings_loudness(tmp_path: Path) -> None:
    hello, rest = tmp_path / "bonjour.wav", tmp_path / "suite.wav"
    write_wav(hello, tone(0.8, 0.2, 500))
    write_wav(rest, tone(1.2, 0.2, 700))
    target = integrated_lufs(tone(2.0, 0.2, 600))
    tts = CachedTts(ToneTts(), tmp_path / "cache")
    parts = [("Bonjour", hello), (" Madame Martin,", None), ("je suis Julie.", rest)]
    chunks = [chunk async for chunk in splice(tts, PromptCache(), parts, VoiceChoice())]
    assert len(chunks) == 3
    assert chunks[0] == tone(0.8, 0.2, 500) and chunks[2] == tone(1.2, 0.2, 700)  # recordings untouched
    before = integrated_lufs(tone(0.5, 0.02, 300))
    assert before < target - 15  # the synthesized name was much quieter than the recordings
    assert integrated_lufs(chunks[1]) == pytest.approx(target, abs=1.0)


async def test_splice_without_recordings_leaves_the_synthesis_as_is(tmp_path: Path) -> None:
    tts = CachedTts(ToneTts(), tmp_path / "cache")
    chunks = [chunk async for chunk in splice(tts, PromptCache(), [("Bonjour.", None)], VoiceChoice())]
    assert chunks == [tone(0.5, 0.02, 300)]
