"""Per-call stereo recording: caller on the left, bot on the right, on one 20 ms frame clock."""

from __future__ import annotations

import contextlib
import logging
import wave
from collections import deque
from pathlib import Path

import numpy as np

from services.media.frames import FRAME_BYTES, SAMPLE_RATE, SAMPLE_WIDTH, SILENCE_FRAME, Reframer
from services.metrics import RECORDING_ERRORS

log = logging.getLogger("minibot.recording")


class CallRecorder:
    """Writes a stereo WAV incrementally. Caller frames drive the clock: each one is written with the
    next bot frame played at that time (or silence). ``path=None`` disables recording.

    A recording that cannot be written (directory read-only or missing, disk full) never hurts the
    call: the error is logged and counted, recording stops, and :meth:`close` returns None.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._bot: deque[bytes] = deque()
        self._reframer = Reframer(FRAME_BYTES)
        self._wav: wave.Wave_write | None = None
        self.frames_written = 0
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._wav = wave.open(str(path), "wb")  # noqa: SIM115 - closed in close()
                self._wav.setnchannels(2)
                self._wav.setsampwidth(SAMPLE_WIDTH)
                self._wav.setframerate(SAMPLE_RATE)
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        RECORDING_ERRORS.inc()
        log.error("recording %s stopped, the call goes on: %s", self.path, exc)
        wav, self._wav, self.path = self._wav, None, None
        if wav is not None:
            with contextlib.suppress(OSError):  # the file is abandoned anyway
                wav.close()

    @property
    def enabled(self) -> bool:
        """False when recording is disabled."""
        return self._wav is not None

    def bot_audio(self, pcm: bytes) -> None:
        """Bot audio sent to the caller (queued: it plays one frame per tick)."""
        if self.enabled:
            self._bot.extend(self._reframer.feed(pcm))
            tail = self._reframer.flush()
            if tail is not None:
                self._bot.append(tail)

    def bot_flushed(self) -> None:
        """Barge-in: the queued bot audio will not play."""
        self._bot.clear()

    def tick(self, caller_frame: bytes | None) -> None:
        """One 20 ms tick: the caller's frame (None when none arrived) and the bot's current frame."""
        if self._wav is None:
            return
        left = np.frombuffer(caller_frame or SILENCE_FRAME, dtype="<i2")
        right = np.frombuffer(self._bot.popleft() if self._bot else SILENCE_FRAME, dtype="<i2")
        stereo = np.empty(2 * len(left), dtype="<i2")
        stereo[0::2], stereo[1::2] = left, right
        try:
            self._wav.writeframes(stereo.tobytes())
        except OSError as exc:
            self._fail(exc)
            return
        self.frames_written += 1

    def close(self) -> Path | None:
        """Finish the file; returns its path (None when disabled or when writing failed)."""
        if self._wav is not None:
            try:
                self._wav.close()
            except OSError as exc:
                self._fail(exc)
            self._wav = None
        return self.path
