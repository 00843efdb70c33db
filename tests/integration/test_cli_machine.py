"""The fresh-machine story: system programs installed or one command to run, Postgres stopped after use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from services import db

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_missing_program_as_a_user_stops_with_the_one_command(tmp_path: Path) -> None:
    fake_id = tmp_path / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)
    env = os.environ | {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    result = subprocess.run(
        ["bash", str(ROOT / ".ci/system-deps.sh"), "sh", "no-such-program-xyz", "chromedriver-xyz"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "sudo apt-get install -y no-such-program-xyz chromedriver-xyz" in result.stderr
    present = subprocess.run(
        ["bash", str(ROOT / ".ci/system-deps.sh"), "sh"], capture_output=True, env=env, check=False
    )
    assert present.returncode == 0 and present.stderr == b""


def test_demo_without_espeak_stops_at_once_with_the_fix(tmp_path: Path) -> None:
    env = os.environ | {"PATH": str(BIN), "MINIBOT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(BIN / "minibot"), "demo"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "missing: espeak-ng sox" in result.stderr and "apt-get install -y espeak-ng sox" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "postgres").exists()  # nothing started


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder the embedded Postgres' own system user can enter (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="minibot-dbstop-"))
    path.chmod(0o755)
    yield path
    db.stop_embedded_postgres(path / "pg")
    shutil.rmtree(path, ignore_errors=True)


def test_db_stop_stops_the_embedded_postgres_it_finds(open_dir: Path, tmp_path: Path) -> None:
    pgdata = open_dir / "pg"
    db.start_embedded_postgres(pgdata)
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    env = os.environ | {"MINIBOT_DATA_DIR": str(tmp_path)}
    env.pop("MINIBOT_DATABASE_URL", None)
    stop = [str(BIN / "minibot"), "db", "stop", "--pgdata", str(pgdata)]
    stopped = subprocess.run(stop, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert stopped.returncode == 0 and "stopped the embedded Postgres" in stopped.stdout
    assert not (pgdata / "postmaster.pid").exists()
    status = Path(f"/proc/{pid}/status")
    assert not status.exists() or "\nState:\tZ" in status.read_text()  # gone (or a zombie left to reap)
    again = subprocess.run(stop, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert again.returncode == 0 and "no embedded Postgres runs" in again.stdout
