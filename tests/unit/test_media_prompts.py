"""Prompt WAVs at any rate/channels become cached 16 kHz frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.errors import MediaError
from services.media.frames import FRAME_BYTES, read_wav, write_wav
from services.prompts import PromptCache
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit


def stereo_8k_copy(src: Path, dst: Path) -> None:
    mono16 = read_wav(src).samples[:, 0]
    mono8 = mono16[::2]
    write_wav(dst, np.repeat(mono8, 2).astype("<i2").tobytes(), rate=8000, channels=2)


async def test_prompt_is_converted_once_and_cached(tmp_path: Path) -> None:
    src = tmp_path / "hello_8k_stereo.wav"
    stereo_8k_copy(AUDIO_DIR / "fr_ca_prompts" / "hello.wav", src)
    cache = PromptCache(tmp_path / "cache")
    frames = await cache.frames(src)
    assert all(len(f) == FRAME_BYTES for f in frames)
    assert abs(len(frames) * 0.02 - 0.53) < 0.05
    assert await cache.frames(src) is frames and cache.conversions == 1
    fresh = PromptCache(tmp_path / "cache")  # a new process: served from the disk cache
    assert await fresh.frames(src) == frames and fresh.conversions == 0


async def test_missing_prompt_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not found"):
        await PromptCache().frames(tmp_path / "nope.wav")
