"""Text-to-speech: a pluggable engine protocol, espeak-ng by default, and a disk cache.

Engines return bot-format audio (16 kHz mono LE 16-bit bytes). Synthesis runs in a subprocess and
the WAV decoding in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Protocol

from services.errors import MediaError
from services.media.frames import read_wav_16k, write_wav


class TtsEngine(Protocol):
    """A speech synthesizer."""

    name: str

    async def synthesize(self, text: str, voice: str) -> bytes:
        """Speak ``text``; returns 16 kHz mono LE 16-bit PCM."""
        ...


class EspeakTts:
    """espeak-ng (`espeak-ng -v <voice> -s <speed> -w file "text"`), resampled to 16 kHz."""

    def __init__(self, speed: int = 150, binary: str = "espeak-ng") -> None:
        self.speed = speed
        self.binary = binary
        self.name = f"espeak-ng-s{speed}"

    async def synthesize(self, text: str, voice: str = "fr") -> bytes:
        """Run espeak-ng in a subprocess and convert its WAV."""
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


def cache_key(text: str, voice: str, engine: str) -> str:
    """sha256 of (text, voice, engine)."""
    return hashlib.sha256(json.dumps([text, voice, engine], ensure_ascii=False).encode()).hexdigest()


class CachedTts:
    """Wraps an engine with a disk cache of 16 kHz WAV files keyed by `cache_key`."""

    def __init__(self, engine: TtsEngine, cache_dir: Path) -> None:
        self.engine = engine
        self.cache_dir = cache_dir
        self.name = engine.name
        self.hits = 0
        self.misses = 0

    def path_for(self, text: str, voice: str) -> Path:
        """Where the cached audio of this text lives."""
        return self.cache_dir / f"{cache_key(text, voice, self.engine.name)}.wav"

    async def synthesize(self, text: str, voice: str = "fr") -> bytes:
        """Cached audio, synthesizing and storing it on a miss."""
        path = self.path_for(text, voice)
        if path.exists():
            self.hits += 1
            return await asyncio.to_thread(read_wav_16k, path)
        self.misses += 1
        pcm = await self.engine.synthesize(text, voice)
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")  # unique: two calls may synthesize at once
        await asyncio.to_thread(write_wav, tmp, pcm)
        tmp.replace(path)  # atomic: concurrent readers never see a half-written file
        return pcm
