"""The pure scenario engine driven with events, on the shipped patrimoine scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scenarios.engine import (
    Action,
    AddDnc,
    AmdVerdict,
    BargeIn,
    Book,
    BookingResult,
    CallState,
    EndCall,
    Engine,
    Event,
    Finish,
    Hangup,
    Intent,
    LeaveVoicemail,
    NoMatch,
    Say,
    ScheduleCallback,
    Silence,
    StopSpeaking,
    Timeout,
    Transfer,
)
from scenarios.library import resolve

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(resolve("patrimoine"))


def _run(engine: Engine, *events: Event) -> tuple[CallState, list[Action]]:
    state, actions = engine.start({"first_name": "Marie"}, started_at=NOW)
    for event in events:
        state, actions = engine.step(state, event)
    return state, actions


def _finish(actions: list[Action]) -> Finish:
    found = [a for a in actions if isinstance(a, Finish)]
    assert len(found) == 1
    return found[0]


def test_start_greets_the_contact_by_name(engine: Engine) -> None:
    state, actions = engine.start({"first_name": "Marie"})
    assert state.step == "intro"
    assert isinstance(actions[0], Say) and "Bonjour Marie" in actions[0].text
    assert actions[0].timeout_s == 6


def test_qualified_lead_is_transferred(engine: Engine) -> None:
    yes, no = Intent("yes", text="oui"), Intent("no", text="non")
    state, actions = _run(engine, yes, Intent("yes", text="un livret A"), yes, no, yes)
    assert Transfer("PJSIP/conseiller@trunk") in actions
    assert not any(isinstance(a, EndCall) for a in actions)
    finish = _finish(actions)
    assert (finish.status, finish.score) == ("qualified", 3)
    assert finish.answers["savings"] == {"intent": "yes", "text": "un livret A"}
    assert json.dumps(finish.answers)  # the calls layer stores it as JSON as is
    assert state.path[-3:] == ("qualify", "offer", "transfer")


def test_low_score_ends_with_courteous_goodbye(engine: Engine) -> None:
    yes, no = Intent("yes"), Intent("no")
    state, actions = _run(engine, yes, no, no, yes)
    assert state.step == "goodbye_neutral"
    assert _finish(actions).status == "not_interested"
    assert isinstance(actions[-2], EndCall)


def test_refusal_at_intro(engine: Engine) -> None:
    _, actions = _run(engine, Intent("no"))
    assert _finish(actions).status == "not_interested"


def test_do_not_call_from_any_step(engine: Engine) -> None:
    state, actions = _run(engine, Intent("yes"), Intent("do_not_call", text="ne m'appelez plus"))
    assert actions[0] == AddDnc("ne m'appelez plus")
    assert isinstance(actions[1], Say) and "ne sera plus appelé" in actions[1].text
    assert _finish(actions).status == "do_not_call" and state.finished


def test_callback_with_time_schedules_and_says_goodbye(engine: Engine) -> None:
    _, actions = _run(engine, Intent("callback", text="rappelez-moi demain vers 14h"))
    expected = datetime(2026, 11, 24, 14, 0, tzinfo=NOW.tzinfo)
    assert actions[0] == ScheduleCallback(expected, "rappelez-moi demain vers 14h")
    assert isinstance(actions[1], Say) and "mardi 24 novembre à 14 heures" in actions[1].text
    finish = _finish(actions)
    assert (finish.status, finish.callback_at) == ("callback", expected)


def test_callback_without_time_asks_when_then_keeps_raw_text(engine: Engine) -> None:
    state, actions = _run(engine, Intent("callback", text="pas maintenant"))
    assert state.awaiting_callback and not state.finished
    assert isinstance(actions[0], Say) and "quel moment" in actions[0].text
    state, actions = engine.step(state, Intent("unknown", text="quand vous voulez"))
    assert actions[0] == ScheduleCallback(None, "quand vous voulez")
    assert _finish(actions).status == "callback"


def test_callback_time_comes_from_the_callers_words_not_the_models(engine: Engine) -> None:
    # the model turned "vers dix-huit heures" into "20h30": the bot must promise 18:00
    said = "rappelez-moi demain vers dix-huit heures"
    _, actions = _run(engine, Intent("callback", text=said, entities={"when": "demain 20h30"}))
    assert actions[0] == ScheduleCallback(datetime(2026, 11, 24, 18, 0, tzinfo=NOW.tzinfo), said)


def test_an_invented_callback_time_is_ignored(engine: Engine) -> None:
    state, actions = _run(
        engine, Intent("callback", text="pas maintenant", entities={"when": "2026-12-03T20:30"})
    )
    assert state.awaiting_callback and "quel moment" in actions[0].text  # type: ignore[union-attr]


def test_who_are_you_explains_and_repeats_without_using_a_retry(engine: Engine) -> None:
    state, _ = _run(engine, Intent("yes"))
    for _ in range(3):
        state, actions = engine.step(state, Intent("who_are_you"))
        assert state.step == "q1_savings" and not state.retries
        assert "Horizon Patrimoine" in actions[0].text  # type: ignore[union-attr]
        assert isinstance(actions[1], Say) and actions[1].step == "q1_savings"


def test_silence_reprompts_once_then_ends_unreachable(engine: Engine) -> None:
    state, actions = _run(engine, Silence())
    assert state.step == "intro" and "Allô" in actions[0].text  # type: ignore[union-attr]
    state, actions = engine.step(state, Timeout("step"))
    assert state.step == "goodbye_silence"
    assert _finish(actions).status == "unreachable"


def test_no_match_reprompts_then_moves_on(engine: Engine) -> None:
    state, actions = _run(engine, Intent("yes"), NoMatch())
    assert state.step == "q1_savings" and "pas bien compris" in actions[0].text  # type: ignore[union-attr]
    state, _ = engine.step(state, Intent("unknown", text="blabla"))
    assert state.step == "goodbye_neutral" and state.finished


def test_insult_ends_politely_with_negative_sentiment(engine: Engine) -> None:
    _, actions = _run(engine, Intent("insult", text="connard", sentiment="negative"))
    finish = _finish(actions)
    assert (finish.status, finish.reason, finish.sentiment) == ("not_interested", "insult", "negative")


def test_wrong_person(engine: Engine) -> None:
    _, actions = _run(engine, Intent("wrong_person"))
    assert _finish(actions).status == "unreachable"


def test_machine_leaves_voicemail_human_continues(engine: Engine) -> None:
    state, actions = _run(engine, AmdVerdict("human"))
    assert actions == [] and not state.finished
    state, actions = engine.step(state, AmdVerdict("machine"))
    assert isinstance(actions[0], LeaveVoicemail) and "Marie" in actions[0].text
    assert _finish(actions).status == "unreachable"


def test_barge_in_stops_speaking(engine: Engine) -> None:
    state, actions = _run(engine, BargeIn())
    assert actions == [StopSpeaking()] and state.step == "intro"


def test_remote_hangup_and_max_duration(engine: Engine) -> None:
    _, actions = _run(engine, Hangup())
    assert actions == [_finish(actions)] and _finish(actions).status == "unreachable"
    _, actions = _run(engine, Intent("yes"), Timeout("max_duration"))
    assert isinstance(actions[-2], EndCall) and _finish(actions).reason == "max_duration"


def test_finished_state_ignores_events_and_state_is_immutable(engine: Engine) -> None:
    state, _ = _run(engine, Intent("no"))
    assert engine.step(state, Intent("yes")) == (state, [])
    first, _ = engine.start({})
    second, _ = engine.step(first, Intent("yes"))
    assert first.step == "intro" and second.step == "q1_savings"


def test_nlu_context_lists_allowed_intents_and_step_keywords(engine: Engine) -> None:
    state, _ = _run(engine, Intent("yes"))
    context = engine.nlu_context(state)
    assert {"yes", "no", "do_not_call", "callback"} <= set(context.allowed)
    assert "silence" not in context.allowed
    assert "livret a" in context.keywords["yes"]
    assert context.question.startswith("Merci ! Détenez-vous")


def test_engine_import_loads_no_io_library() -> None:
    code = (
        "import sys, scenarios.engine, scenarios.schema; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'asyncio', 'ollama', 'httpx', 'aiohttp', 'psycopg', 'socket'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_book_step_hands_the_dialogue_to_the_adapter_and_follows_its_outcome() -> None:
    engine = Engine(resolve("patrimoine"))
    state, _ = engine.start({"first_name": "Ana"})
    for name in ("yes", "yes", "yes", "no", "no"):
        state, actions = engine.step(state, Intent(name))
    state, actions = engine.step(state, Intent("yes"))  # yes to an appointment
    assert state.step == "book_meeting" and actions == [Book("patrimoine", "book_meeting", 6.0)]
    assert engine.step(state, Silence()) == (state, [])  # the booking dialogue handles silences
    done, actions = engine.step(state, BookingResult("booked", "mardi 12 janvier à 10 h avec Claire Martin"))
    assert done.step == "goodbye_booked" and done.status == "qualified"
    assert done.answers["appointment"]["text"] == "mardi 12 janvier à 10 h avec Claire Martin"
    fallback, _ = engine.step(state, BookingResult("no_slot"))
    assert fallback.step == "ask_callback" and fallback.awaiting_callback
