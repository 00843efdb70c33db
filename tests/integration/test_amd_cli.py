"""`minibot amd eval` on a manifest of real recordings, and the campaign's AMD bias, through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.integration
MINIBOT = str(Path(sys.executable).with_name("minibot"))

CLIPS = {
    "allo.wav": ("tts_fr/allo_oui.wav", "human"),
    "bonjour.wav": ("human_fr/wt_bonjour.wav", "human"),
    "messagerie.wav": ("greetings/tts_fr_messagerie_jean_beep.wav", "machine"),
    "annonce.wav": ("fr_ca_prompts/vm-intro.wav", "machine"),
    "fragment.wav": ("fr_ca_prompts/vm-isunavail.wav", "machine"),  # 1.3 s then silence: sounds human
}


def minibot(*args: str, url: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": "200"} | ({"MINIBOT_DATABASE_URL": url} if url else {})
    return subprocess.run([MINIBOT, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    (tmp_path / "rec").mkdir()
    lines = ["file,label,notes"]
    for name, (source, label) in CLIPS.items():
        shutil.copy(AUDIO_DIR / source, tmp_path / "rec" / name)
        lines.append(f"rec/{name},{label},from {source}")
    path = tmp_path / "lines.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_json_report(manifest: Path) -> None:
    result = minibot("amd", "eval", str(manifest), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"total", "accuracy", "confusion", "decision_ms", "errors"}
    assert report["total"] == 5
    assert report["confusion"]["human"] == {"human": 2, "machine": 0, "notsure": 0}
    assert report["confusion"]["machine"] == {"human": 1, "machine": 2, "notsure": 0}
    assert report["accuracy"] == 0.8
    assert report["errors"] == [
        {
            "file": "rec/fragment.wav",
            "label": "machine",
            "verdict": "human",
            "reason": report["errors"][0]["reason"],
        }
    ]
    assert report["errors"][0]["reason"].startswith("short greeting")
    assert 0 < report["decision_ms"]["p50"] <= report["decision_ms"]["p95"] <= 8000


def test_eval_table_and_bias(manifest: Path) -> None:
    result = minibot("amd", "eval", str(manifest), "--bias", "machine")
    assert result.returncode == 0, result.stderr
    assert "bias machine: accuracy" in result.stdout and "rec/fragment.wav" in result.stdout
    unknown = minibot("amd", "eval", str(manifest), "--bias", "aggressive")
    assert unknown.returncode == 2 and "balanced, human, machine" in unknown.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("file,kind\nrec/a.wav,human\n", "lines.csv:1: missing column(s) label"),
        ("file,label\nrec/allo.wav,person\n", "lines.csv:2: label must be human or machine"),
        ("file,label\nrec/allo.wav,human\nrec/no.wav,machine\n", "lines.csv:3: file 'rec/no.wav' not found"),
    ],
)
def test_eval_bad_manifest_names_the_line(manifest: Path, content: str, message: str) -> None:
    manifest.write_text(content, encoding="utf-8")
    result = minibot("amd", "eval", str(manifest))
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_campaign_amd_bias_is_stored_and_checked(db_url: str) -> None:
    created = minibot("campaign", "create", "prudent", "--b2b", "--amd-bias", "human", url=db_url)
    assert created.returncode == 0, created.stderr
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT amd_bias FROM campaigns WHERE name = 'prudent'").fetchone()
    assert row == ("human",)
    refused = minibot("campaign", "create", "x", "--b2b", "--amd-bias", "sometimes", url=db_url)
    assert refused.returncode == 1 and "AMD bias must be one of" in refused.stderr
    updated = minibot("campaign", "update", "prudent", "--amd-bias", "machine", url=db_url)
    assert updated.returncode == 0 and "amd_bias 'human' → 'machine'" in updated.stdout, updated.stderr
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT amd_bias FROM campaigns WHERE name = 'prudent'").fetchone()
    assert row == ("machine",)
