"""The simulated callee's voice: audio for persona lines (WAV or espeak-ng text) and turn-taking."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

from services.errors import MediaError
from services.simulator.media_leg import FRAME_BYTES, FRAME_MS, SAMPLE_RATE, SILENCE, cut_frames
from services.simulator.personas import Persona

log = logging.getLogger(__name__)

BEEP = "<beep>"
SPEECH_LEVEL = 300.0  # mean absolute sample value above which a bot frame counts as speech
END_OF_PROMPT_S = 0.6  # bot silence that ends a prompt
MIN_PROMPT_S = 0.2  # bot speech needed before a silence counts as the end of a prompt


def beep(seconds: float = 0.3, hz: float = 1000.0) -> bytes:
    """A sine beep as 16 kHz s16le PCM (answering machines)."""
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


async def _run(*argv: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await process.communicate()
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise MediaError(f"{argv[0]} failed: {err.decode(errors='replace')[:200]}")
    return out


class VoiceLibrary:
    """Loads persona lines as PCM once per process: WAV files via sox, text via espeak-ng then sox."""

    def __init__(self, cache_dir: Path | None = None, max_processes: int = 4) -> None:
        self.cache_dir = cache_dir or Path(tempfile.gettempdir()) / "minibot-sim-voice"
        self._lines: dict[tuple[str, str], asyncio.Task[bytes]] = {}
        self._limit = asyncio.Semaphore(max_processes)

    def load(self, line: str, voice: str = "fr") -> asyncio.Task[bytes]:
        """PCM (16 kHz mono s16le) for ``line``: a WAV path, ``<beep>``, or text to synthesise."""
        key = (voice, line)
        if key not in self._lines:
            self._lines[key] = asyncio.get_running_loop().create_task(self._make(line, voice))
        return self._lines[key]

    async def close(self) -> None:
        """Cancel unfinished syntheses (at simulator shutdown)."""
        pending = [task for task in self._lines.values() if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _make(self, line: str, voice: str) -> bytes:
        if line == BEEP:
            return beep()
        if line.lower().endswith(".wav"):
            return await self._to_pcm(Path(line))
        digest = hashlib.sha1(f"{voice}\n{line}".encode()).hexdigest()[:16]
        cached = self.cache_dir / f"{digest}.raw"
        if cached.exists():
            return cached.read_bytes()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        wav = self.cache_dir / f"{digest}.wav"
        async with self._limit:
            await _run("espeak-ng", "-v", voice, "-w", str(wav), line)
        pcm = await self._to_pcm(wav)
        cached.write_bytes(pcm)
        wav.unlink(missing_ok=True)
        return pcm

    async def _to_pcm(self, path: Path) -> bytes:
        async with self._limit:
            return await _run(
                "sox", str(path), "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                "-e", "signed-integer", "-L", "-",
            )  # fmt: skip


def _is_speech(frame: bytes) -> bool:
    return float(np.abs(np.frombuffer(frame, dtype="<i2")).mean()) > SPEECH_LEVEL


class HumanVoice:
    """A persona's side of the conversation (implements ``CalleeAudio``).

    Says the greeting at once, then one line each time the bot finishes a prompt (``interrupt``: once the
    bot has talked for ``interrupt_after_s``). ``hangup`` personas call ``on_hangup`` once their lines are
    used up and the bot has stopped talking.
    """

    def __init__(self, persona: Persona, library: VoiceLibrary, on_hangup: Callable[[], None]) -> None:
        self.persona = persona
        self.said: list[str] = []
        self.prompts_heard = 0
        self._library = library
        self._on_hangup = on_hangup
        self._pending: deque[str] = deque(persona.lines)
        self._out: deque[bytes] = deque()
        self._bot_speech_frames = 0
        self._bot_silence_frames = 0
        self._delay_frames = 0
        self._queued_line: str | None = None
        self._hung_up = False
        greeting = [persona.greeting] if persona.greeting and persona.behaviour != "silent" else []
        if persona.outcome == "voicemail":
            greeting.append(BEEP)
        for line in greeting:
            self._say(line)
        for line in persona.lines:
            library.load(line, persona.voice)  # synthesise ahead

    @property
    def speaking(self) -> bool:
        """True while the callee has audio queued."""
        return bool(self._out)

    def _say(self, line: str) -> None:
        task = self._library.load(line, self.persona.voice)
        self.said.append(line)
        if task.done() and not task.cancelled() and task.exception() is None:
            self._queue(task.result())
        else:
            task.add_done_callback(self._on_loaded)

    def _on_loaded(self, task: asyncio.Task[bytes]) -> None:
        if task.cancelled() or task.exception() is not None:
            log.warning("persona audio failed: %s", task.exception())
            return
        self._queue(task.result())

    def _queue(self, pcm: bytes) -> None:
        frames, tail = cut_frames(pcm)
        if tail:
            frames.append(tail + bytes(FRAME_BYTES - len(tail)))
        self._out.extend(frames)

    def next_frame(self) -> bytes:
        """Next 20 ms of the callee's speech, silence when quiet."""
        if self._delay_frames > 0:
            self._delay_frames -= 1
            if self._delay_frames == 0 and self._queued_line is not None:
                self._say(self._queued_line)
                self._queued_line = None
        return self._out.popleft() if self._out else SILENCE

    def hear(self, frame: bytes) -> None:
        """Follow the bot's audio to take turns."""
        if self._hung_up or self.persona.behaviour == "silent" or self.persona.outcome != "human":
            return
        if _is_speech(frame):
            self._bot_speech_frames += 1
            self._bot_silence_frames = 0
            if (
                self.persona.behaviour == "interrupt"
                and self._bot_speech_frames * FRAME_MS / 1000 >= self.persona.interrupt_after_s
                and not self.speaking
            ):
                self._prompt_done()
            return
        self._bot_silence_frames += 1
        long_enough = self._bot_speech_frames * FRAME_MS / 1000 >= MIN_PROMPT_S
        if long_enough and self._bot_silence_frames * FRAME_MS / 1000 >= END_OF_PROMPT_S:
            self._prompt_done()

    def _prompt_done(self) -> None:
        self.prompts_heard += 1
        self._bot_speech_frames = 0
        if self._pending:
            self._queued_line = self._pending.popleft()
            self._delay_frames = max(1, int(self.persona.reply_delay_s * 1000 / FRAME_MS))
        elif self.persona.behaviour == "hangup" and not self.speaking:
            self._hung_up = True
            self._on_hangup()
