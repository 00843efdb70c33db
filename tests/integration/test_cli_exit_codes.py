"""The installed `minibot` run as a subprocess: exit codes reach the shell, errors have no traceback."""

from __future__ import annotations

import contextlib
import os
import pty
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.integration
MINIBOT = str(Path(sys.executable).with_name("minibot"))


def minibot(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"MINIBOT_DATABASE_URL": url, "COLUMNS": "200"}
    env.pop("MINIBOT_DEBUG", None)
    return subprocess.run(
        [MINIBOT, *args], capture_output=True, text=True, env=env, input=stdin, timeout=60, check=False
    )


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def test_partial_and_not_found_codes_reach_the_shell(db_url: str, tmp_path: Path) -> None:
    assert minibot("campaign", "create", "c", "--b2b", url=db_url).returncode == 0
    csv = tmp_path / "c.csv"
    csv.write_text("phone\n0611111111\nnot-a-number\n", encoding="utf-8")
    imported = minibot("contacts", "import", str(csv), "--campaign", "c", url=db_url)
    assert imported.returncode == 5, imported.stderr
    not_listed = minibot("dnc", "check", "0622222222", url=db_url)
    assert not_listed.returncode == 3 and "not on the do-not-call list" in not_listed.stdout
    assert minibot("dnc", "add", "0622222222", url=db_url).returncode == 0
    assert minibot("dnc", "check", "06 22 22 22 22", url=db_url).returncode == 0
    dnc_file = tmp_path / "dnc.txt"
    dnc_file.write_text("0633333333\nbad\n", encoding="utf-8")
    assert minibot("dnc", "import", str(dnc_file), url=db_url).returncode == 5
    missing = minibot("campaign", "show", "nope", url=db_url)
    assert missing.returncode == 3 and "no campaign named 'nope'" in missing.stderr
    assert_clean(missing)
    again = minibot("campaign", "create", "c", url=db_url)
    assert again.returncode == 4 and "already exists" in again.stderr
    leads = minibot("leads", "list", "--campaign", "decembre", url=db_url)
    assert leads.returncode == 3 and "no campaign named 'decembre'" in leads.stderr
    assert minibot("campaign", "start", "c", url=db_url).returncode == 0
    running = minibot("campaign", "start", "c", url=db_url)
    assert running.returncode == 4 and "it is running" in running.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["campain"], "No such command 'campain'"),
        (["campaign", "show"], "Missing argument"),
        (["campaign", "list", "--jsn"], "No such option: --jsn"),
        (["campaign", "create", "x", "--max-concurrent", "0"], "--max-concurrent"),
        (["campaign", "create", "x", "--cps", "-1"], "--cps"),
        (["leads", "list", "--min-score", "many"], "--min-score"),
    ],
)
def test_usage_errors_exit_2_with_typer_message(db_url: str, args: list[str], message: str) -> None:
    result = minibot(*args, url=db_url)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Usage: minibot" in result.stderr
    assert_clean(result)


def test_ordinary_mistakes_are_one_line_errors(db_url: str, empty_db_url: str) -> None:
    unmigrated = minibot("campaign", "list", url=empty_db_url)
    assert unmigrated.returncode == 1 and "run `minibot db migrate`" in unmigrated.stderr
    assert_clean(unmigrated)
    bad_url = minibot("campaign", "list", url="mysql://foo")
    assert bad_url.returncode == 1 and "postgresql://" in bad_url.stderr
    assert_clean(bad_url)
    nameless = minibot("campaign", "create", "", url=db_url)
    assert nameless.returncode == 1 and "needs a name" in nameless.stderr
    caller = minibot("campaign", "create", "x", "--caller-id", "hello", url=db_url)
    assert caller.returncode == 1 and "caller id 'hello' is not a phone number" in caller.stderr
    assert_clean(caller)
    named = minibot("campaign", "create", "y", "--caller-id", '"MiniBot" <+33123456789>', url=db_url)
    assert named.returncode == 0, named.stderr


def test_help_lists_every_group_without_loading_them(db_url: str) -> None:
    result = minibot("--help", url=db_url)
    assert result.returncode == 0
    for group in ("campaign", "contacts", "dnc", "leads", "robot", "demo", "scenario"):
        assert group in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, cli; cli.build_app(['dnc']); print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    for heavy in ("calls.conversation", "services.asr", "aiohttp", "numpy", "dashboard"):
        assert f"'{heavy}'" not in probe.stdout


def test_import_progress_bar_on_a_terminal_and_nothing_when_piped(db_url: str, tmp_path: Path) -> None:
    assert minibot("campaign", "create", "p", "--b2b", url=db_url).returncode == 0
    csv = tmp_path / "p.csv"
    csv.write_text("phone\n" + "".join(f"06{10000000 + i}\n" for i in range(3000)), encoding="utf-8")
    piped = minibot("contacts", "import", str(csv), "-c", "p", url=db_url)
    assert piped.returncode == 0 and "importing" not in piped.stderr and "\x1b[" not in piped.stderr
    master, slave = pty.openpty()
    env = os.environ | {"MINIBOT_DATABASE_URL": db_url, "TERM": "xterm"}
    args = [MINIBOT, "contacts", "import", str(csv), "-c", "p", "--update"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, env=env) as proc:
        proc.communicate(timeout=60)
    os.close(slave)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once the terminal's other end is closed and drained
        while chunk := os.read(master, 65536):
            shown += chunk
    os.close(master)
    assert proc.returncode == 0 and b"importing" in shown and b"kB" in shown


def test_a_database_behind_the_code_says_to_migrate(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        latest = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        assert latest is not None
        conn.execute("DELETE FROM schema_migrations WHERE version = %s", (latest[0],))
        conn.execute("ALTER TABLE campaigns DROP COLUMN priority")  # what the code now expects is gone
        conn.execute("INSERT INTO campaigns (name) VALUES ('old')")
    listed = minibot("campaign", "list", url=db_url)  # the SQL names the missing column
    assert listed.returncode == 1 and "column c.priority does not exist" in listed.stderr
    assert "run `minibot db migrate`" in listed.stderr
    result = minibot("campaign", "show", "old", url=db_url)  # the row lacks what the code reads
    assert result.returncode == 1 and "run `minibot db migrate`" in result.stderr
    assert f"{latest[0]:03d}_" in result.stderr
    assert_clean(result)
