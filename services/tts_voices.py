"""Piper voices: the official French ones (download with checksums), the installed ones, and the
robot's choice of engine and voice (Piper when a voice is installed, else espeak-ng with a warning).

Checksums and sizes are those the official catalogue (rhasspy/piper-voices ``voices.json``,
tag v1.0.0) publishes for each file; downloads are pinned to that tag so they never change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.config import Settings
from services.errors import ConfigError, MediaError
from services.tts import ENGINES, ESPEAK, CachedTts, EspeakTts, TtsStatus
from services.tts_piper import PiperTts, voice_files

log = logging.getLogger("minibot.tts")

BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"


@dataclass(frozen=True)
class VoiceFile:
    """One file of a voice, as the catalogue lists it."""

    suffix: str  # ".onnx" | ".onnx.json"
    size: int
    md5: str


@dataclass(frozen=True)
class VoiceSpec:
    """A downloadable voice: its name, its folder in the catalogue and its files."""

    name: str
    folder: str
    files: tuple[VoiceFile, ...]
    about: str

    def url(self, file: VoiceFile, base_url: str = BASE_URL) -> str:
        """Download URL of one file."""
        return f"{base_url.rstrip('/')}/{self.folder}/{self.name}{file.suffix}"


VOICES = {
    "fr_FR-siwis-medium": VoiceSpec(
        "fr_FR-siwis-medium",
        "fr/fr_FR/siwis/medium",
        (
            VoiceFile(".onnx", 63201294, "20e876e8c839e9b11a26085858f2300c"),
            VoiceFile(".onnx.json", 4875, "a407e7e6901feb79c2ea2a5466076cce"),
        ),
        "female, 22 kHz (the default)",
    ),
    "fr_FR-upmc-medium": VoiceSpec(
        "fr_FR-upmc-medium",
        "fr/fr_FR/upmc/medium",
        (
            VoiceFile(".onnx", 76733615, "6837ede9408c7e1b39fa4a126af9e865"),
            VoiceFile(".onnx.json", 4996, "574571ae93aba72dbd159582981037da"),
        ),
        "two speakers: jessica (0, default) and pierre (fr_FR-upmc-medium:pierre)",
    ),
}
BUNDLES = {"tts-fr": ("fr_FR-siwis-medium", "fr_FR-upmc-medium")}
PREFERRED = ("fr_FR-siwis-medium", "fr_FR-upmc-medium")


def voices_dir(data_dir: Path) -> Path:
    """Where voices are installed (``<data dir>/voices``)."""
    return data_dir / "voices"


@dataclass(frozen=True)
class InstalledVoice:
    """A voice found in the voices folder."""

    name: str
    path: Path
    language: str
    sample_rate: int
    speakers: tuple[str, ...]


def installed_voices(folder: Path) -> list[InstalledVoice]:
    """Every voice (model + config) in ``folder``, by name."""
    found = []
    for model in sorted(folder.glob("*.onnx")) if folder.is_dir() else []:
        if voice_files(str(model), folder) is None:
            continue
        try:
            config = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append(
            InstalledVoice(
                model.name.removesuffix(".onnx"),
                model,
                str(config.get("language", {}).get("code", "?")),
                int(config.get("audio", {}).get("sample_rate", 0)),
                tuple(config.get("speaker_id_map", {})),
            )
        )
    return found


def default_voice(folder: Path) -> str:
    """The voice the robot speaks with by default: a preferred French one, else any French one, or ""."""
    names = [v.name for v in installed_voices(folder) if v.language.startswith("fr")]
    for name in PREFERRED:
        if name in names:
            return name
    return names[0] if names else ""


def specs_for(name: str) -> list[VoiceSpec]:
    """The voices of a bundle (``tts-fr``) or one voice by name; MediaError listing the choices."""
    if name in BUNDLES:
        return [VOICES[key] for key in BUNDLES[name]]
    if name in VOICES:
        return [VOICES[name]]
    choices = ", ".join([*BUNDLES, *VOICES])
    raise MediaError(f"unknown voice {name!r}; choose one of: {choices}")


def download_voice(
    spec: VoiceSpec,
    folder: Path,
    base_url: str = BASE_URL,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Download a voice's files into ``folder``, each checked against its size and md5 before it is
    moved into place; returns the model path (already installed and intact: returned at once)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in spec.files:
        target = folder / f"{spec.name}{file.suffix}"
        if target.is_file() and target.stat().st_size == file.size and _md5(target) == file.md5:
            continue
        part = target.with_name(target.name + ".part")
        url = spec.url(file, base_url)
        try:
            digest = _fetch(url, part, progress)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            part.unlink(missing_ok=True)
            raise MediaError(
                f"cannot download {url}: {exc}. Check the network, or copy {spec.name}{file.suffix} "
                f"into {folder} by hand",
                retryable=True,
            ) from exc
        size = part.stat().st_size
        if size != file.size or digest != file.md5:
            part.unlink()
            raise MediaError(
                f"{url} is damaged: {size} bytes, md5 {digest} (expected {file.size} bytes, md5 {file.md5}); "
                "nothing was installed, try again",
                retryable=True,
            )
        part.replace(target)
    return folder / f"{spec.name}.onnx"


def _fetch(url: str, out: Path, progress: Callable[[int, int], None] | None) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with urllib.request.urlopen(url, timeout=30) as response, out.open("wb") as sink:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        while chunk := response.read(1 << 16):
            sink.write(chunk)
            md5.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return md5.hexdigest()


def _md5(path: Path) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            md5.update(chunk)
    return md5.hexdigest()


def build_tts(settings: Settings) -> CachedTts:
    """The robot's TTS from ``MINIBOT_TTS_ENGINE`` (auto | piper | espeak) and ``MINIBOT_TTS_VOICE``:
    Piper when a voice is installed (or named), else espeak-ng, with the reason in its status."""
    engine = settings.tts_engine
    if engine not in ("auto", *ENGINES):
        raise ConfigError(f"MINIBOT_TTS_ENGINE={engine!r} is not one of auto, {', '.join(ENGINES)}")
    espeak = EspeakTts()
    folder = voices_dir(settings.data_dir)
    if engine == ESPEAK:
        espeak.default_voice = settings.tts_voice or "fr"
        return CachedTts(espeak, settings.tts_cache_dir)
    voice = settings.tts_voice or default_voice(folder)
    if voice and voice_files(voice, folder) is not None:
        piper = PiperTts(folder, voice, workers=settings.tts_workers)
        return CachedTts(piper, settings.tts_cache_dir, fallback=espeak)
    if voice:
        reason = f"Piper voice {voice!r} is not installed in {folder}"
    else:
        reason = f"no French Piper voice in {folder}"
    reason += ": speaking with espeak-ng (robotic); run `minibot models download tts-fr`"
    status = TtsStatus(ESPEAK, espeak.default_voice, fallback=True, reason=reason)
    return CachedTts(espeak, settings.tts_cache_dir, status=status)
