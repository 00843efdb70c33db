"""The robot refuses to start on a speech model that is not there, with the fix, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_a_missing_vosk_model_stops_the_robot_with_the_fix(db_url: str, tmp_path: Path) -> None:
    env = os.environ | {
        "MINIBOT_DATABASE_URL": db_url,
        "MINIBOT_ARI_URL": "http://127.0.0.1:1",
        "MINIBOT_VOSK_MODEL": str(tmp_path / "vosk-model-small-fr-0.22"),
        "MINIBOT_DATA_DIR": str(tmp_path),
    }
    minibot = Path(sys.executable).with_name("minibot")
    done = subprocess.run(
        [str(minibot), "robot", "run"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "is not a Vosk model folder" in done.stderr and "minibot models download fr-small" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
