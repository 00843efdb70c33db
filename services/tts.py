"""Text-to-speech: the engine protocol, espeak-ng, the choice of engine and voice (Piper by default,
espeak-ng as the fallback), a disk cache keyed by (engine, voice, text), and streaming piece by piece.

Engines return bot-format audio (16 kHz mono LE 16-bit bytes). A prompt is normalised (French
numbers, times, abbreviations, the scenario's lexicon), cut into pieces (sentences; a long first
sentence at its first comma) and each piece is synthesized and cached on its own: the first piece
is sent while the others are synthesized, and a sentence shared by many prompts is synthesized once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import shutil
import tempfile
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from services.errors import MediaError
from services.media.frames import FRAME_BYTES, SAMPLE_RATE, read_wav_16k, write_wav
from services.tts_choice import DEFAULT_CHOICE, ENGINES, ESPEAK, PIPER, VoiceChoice
from services.tts_text import normalize_fr

__all__ = ["DEFAULT_CHOICE", "ENGINES", "ESPEAK", "PIPER", "VoiceChoice"]

log = logging.getLogger("minibot.tts")

# Synthesis priorities (lower first): the first piece of a prompt being spoken, the rest of it, warm-up.
FIRST, LIVE, WARM = 0, 1, 2

SENTENCE_PAUSE_MS = 250  # silence between sentences (the engines' own edge silence is trimmed)
CLAUSE_PAUSE_MS = 120
EDGE_THRESHOLD = 300  # |sample| below this at a piece's edges is silence (-41 dBFS)
EDGE_MARGIN_MS = 20
FIRST_PIECE_MAX_WORDS = 6  # a longer first sentence is cut at its first comma
MEMORY_ENTRIES = 512


class TtsEngine(Protocol):
    """A speech synthesizer."""

    name: str
    default_voice: str

    def has_voice(self, voice: str) -> bool:
        """Whether ``voice`` can be used here."""
        ...

    async def synthesize(self, text: str, voice: str, priority: int = LIVE) -> bytes:
        """Speak ``text``; returns 16 kHz mono LE 16-bit PCM. Lower ``priority`` runs first."""
        ...


class EspeakTts:
    """espeak-ng (`espeak-ng -v <voice> -s <speed> -w file "text"`), resampled to 16 kHz."""

    def __init__(self, speed: int = 150, binary: str = "espeak-ng") -> None:
        self.speed = speed
        self.binary = binary
        self.name = f"espeak-ng-s{speed}"
        self.default_voice = "fr"

    def has_voice(self, voice: str) -> bool:
        """espeak-ng voices are not listed up front: a wrong one fails at synthesis."""
        return True

    async def synthesize(self, text: str, voice: str = "fr", priority: int = LIVE) -> bytes:
        """Run espeak-ng in a subprocess and convert its WAV (``priority`` is not used)."""
        voice = voice or self.default_voice
        if shutil.which(self.binary) is None:
            raise MediaError(f"{self.binary} is not installed (apt-get install espeak-ng) or not on PATH")
        with tempfile.TemporaryDirectory(prefix="minibot-tts-") as tmp:
            out = Path(tmp) / "tts.wav"
            proc = await asyncio.create_subprocess_exec(
                self.binary, "-v", voice, "-s", str(self.speed), "-w", str(out), "--", text,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, stderr = await proc.communicate()
            if proc.returncode != 0 or not out.exists():
                raise MediaError(
                    f"espeak-ng failed for voice {voice!r}: {stderr.decode(errors='replace').strip()}"
                )
            return await asyncio.to_thread(read_wav_16k, out)


@dataclass(frozen=True)
class TtsStatus:
    """The engine and voice the robot speaks with, and whether that is the espeak-ng fallback."""

    engine: str
    voice: str
    fallback: bool
    reason: str = ""

    def health(self) -> dict[str, object]:
        """The ``/health/tts`` report: always ok (the robot can speak), with a warning on the fallback."""
        report: dict[str, object] = {
            "ok": True,
            "engine": self.engine,
            "voice": self.voice,
            "fallback": self.fallback,
        }
        if self.fallback:
            report["warning"] = self.reason
        return report


def cache_key(text: str, voice: str, engine: str) -> str:
    """sha256 of (text, voice, engine)."""
    return hashlib.sha256(json.dumps([text, voice, engine], ensure_ascii=False).encode()).hexdigest()


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE = re.compile(r"(?<=[,;:])\s+")


def split_pieces(text: str) -> list[tuple[str, int]]:
    """``text`` as (piece, pause after in ms): sentences, the first one cut at its first comma when it
    is longer than a few words, so the first audio is short and comes fast."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    pieces: list[tuple[str, int]] = [(s, SENTENCE_PAUSE_MS) for s in sentences]
    if pieces and len(pieces[0][0].split()) > FIRST_PIECE_MAX_WORDS:
        head, *tail = _CLAUSE.split(pieces[0][0], maxsplit=1)
        if tail and head.split():
            pieces[0:1] = [(head, CLAUSE_PAUSE_MS), (tail[0], SENTENCE_PAUSE_MS)]
    if pieces:
        pieces[-1] = (pieces[-1][0], 0)
    return pieces


