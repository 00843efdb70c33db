"""Frame helpers: re-framing, byte order, μ-law, resampling, WAV I/O."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.errors import MediaError
from services.media.frames import (
    Reframer,
    StreamResampler,
    frames_of,
    read_wav,
    read_wav_16k,
    resample,
    swap16,
    ulaw_decode,
    ulaw_encode,
    write_wav,
)
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit


def sine(freq: float, rate: int, seconds: float = 0.5, amp: float = 8000) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_reframer_keeps_leftover_across_calls() -> None:
    r = Reframer()
    assert r.feed(b"\x01" * 600) == [] and r.pending == 600
    frames = r.feed(b"\x02" * 700)
    assert frames == [b"\x01" * 600 + b"\x02" * 40, b"\x02" * 640] and r.pending == 20
    assert r.flush() == b"\x02" * 20 + bytes(620)
    assert r.flush() is None
    assert [len(f) for f in frames_of(b"x" * 1300)] == [640, 640, 640]


def test_swap16_round_trip_and_odd_length() -> None:
    assert swap16(b"\x01\x02\x03\x04") == b"\x02\x01\x04\x03"
    with pytest.raises(MediaError):
        swap16(b"\x01")


def test_ulaw_matches_g711_reference_points() -> None:
    assert ulaw_encode(np.array([0, -1, 32767, -32768], dtype=np.int16)) == b"\xff\x7f\x80\x00"
    decoded = ulaw_decode(b"\xff\x80\x00")
    assert decoded.tolist() == [0, 32124, -32124]
    x = np.arange(-32768, 32767, 7, dtype=np.int16)
    error = np.abs(ulaw_decode(ulaw_encode(x)).astype(int) - x.astype(int))
    assert (error <= np.maximum(16, np.abs(x.astype(int)) // 16)).all()  # within one μ-law step


def test_resample_round_trip_preserves_a_voice_band_tone() -> None:
    tone = sine(1000, 16000)
    narrow = resample(tone, 16000, 8000)
    back = resample(narrow, 8000, 16000)
    assert len(narrow) == 4000 and len(back) == 8000
    assert np.abs(back[200:-200].astype(int) - tone[200:-200].astype(int)).max() < 80


def test_downsampling_rejects_aliases() -> None:
    above_nyquist = sine(6000, 16000)
    assert np.sqrt(np.mean(resample(above_nyquist, 16000, 8000).astype(float) ** 2)) < 100


def test_streaming_resampler_equals_one_shot() -> None:
    tone = sine(440, 22050)
    stream = StreamResampler(22050, 16000)
    parts = [stream.process(tone[i : i + 441]) for i in range(0, len(tone), 441)] + [stream.flush()]
    assert np.array_equal(np.concatenate(parts), resample(tone, 22050, 16000))


def test_wav_read_any_format_to_16k(tmp_path: Path) -> None:
    stereo = np.repeat(sine(500, 8000), 2).astype("<i2").tobytes()
    write_wav(tmp_path / "s.wav", stereo, rate=8000, channels=2)
    audio = read_wav(tmp_path / "s.wav")
    assert audio.rate == 8000 and audio.samples.shape == (4000, 2) and audio.duration_s == 0.5
    assert len(read_wav_16k(tmp_path / "s.wav")) == 16000
    real = read_wav_16k(AUDIO_DIR / "tones" / "fr_ca_beep.wav")
    assert abs(len(real) / 32000 - 0.426) < 0.001
    with pytest.raises(MediaError, match="cannot read WAV"):
        read_wav(tmp_path / "missing.wav")
