"""``python robot_ari.py``: --help prints the help and exits without dialling; unknown arguments are
refused with the usage (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def robot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "MINIBOT_ARI_URL": "http://127.0.0.1:9",
        "MINIBOT_DATABASE_URL": "postgresql://x@127.0.0.1:9/x",
    }
    return subprocess.run(
        [sys.executable, "robot_ari.py", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_prints_the_usage_and_exits() -> None:
    result = robot("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: robot_ari.py")
    assert "MINIBOT_ROBOT_ID" in result.stdout and "docs/robot.md" in result.stdout


def test_unknown_arguments_are_refused() -> None:
    result = robot("--dial-now")
    assert result.returncode == 2
    assert "unrecognized arguments: --dial-now" in result.stderr
