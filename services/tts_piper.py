"""Piper neural TTS (ONNX on CPU): voices loaded once, synthesis on worker threads by priority.

A voice is a ``<name>.onnx`` model with its ``<name>.onnx.json`` config, named (looked up in the
voices folder) or given as a path; ``name:speaker`` picks a speaker of a multi-speaker voice.
Jobs are taken lowest priority first (the first words of a prompt being spoken before the rest,
the rest before warm-up); the same (voice, text) asked twice is synthesized once, and a job queued
by the warm-up moves up when a call needs it now. Audio is resampled to 16 kHz.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime
from piper import PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from services.errors import MediaError
from services.media.frames import SAMPLE_RATE, resample
from services.tts import LIVE, PIPER


def voice_files(voice: str, voices_dir: Path) -> Path | None:
    """The .onnx model of ``voice`` (a name in ``voices_dir`` or a path) when it and its config exist."""
    name = voice.split(":", 1)[0]
    model = Path(name) if name.endswith(".onnx") else voices_dir / f"{name}.onnx"
    config = model.with_name(model.name + ".json")
    return model if model.is_file() and config.is_file() else None


@dataclass
class _Job:
    voice: str
    text: str
    priority: int
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[bytes]]] = field(default_factory=list)
    started: bool = False


class PiperTts:
    """The Piper engine (``name`` "piper"); ``default_voice`` is used when a scenario names none."""

    name = PIPER

    def __init__(self, voices_dir: Path, default_voice: str, *, workers: int = 1, threads: int = 0) -> None:
        self.voices_dir = voices_dir
        self.default_voice = default_voice
        self.threads = threads  # ONNX Runtime intra-op threads per worker (0: its default)
        self._voices: dict[Path, PiperVoice] = {}
        self._load_lock = threading.Lock()
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, tuple[str, str]]] = []
        self._jobs: dict[tuple[str, str], _Job] = {}
        self._seq = itertools.count()
        self._workers = [
            threading.Thread(target=self._work, name=f"piper-{i}", daemon=True) for i in range(workers)
        ]
        for worker in self._workers:
            worker.start()

    def has_voice(self, voice: str) -> bool:
        """Whether the voice's model and config are installed."""
        return voice_files(voice, self.voices_dir) is not None

    async def load(self, voice: str = "") -> None:
        """Load a voice now (about a second) rather than on its first sentence."""
        await asyncio.to_thread(self._voice, voice or self.default_voice)

    async def synthesize(self, text: str, voice: str = "", priority: int = LIVE) -> bytes:
        """Synthesize on a worker thread; 16 kHz mono LE 16-bit PCM."""
        return await self.submit(text, voice, priority)

    def submit(self, text: str, voice: str = "", priority: int = LIVE) -> asyncio.Future[bytes]:
        """Queue a synthesis now; the future resolves with its audio (cancel it: no longer wanted)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bytes] = loop.create_future()
        key = (voice or self.default_voice, text)
        with self._cond:
            job = self._jobs.get(key)
            if job is None:
                job = self._jobs[key] = _Job(key[0], text, priority)
                heapq.heappush(self._heap, (priority, next(self._seq), key))
            elif priority < job.priority and not job.started:
                job.priority = priority  # the stale heap entry is skipped when popped
                heapq.heappush(self._heap, (priority, next(self._seq), key))
            job.waiters.append((loop, waiter))
            self._cond.notify()
        return waiter

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                while job is None:
                    self._cond.wait()
                    job = self._next_job()
                job.started = True
            try:
                result: bytes | BaseException = self._synthesize(job.voice, job.text)
            except Exception as exc:  # handed to every waiter
                result = exc
            with self._cond:
                del self._jobs[(job.voice, job.text)]
                waiters = list(job.waiters)
            for loop, waiter in waiters:
                loop.call_soon_threadsafe(_settle, waiter, result)

    def _next_job(self) -> _Job | None:
        """The most urgent job still wanted by someone (called with the lock held)."""
        while self._heap:
            priority, _, key = heapq.heappop(self._heap)
            job = self._jobs.get(key)
            if job is None or job.started or priority != job.priority:
                continue
            job.waiters = [(loop, w) for loop, w in job.waiters if not w.done()]
            if not job.waiters:
                del self._jobs[key]  # every caller gave up (call ended, prompt interrupted)
                continue
            return job
        return None

    def _voice(self, voice: str) -> PiperVoice:
        model = voice_files(voice, self.voices_dir)
        if model is None:
            raise MediaError(
                f"Piper voice {voice!r} is not installed in {self.voices_dir} "
                "(minibot models download tts-fr, or give the path of a .onnx file)"
            )
        with self._load_lock:
            loaded = self._voices.get(model)
            if loaded is None:
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                config = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
                session = onnxruntime.InferenceSession(
                    str(model), sess_options=options, providers=["CPUExecutionProvider"]
                )
                loaded = self._voices[model] = PiperVoice(
                    session=session, config=PiperConfig.from_dict(config)
                )
            return loaded

    def _synthesize(self, voice: str, text: str) -> bytes:
        piper = self._voice(voice)
        speaker = voice.partition(":")[2]
        config = SynthesisConfig(speaker_id=self._speaker(piper, speaker), normalize_audio=False)
        chunks = [chunk.audio_int16_array for chunk in piper.synthesize(text, config)]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return resample(audio, piper.config.sample_rate, SAMPLE_RATE).astype("<i2").tobytes()

    @staticmethod
    def _speaker(piper: PiperVoice, speaker: str) -> int | None:
        if not speaker:
            return None
        ids = piper.config.speaker_id_map
        if speaker in ids:
            return ids[speaker]
        if speaker.isdigit() and int(speaker) < piper.config.num_speakers:
            return int(speaker)
        raise MediaError(f"voice has no speaker {speaker!r} (speakers: {', '.join(ids) or 'none'})")


def _settle(waiter: asyncio.Future[bytes], result: bytes | BaseException) -> None:
    if waiter.done():
        return
    if isinstance(result, BaseException):
        waiter.set_exception(result)
    else:
        waiter.set_result(result)
