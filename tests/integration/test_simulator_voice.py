"""Persona audio: French text through espeak-ng and WAV files through sox, as 16 kHz mono s16le."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.errors import MediaError
from services.simulator.voice import VoiceLibrary
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.integration


def _files(directory: Path) -> list[Path]:
    return list(directory.iterdir())


async def test_text_is_synthesised_once_and_cached(tmp_path: Path) -> None:
    library = VoiceLibrary(tmp_path)
    pcm = await library.load("Oui, je vous écoute.")
    assert len(pcm) % 2 == 0
    assert 0.5 < len(pcm) / 32000 < 4  # about a second of speech at 16 kHz
    assert library.load("Oui, je vous écoute.") is library.load("Oui, je vous écoute.")
    assert [p.suffix for p in _files(tmp_path)] == [".raw"]
    assert await VoiceLibrary(tmp_path).load("Oui, je vous écoute.") == pcm  # from the disk cache


async def test_wav_lines_are_converted_to_16k_mono(tmp_path: Path) -> None:
    wav = AUDIO_DIR / "human_fr" / "leopard_test_fr.wav"
    pcm = await VoiceLibrary(tmp_path).load(str(wav))
    assert len(pcm) > 16000 and len(pcm) % 2 == 0


async def test_missing_wav_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="sox failed"):
        await VoiceLibrary(tmp_path).load(str(tmp_path / "missing.wav"))
