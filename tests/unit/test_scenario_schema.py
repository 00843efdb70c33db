"""Scenario validation: errors name file, step and field; prompt slots; the shipped library."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from scenarios.library import library_dir, list_library, resolve
from scenarios.schema import load_scenario, parse_yaml, scenario_from_dict
from services.errors import NotFoundError, ScenarioError

pytestmark = pytest.mark.unit

BASE: dict[str, Any] = {
    "name": "mini",
    "start": "hello",
    "on_machine": "hangup",
    "defaults": {"silence": {"retry": 1, "then": "bye"}, "no_match": "bye"},
    "steps": {
        "hello": {"say": "Bonjour {first_name} ?", "on": {"yes": "bye", "no": "bye"}},
        "bye": {"say": "Au revoir", "action": "hangup"},
    },
}


def _with(path: list[str], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def _error(data: Any, base_dir: Path | None = None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, file="mini.yaml", base_dir=base_dir)
    return info.value


def test_minimal_scenario_loads_with_defaults_merged() -> None:
    scenario = scenario_from_dict(BASE)
    assert scenario.steps["hello"].on["silence"].retry == 1
    assert scenario.steps["hello"].on["no_match"].target == "bye"
    assert not scenario.steps["bye"].is_question


@pytest.mark.parametrize(
    ("path", "value", "step", "field", "words"),
    [
        (["steps", "hello", "on", "yes"], "nowhere", "hello", "on.yes", "unknown target step"),
        (["steps", "orphan"], {"say": "x", "action": "hangup"}, "orphan", "steps", "unreachable"),
        (["steps", "hello", "on", "Bad-Name"], "bye", "hello", "on.Bad-Name", "bad intent name"),
        (["steps", "hello", "on", "maybe"], "bye", "hello", "on.maybe", "not defined"),
        (["steps", "hello", "score"], {"maybe": 1}, "hello", "score.maybe", "not defined"),
        (["start"], "", "", "start", "missing start"),
        (["start"], "ghost", "", "start", "not defined"),
        (["steps", "hello", "timeout_s"], "soon", "hello", "timeout_s", "expected"),
        (
            ["steps", "hello", "on", "yes"],
            {"retry": "two", "then": "bye"},
            "hello",
            "on.yes.retry",
            "expected int",
        ),
        (["steps", "bye", "action"], "explode", "bye", "action", "unknown action"),
        (["steps", "bye", "status"], "happy", "bye", "status", "unknown status"),
        (["steps", "hello", "colour"], "red", "hello", "colour", "unknown field"),
        (["steps", "bye", "action"], "transfer", "bye", "action", "endpoint"),
        (["on_machine"], "voicemail", "", "voicemail", "no voicemail prompt"),
    ],
)
def test_errors_name_file_step_and_field(
    path: list[str], value: Any, step: str, field: str, words: str
) -> None:
    error = _error(_with(path, value))
    assert (error.file, error.step, error.field) == ("mini.yaml", step, field)
    assert words in error.message
    assert "mini.yaml" in str(error)


def test_question_without_silence_handler_is_rejected() -> None:
    data = copy.deepcopy(BASE)
    del data["defaults"]["silence"]
    error = _error(data)
    assert (error.step, error.field) == ("hello", "on") and "silence" in error.message


def test_branch_loop_is_rejected() -> None:
    data = _with(["steps", "hello", "on", "yes"], "fork")
    data["steps"]["fork"] = {"branch": {"qualified": "join", "otherwise": "bye"}}
    data["steps"]["join"] = {"branch": {"qualified": "fork", "otherwise": "bye"}}
    error = _error(data)
    assert error.field == "branch" and "branch loop" in error.message


def test_missing_prompt_file_is_reported(tmp_path: Path) -> None:
    error = _error(_with(["steps", "hello", "say"], {"audio": "prompts/hello.wav", "text": "x"}), tmp_path)
    assert (error.step, error.field) == ("hello", "say.audio")
    assert "missing prompt file" in error.message


def test_slot_uses_recording_when_present_and_text_otherwise(tmp_path: Path) -> None:
    data = _with(["steps", "hello", "say"], {"slot": "hello", "text": "Bonjour ?"})
    assert scenario_from_dict(data, base_dir=tmp_path).steps["hello"].say.audio is None  # type: ignore[union-attr]
    recording = tmp_path / "prompts" / "mini" / "hello.wav"
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"RIFF")
    assert scenario_from_dict(data, base_dir=tmp_path).steps["hello"].say.audio == recording  # type: ignore[union-attr]


def test_slot_without_text_or_recording_is_rejected(tmp_path: Path) -> None:
    error = _error(_with(["steps", "hello", "say"], {"slot": "hello"}), tmp_path)
    assert (error.step, error.field) == ("hello", "say")


def test_yaml_yes_no_on_keys_stay_strings() -> None:
    assert parse_yaml("on: {yes: a, no: b}\nflag: true") == {"on": {"yes": "a", "no": "b"}, "flag": True}


def test_load_scenario_reports_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario(broken)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "absent.yaml")


def test_library_patrimoine_is_valid_and_listed() -> None:
    entries = {entry.name: entry for entry in list_library()}
    assert "patrimoine" in entries
    scenario = load_scenario(library_dir() / "patrimoine.yaml")
    assert scenario.language == "fr-FR"
    assert {"intro", "q1_savings", "q2_inflation", "q3_adviser", "offer"} <= set(scenario.steps)
    assert scenario.voicemail is not None and entries["patrimoine"].steps == len(scenario.steps)
    assert entries["patrimoine"].error == ""


def test_resolve_unknown_library_name() -> None:
    with pytest.raises(NotFoundError, match="minibot scenario list"):
        resolve("nope")


def _booking(step: dict[str, Any]) -> dict[str, Any]:
    data = _with(["steps", "hello", "on", "yes"], "meet")
    data["steps"]["meet"] = step
    return data


def test_book_step_goes_on_booked_and_no_slot() -> None:
    scenario = scenario_from_dict(
        _booking({"action": "book", "skill": "patrimoine", "on": {"booked": "bye", "no_slot": "bye"}})
    )
    meet = scenario.steps["meet"]
    assert (meet.action, meet.skill, meet.on["booked"].target) == ("book", "patrimoine", "bye")
    assert "booked" not in scenario.allowed_intents("meet")


@pytest.mark.parametrize(
    ("step", "field", "words"),
    [
        ({"action": "book", "on": {"booked": "bye"}}, "on", "needs 'on.no_slot'"),
        (
            {"action": "book", "on": {"booked": "bye", "no_slot": "bye", "yes": "bye"}},
            "on.yes",
            "booked or no_slot",
        ),
        ({"action": "hangup", "say": "x", "skill": "patrimoine"}, "skill", "only for book steps"),
        ({"action": "book", "on": {"booked": "ghost", "no_slot": "bye"}}, "on.booked", "unknown target"),
    ],
)
def test_book_step_errors(step: dict[str, Any], field: str, words: str) -> None:
    error = _error(_booking(step))
    assert (error.step, error.field) == ("meet", field) and words in error.message
