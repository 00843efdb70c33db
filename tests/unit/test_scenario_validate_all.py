"""`minibot scenario validate` reports every error of a file at once, like a compiler, and exits 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.schema import ScenarioErrors, load_scenario

pytestmark = pytest.mark.unit
MINIBOT = str(Path(sys.executable).with_name("minibot"))

THREE_MISTAKES = """\
name: mini
start: hello
on_machine: hangup
defaults: {no_match: bye}
steps:
  hello:
    say: Bonjour ?
    on: {yes: ask, no: bye, silence: bye}
  ask:
    say: Vous avez un PEL ?
    on: {yes: nowhere, no: bye, silence: bye}
  lonely:
    say: Personne ne vient ici.
    action: hangup
  mute:
    say: Alors ?
    on: {yes: bye, no: bye}
  bye:
    say: Au revoir
    action: hangup
"""


def test_every_error_is_reported_with_file_step_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(THREE_MISTAKES, encoding="utf-8")
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    found = {(e.step, e.field, str(e).rsplit(": ", 1)[-1]) for e in info.value.errors}
    assert found == {
        ("ask", "on.yes", "unknown target step 'nowhere'"),
        ("mute", "on", "no 'silence' handler (add it to the step or to defaults)"),
        ("lonely", "steps", "unreachable from 'hello'"),
        ("mute", "steps", "unreachable from 'hello'"),
    }
    assert (info.value.file, info.value.step) == (str(path), info.value.errors[0].step)


def test_a_broken_step_does_not_hide_the_others_nor_invent_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        THREE_MISTAKES.replace("  lonely:\n", "  lonely:\n    colour: red\n").replace(
            "on: {yes: ask, no: bye, silence: bye}", "on: {yes: lonely, no: bye, silence: bye}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    messages = [str(e) for e in info.value.errors]
    assert any("step 'lonely', colour: unknown field(s) ['colour']" in m for m in messages)
    assert any("unknown target step 'nowhere'" in m for m in messages)
    assert not any("'lonely'" in m and "unknown target" in m for m in messages)  # no cascade


def test_validate_command_prints_them_all_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(THREE_MISTAKES, encoding="utf-8")
    result = subprocess.run(
        [MINIBOT, "scenario", "validate", str(path)],
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "4 errors:" in result.stderr
    for text in ("step 'ask', on.yes: unknown target", "step 'mute', on: no 'silence' handler",
                 "step 'lonely', steps: unreachable"):  # fmt: skip
        assert text in result.stderr
