"""Download and unpack the official Vosk French models into the data directory."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.asr import is_vosk_model
from services.errors import AsrError

BASE_URL = "https://alphacephei.com/vosk/models"


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable model."""

    key: str
    folder: str
    size_hint: str

    def url(self, base_url: str = BASE_URL) -> str:
        """Download URL of the zip."""
        return f"{base_url.rstrip('/')}/{self.folder}.zip"


MODELS = {
    "fr-small": ModelSpec("fr-small", "vosk-model-small-fr-0.22", "41 MB"),
    "fr-large": ModelSpec("fr-large", "vosk-model-fr-0.22", "1.4 GB"),
}


def models_dir(data_dir: Path) -> Path:
    """Where downloaded models live (searched by `services.asr.resolve_model_path`)."""
    return data_dir / "models"


def spec_for(key: str) -> ModelSpec:
    """The model named ``key``; AsrError listing the choices otherwise."""
    try:
        return MODELS[key]
    except KeyError:
        raise AsrError(f"unknown model {key!r}; choose one of: {', '.join(MODELS)}") from None


def download_model(
    key: str,
    data_dir: Path,
    base_url: str = BASE_URL,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Download and unzip a model; returns the model folder (already there: returned at once).

    ``progress(done_bytes, total_bytes)`` is called while downloading (total 0 when unknown).
    """
    spec = spec_for(key)
    target_dir = models_dir(data_dir)
    model_path = target_dir / spec.folder
    if is_vosk_model(model_path):
        return model_path
    target_dir.mkdir(parents=True, exist_ok=True)
    archive = target_dir / f"{spec.folder}.zip.part"
    url = spec.url(base_url)
    try:
        with urllib.request.urlopen(url, timeout=30) as response, archive.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        archive.unlink(missing_ok=True)
        raise AsrError(
            f"cannot download {url}: {exc}. Check the network, or download the zip elsewhere, unzip it "
            f"into {target_dir} and set MINIBOT_VOSK_MODEL={model_path}",
            retryable=True,
        ) from exc
    try:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(target_dir)
    except zipfile.BadZipFile as exc:
        raise AsrError(f"the download from {url} is not a zip file; try again") from exc
    finally:
        archive.unlink(missing_ok=True)
    if not is_vosk_model(model_path):
        shutil.rmtree(model_path, ignore_errors=True)
        raise AsrError(f"{url} did not contain a Vosk model folder {spec.folder}/")
    return model_path
