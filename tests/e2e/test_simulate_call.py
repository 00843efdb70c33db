"""`minibot simulate call`: one real audio call to a simulated persona through the robot pipeline.

Speech recognition is whatever model is installed (in CI a non-French one), so these tests check the
call's course and records, not what the caller's words were understood as.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from calls.runner import scenario_conversation
from calls.simulate_call import Row, persona_number, simulate_call
from commands.simulate import app
from services.config import load_settings
from services.errors import ConfigError
from services.simulator.personas import PersonaBook, load_persona_book

pytestmark = pytest.mark.e2e

SHORT = """\
name: court
start: intro
on_machine: hangup
steps:
  intro:
    say: {text: "Bonjour, une minute ?"}
    timeout_s: 4
    on: {yes: bye, no: bye, unknown: bye, no_match: bye, silence: bye}
  bye:
    say: {text: "Au revoir."}
    action: hangup
"""


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "MINIBOT_DATABASE_URL": db_url,
        "MINIBOT_DATA_DIR": str(tmp_path),
        "MINIBOT_TTS_CACHE_DIR": str(tmp_path / "tts"),
        "MINIBOT_RECORDINGS_DIR": str(tmp_path / "rec"),
    }


def test_persona_numbers_follow_the_builtin_suffixes_and_rules(tmp_path: Path) -> None:
    book = PersonaBook()
    assert persona_number("busy", book) == "+33612345601"
    assert persona_number("hangs_up", book) == "+33612345608"
    assert persona_number("human", book) == "+33612345610"
    assert persona_number("busy", book, "+33699999999") == "+33699999999"
    with pytest.raises(ConfigError, match="choose one of"):
        persona_number("grumpy", book)
    rules = tmp_path / "rules.yaml"
    rules.write_text('personas: {grumpy: {behaviour: hangup}}\nrules: [{match: "77$", persona: grumpy}]\n')
    with pytest.raises(ConfigError, match="--number"):
        persona_number("grumpy", load_persona_book(rules))


def test_busy_persona_from_the_command_line(db_url: str, tmp_path: Path) -> None:
    args = ["call", "patrimoine", "--persona", "busy", "--time-scale", "0.5"]
    result = CliRunner().invoke(app, args, env=_env(db_url, tmp_path), terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Calling +33612345601 (busy)" in result.output
    assert "outcome busy" in result.output and "lead none" in result.output
    assert "bot " not in result.output  # nobody answered: no turn


async def test_answering_persona_call_reports_turns_live(db_url: str, tmp_path: Path) -> None:
    scenario = tmp_path / "court.yaml"
    scenario.write_text(SHORT, encoding="utf-8")
    settings = load_settings(
        {}, database_url=db_url, data_dir=tmp_path, tts_cache_dir=tmp_path / "tts", recordings_dir=tmp_path
    )
    live: list[Row] = []
    result = await simulate_call(
        settings,
        scenario_conversation(settings),
        scenario=str(scenario),
        number="+33612345608",  # hangs_up: says one line, then hangs up
        personas=PersonaBook(),
        on_turn=live.append,
        time_scale=0.2,
    )

    assert result.call["outcome"] == "answered" and result.call["phone"] == "+33612345608"
    assert [t["id"] for t in live] == [t["id"] for t in result.turns]  # each turn once, in order
    speakers = [(t["speaker"], t["step"]) for t in live]
    assert speakers[0] == ("bot", "intro") and speakers[-1] == ("bot", "bye")
    assert ("caller", "intro") in speakers
    assert live[0]["text"] == "Bonjour, une minute ?"
    assert result.lead is not None and result.lead["summary"]
    assert result.queue is not None and result.queue["status"] == "done"
