"""Prompt audio: a WAV at any rate/channels converted once to bot frames (memory and disk cache)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from services.errors import MediaError
from services.media.frames import SAMPLE_RATE, frames_of, read_wav, read_wav_16k, write_wav


class PromptCache:
    """Loads prompt WAVs as 640-byte 16 kHz frames, converting each file once.

    Memory cache keyed by (path, mtime, size); converted audio also stored under ``cache_dir``.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._memory: dict[tuple[str, int, int], list[bytes]] = {}
        self.conversions = 0

    async def frames(self, path: Path) -> list[bytes]:
        """The prompt as frames (conversion off the event loop)."""
        key = self._key(path)
        cached = self._memory.get(key)
        if cached is None:
            cached = await asyncio.to_thread(self._load, path, key)
            self._memory[key] = cached
        return cached

    def _key(self, path: Path) -> tuple[str, int, int]:
        try:
            stat = path.stat()
        except OSError as exc:
            raise MediaError(f"prompt audio {path} not found: {exc}") from exc
        return str(path.resolve()), stat.st_mtime_ns, stat.st_size

    def _load(self, path: Path, key: tuple[str, int, int]) -> list[bytes]:
        disk = self._disk_path(key)
        if disk is not None and disk.exists():
            return frames_of(read_wav_16k(disk))
        audio = read_wav(path)
        pcm = audio.to_mono_16k()
        self.conversions += 1
        if disk is not None and (audio.rate != SAMPLE_RATE or audio.samples.shape[1] != 1):
            write_wav(disk, pcm)
        return frames_of(pcm)

    def _disk_path(self, key: tuple[str, int, int]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        return self.cache_dir / f"prompt-{digest}.wav"
