"""Prompt audio: recordings (a WAV at any rate/channels converted once to bot frames, memory and disk
cache) and spliced prompts, recorded parts with synthesized ones in between at the same loudness."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from services.errors import MediaError
from services.loudness import integrated_lufs, match_loudness
from services.media.frames import SAMPLE_RATE, frames_of, read_wav, read_wav_16k, write_wav
from services.tts import CachedTts
from services.tts_choice import VoiceChoice

# (text, recording): a part of a spliced prompt; no recording means the text is synthesized
PromptPart = tuple[str, Path | None]


class PromptCache:
    """Loads prompt WAVs as 640-byte 16 kHz frames, converting each file once.

    Memory cache keyed by (path, mtime, size); converted audio also stored under ``cache_dir``.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._memory: dict[tuple[str, int, int], list[bytes]] = {}
        self._loudness: dict[tuple[tuple[str, int, int], ...], float] = {}
        self.conversions = 0

    async def frames(self, path: Path) -> list[bytes]:
        """The prompt as frames (conversion off the event loop)."""
        key = self._key(path)
        cached = self._memory.get(key)
        if cached is None:
            cached = await asyncio.to_thread(self._load, path, key)
            self._memory[key] = cached
        return cached

    async def stream(self, path: Path) -> AsyncIterator[bytes]:
        """The recording as one chunk of whole frames (the `CachedTts.stream` shape)."""
        yield b"".join(await self.frames(path))

    async def loudness(self, paths: Sequence[Path]) -> float:
        """Integrated loudness (LUFS) of these recordings played one after the other (measured once)."""
        key = tuple(self._key(path) for path in paths)
        cached = self._loudness.get(key)
        if cached is None:
            audio = b"".join([b"".join(await self.frames(path)) for path in paths])
            cached = self._loudness[key] = await asyncio.to_thread(integrated_lufs, audio)
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


async def splice(
    tts: CachedTts, prompts: PromptCache, parts: Sequence[PromptPart], choice: VoiceChoice
) -> AsyncIterator[bytes]:
    """A spliced prompt in order: recordings as they are, synthesized parts (all started at once)
    brought to the loudness of the recordings so the seams are not heard."""
    recordings = [audio for _, audio in parts if audio is not None]
    synthesized = {
        i: asyncio.create_task(tts.render(text, choice), name="tts-part")
        for i, (text, audio) in enumerate(parts)
        if audio is None and text.strip()
    }
    try:
        target = await prompts.loudness(recordings) if recordings else None
        for i, (_, audio) in enumerate(parts):
            if audio is not None:
                yield b"".join(await prompts.frames(audio))
            elif i in synthesized:
                pcm = await synthesized[i]
                yield pcm if target is None else await asyncio.to_thread(match_loudness, pcm, target)
    finally:
        for task in synthesized.values():
            task.cancel()