def trim_silence(pcm: bytes) -> bytes:
    """``pcm`` without the silence engines leave before and after speech (a 20 ms margin is kept),
    so the pauses between pieces are the ones chosen here, whatever the engine."""
    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) >= EDGE_THRESHOLD)
    if len(loud) == 0:
        return pcm
    margin = EDGE_MARGIN_MS * SAMPLE_RATE // 1000
    start, end = max(0, int(loud[0]) - margin), min(len(samples), int(loud[-1]) + 1 + margin)
    return samples[start:end].tobytes()


def _frame_padded(pcm: bytes, pause_ms: int) -> bytes:
    """``pcm`` followed by ``pause_ms`` of silence, padded to whole 20 ms frames."""
    size = len(pcm) + pause_ms * 32
    size += -size % FRAME_BYTES
    return pcm + bytes(size - len(pcm))


def engine_kind(engine: TtsEngine) -> str:
    """``piper`` or ``espeak`` (espeak-ng engines are named after their speed)."""
    return ESPEAK if engine.name.startswith("espeak") else engine.name


class CachedTts:
    """The robot's speech: its engine (and the espeak-ng fallback), a disk (and small memory) cache of
    pieces keyed by `cache_key`, and streaming. ``status`` says which engine speaks and why."""

    def __init__(
        self,
        engine: TtsEngine,
        cache_dir: Path,
        *,
        fallback: TtsEngine | None = None,
        status: TtsStatus | None = None,
    ) -> None:
        self.engine = engine
        self.cache_dir = cache_dir
        self.name = engine.name
        self.status = status or TtsStatus(engine_kind(engine), engine.default_voice, fallback=False)
        self.hits = 0
        self.misses = 0
        self._engines = {engine_kind(e): e for e in (fallback, engine) if e is not None}
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._warned: set[str] = set()

    def path_for(self, text: str, voice: str, engine: TtsEngine | None = None) -> Path:
        """Where the cached audio of this piece lives."""
        return self.cache_dir / f"{cache_key(text, voice, (engine or self.engine).name)}.wav"

    def resolve(self, choice: VoiceChoice = DEFAULT_CHOICE) -> tuple[TtsEngine, str]:
        """The engine and voice for ``choice``: the scenario's wishes when this robot can honour them,
        else its default engine and voice (logged once per wish)."""
        engine = self._engines.get(choice.engine or engine_kind(self.engine))
        if engine is not None:
            voice = choice.voice or engine.default_voice
            if engine.has_voice(voice):
                return engine, voice
        wish = f"{choice.engine or engine_kind(self.engine)} voice {choice.voice or '(default)'}"
        if wish not in self._warned:
            self._warned.add(wish)
            log.warning("TTS %s is not available here; speaking with %s", wish, self.engine.name)
        return self.engine, self.engine.default_voice

    def pieces(self, text: str, choice: VoiceChoice = DEFAULT_CHOICE) -> list[tuple[str, int]]:
        """What will be synthesized for ``text``: normalised pieces with their pauses."""
        return split_pieces(normalize_fr(text, choice.lexicon))

    async def stream(
        self, text: str, choice: VoiceChoice = DEFAULT_CHOICE, *, warm: bool = False
    ) -> AsyncIterator[bytes]:
        """The prompt's audio piece by piece, in order (whole 20 ms frames). Every piece is queued
        at once (the first one first); each is yielded as soon as it and those before it are ready."""
        engine, voice = self.resolve(choice)
        pieces = self.pieces(text, choice)
        tasks = [
            asyncio.create_task(
                self._piece(engine, voice, piece, WARM if warm else FIRST if i == 0 else LIVE),
                name="tts-piece",
            )
            for i, (piece, _) in enumerate(pieces)
        ]
        try:
            for task, (_, pause_ms) in zip(tasks, pieces, strict=True):
                yield _frame_padded(await task, pause_ms)
        finally:
            for task in tasks:
                task.cancel()

    async def synthesize(self, text: str, voice: str = "", priority: int = LIVE) -> bytes:
        """The whole prompt at once (``voice``: one of the default engine's voices, "" for its default)."""
        return await self.render(text, VoiceChoice(voice=voice), warm=priority >= WARM)

    async def render(self, text: str, choice: VoiceChoice = DEFAULT_CHOICE, *, warm: bool = False) -> bytes:
        """The whole prompt at once, as ``choice`` says it."""
        return b"".join([chunk async for chunk in self.stream(text, choice, warm=warm)])

    async def warm(self, text: str, choice: VoiceChoice = DEFAULT_CHOICE) -> None:
        """Synthesize ``text`` into the cache at the lowest priority."""
        async for _ in self.stream(text, choice, warm=True):
            pass

    async def _piece(self, engine: TtsEngine, voice: str, text: str, priority: int) -> bytes:
        path = self.path_for(text, voice, engine)
        key = path.name
        cached = self._memory.get(key)
        if cached is not None:
            self._memory.move_to_end(key)
            self.hits += 1
            return cached
        if path.exists():
            self.hits += 1
            pcm = await asyncio.to_thread(read_wav_16k, path)
        else:
            self.misses += 1
            pcm = trim_silence(await engine.synthesize(text, voice, priority))
            tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")  # unique: two calls may synthesize at once
            await asyncio.to_thread(write_wav, tmp, pcm)
            tmp.replace(path)  # atomic: concurrent readers never see a half-written file
        self._memory[key] = pcm
        if len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)
        return pcm
