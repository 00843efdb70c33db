"""Per-call stereo recording: caller left, bot right, aligned on the frame clock."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from services.media.frames import FRAME_BYTES, SILENCE_FRAME, read_wav, read_wav_16k
from services.metrics import RECORDING_ERRORS
from services.recording import CallRecorder
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit


def test_recording_is_stereo_and_aligned(tmp_path: Path) -> None:
    caller = read_wav_16k(AUDIO_DIR / "human_fr" / "wt_bonjour.wav")
    bot = b"\x10\x00" * 320 * 5
    rec = CallRecorder(tmp_path / "call.wav")
    frames = [caller[i : i + FRAME_BYTES] for i in range(0, len(caller) - FRAME_BYTES + 1, FRAME_BYTES)]
    rec.tick(frames[0])
    rec.bot_audio(bot)
    for frame in frames[1:]:
        rec.tick(frame)
    rec.tick(None)
    path = rec.close()
    assert path is not None
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (
            2,
            16000,
            320 * (len(frames) + 1),
        )
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    assert data[: 320 * len(frames), 0].tobytes() == b"".join(frames)
    assert not data[:320, 1].any() and (data[320 : 320 * 6, 1] == 16).all() and not data[320 * 6 :, 1].any()


def test_barge_in_drops_queued_bot_audio_and_disabled_recorder_writes_nothing(tmp_path: Path) -> None:
    rec = CallRecorder(tmp_path / "c.wav")
    rec.bot_audio(b"\x01\x00" * 320 * 10)
    rec.tick(None)
    rec.bot_flushed()
    rec.tick(None)
    rec.close()
    data = np.frombuffer(read_wav(tmp_path / "c.wav").samples.tobytes(), dtype="<i2").reshape(-1, 2)
    assert data[:320, 1].all() and not data[320:, 1].any()
    off = CallRecorder(None)
    off.bot_audio(b"\x01\x00" * 320)
    off.tick(None)
    assert not off.enabled and off.close() is None and off.frames_written == 0


def test_a_full_disk_stops_the_recording_not_the_call(caplog: pytest.LogCaptureFixture) -> None:
    before = RECORDING_ERRORS._value.get()
    recorder = CallRecorder(Path("/dev/full"))  # a real device whose writes fail with ENOSPC
    for _ in range(2000):  # 40 s of audio: more than any write buffer holds
        recorder.tick(SILENCE_FRAME)
    assert recorder.close() is None and not recorder.enabled
    assert RECORDING_ERRORS._value.get() == before + 1
    assert "the call goes on" in caplog.text


def test_an_unwritable_directory_disables_recording(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")  # the recordings "directory" is a file: mkdir fails even as root
    recorder = CallRecorder(blocker / "call-1.wav")
    recorder.bot_audio(b"\x01\x00" * 320)
    recorder.tick(SILENCE_FRAME)
    assert not recorder.enabled and recorder.close() is None
