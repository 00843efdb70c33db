"""Scenario voice settings (`tts:` engine, voice, lexicon) and spliced prompts (`parts:`): parsing,
errors that say where, the engine's Say actions, and `scenario validate`'s report."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from calls.conversation import scenario_texts
from commands.common import console
from commands.scenario import app
from scenarios.engine import Engine, Say
from scenarios.schema import PromptPart, scenario_from_dict
from services.errors import ScenarioError
from services.media.frames import write_wav
from services.tts import VoiceChoice

pytestmark = pytest.mark.unit

BASE: dict[str, Any] = {
    "name": "mini",
    "start": "hello",
    "on_machine": "hangup",
    "defaults": {"silence": "bye", "no_match": "bye"},
    "steps": {
        "hello": {"say": "Bonjour {first_name} ?", "on": {"yes": "bye", "no": "bye"}},
        "bye": {"say": "Au revoir", "action": "hangup"},
    },
}


def spliced(tmp_path: Path) -> dict[str, Any]:
    write_wav(tmp_path / "bonjour.wav", bytes(3200))
    write_wav(tmp_path / "suite.wav", bytes(6400))
    data = copy.deepcopy(BASE)
    data["steps"]["hello"]["say"] = {
        "parts": [
            {"audio": "bonjour.wav", "text": "Bonjour "},
            "{first_name}",
            {"audio": "suite.wav", "text": ", avez-vous une minute ?"},
        ]
    }
    data["tts"] = {
        "engine": "piper",
        "voice": "fr_FR-upmc-medium:pierre",
        "lexicon": {"Fintechia": "fine tèquia"},
    }
    return data


def test_tts_settings_and_parts_are_read(tmp_path: Path) -> None:
    scenario = scenario_from_dict(spliced(tmp_path), base_dir=tmp_path)
    assert scenario.tts == VoiceChoice("piper", "fr_FR-upmc-medium:pierre", {"Fintechia": "fine tèquia"})
    hello = scenario.steps["hello"].say
    assert hello is not None and hello.kind == "spliced"
    assert hello.text == "Bonjour {first_name}, avez-vous une minute ?"
    assert hello.parts == (
        PromptPart("Bonjour ", tmp_path / "bonjour.wav"),
        PromptPart("{first_name}"),
        PromptPart(", avez-vous une minute ?", tmp_path / "suite.wav"),
    )
    assert scenario.steps["bye"].say is not None and scenario.steps["bye"].say.kind == "synthesized"
    assert scenario_from_dict(BASE).tts == VoiceChoice()


def test_the_engine_says_spliced_prompts_with_their_variables(tmp_path: Path) -> None:
    engine = Engine(scenario_from_dict(spliced(tmp_path), base_dir=tmp_path))
    _, actions = engine.start({"first_name": "Claire"}, datetime(2026, 1, 5, 10, tzinfo=UTC))
    say = actions[0]
    assert isinstance(say, Say) and say.text == "Bonjour Claire, avez-vous une minute ?"
    assert [part.text for part in say.parts] == ["Bonjour ", "Claire", ", avez-vous une minute ?"]
    # the warm-up synthesizes only the variable part
    texts = scenario_texts(engine.scenario, {"first_name": "Claire"})
    assert "Claire" in texts and not any("avez-vous une minute" in text for text in texts)


@pytest.mark.parametrize(
    ("tts", "field", "message"),
    [
        ({"engine": "festival"}, "tts.engine", "unknown engine 'festival' (one of piper, espeak)"),
        ({"speed": 2}, "tts", "unknown key(s) ['speed']"),
        ({"lexicon": {"AXA": 3}}, "tts.lexicon.AXA", "expected str"),
        ("piper", "tts", "expected dict"),
    ],
)
def test_bad_tts_settings_say_where(tts: Any, field: str, message: str) -> None:
    data = copy.deepcopy(BASE)
    data["tts"] = tts
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, file="mini.yaml")
    assert info.value.field == field and message in str(info.value)


@pytest.mark.parametrize(
    ("say", "field", "message"),
    [
        ({"parts": []}, "say.parts", "needs at least one part"),
        ({"parts": [{"audio": "nope.wav", "text": "x"}]}, "say.parts[0].audio", "missing prompt file"),
        ({"parts": [{"audio": "bonjour.wav"}]}, "say.parts[0]", "a recorded part is {audio: file.wav, text"),
        ({"parts": ["x"], "text": "y"}, "say", "'parts' goes alone"),
    ],
)
def test_bad_parts_say_where(tmp_path: Path, say: Any, field: str, message: str) -> None:
    write_wav(tmp_path / "bonjour.wav", bytes(3200))
    data = copy.deepcopy(BASE)
    data["steps"]["hello"]["say"] = say
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, file="mini.yaml", base_dir=tmp_path)
    assert (info.value.step, info.value.field) == ("hello", field) and message in str(info.value)


def test_validate_reports_recorded_spliced_and_synthesized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    monkeypatch.setattr(console, "width", 250)

    data = spliced(tmp_path)
    write_wav(tmp_path / "aurevoir.wav", bytes(3200))
    data["steps"]["bye"]["say"] = {"audio": "aurevoir.wav", "text": "Au revoir"}
    data["steps"]["hello"]["reprompt"] = "Vous m'entendez ?"
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = CliRunner().invoke(app, ["validate", str(path)], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "1 recorded, 1 spliced, 1 synthesized" in result.output
    assert "recording bonjour.wav + TTS '{first_name}' + recording suite.wav" in result.output
    assert "voice: piper fr_FR-upmc-medium:pierre, lexicon of 1 words" in result.output
