"""Personas: rules files, built-in number patterns, and the callee's turn-taking (HumanVoice)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from services.ari import FakeAri, StasisStart
from services.errors import AriError, ConfigError, NoSuchChannel
from services.simulator import BUILTIN, Persona, PersonaBook, load_persona_book
from services.simulator.media_leg import SILENCE
from services.simulator.voice import BEEP, HumanVoice, VoiceLibrary

pytestmark = pytest.mark.unit

TONE = (np.sin(np.arange(320) * 2 * np.pi * 440 / 16000) * 8000).astype("<i2").tobytes()


def test_builtin_patterns_by_last_two_digits() -> None:
    book = PersonaBook()
    assert book.for_number("+33612345601").outcome == "busy"
    assert book.for_number("0612345603").outcome == "no_answer"
    assert book.for_number("0612345605").outcome == "voicemail"
    assert book.for_number("0612345678") == Persona()
    assert set(BUILTIN) == {f"0{i}" for i in range(1, 10)}


def test_rules_file_wins_over_builtin_patterns(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "personas:\n"
        "  grumpy: {behaviour: hangup, lines: ['Non merci.'], answer_after_s: 1}\n"
        "rules:\n"
        "  - {match: '^\\+3361', persona: grumpy}\n"
        "default: {answer_after_s: 4}\n"
    )
    book = load_persona_book(rules)
    grumpy = book.for_number("+33612345601")
    assert (grumpy.name, grumpy.behaviour, grumpy.lines, grumpy.answer_after_s) == (
        "grumpy",
        "hangup",
        ("Non merci.",),
        1,
    )
    assert book.for_number("0700000000").answer_after_s == 4
    assert book.for_number("0700000001").outcome == "busy"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("personas: {a: {mood: happy}}\n", "unknown persona fields"),
        ("personas: {a: {outcome: maybe}}\n", "outcome must be one of"),
        ("rules: [{match: x, persona: nobody}]\n", "unknown persona 'nobody'"),
        ("personas: {a: {}}\nrules: [{match: '(', persona: a}]\n", "bad 'match'"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_bad_rules_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_persona_book(rules)


def _hear(voice: HumanVoice, frame: bytes, count: int) -> list[bool]:
    """Feed ``count`` bot frames; returns whether the callee was speaking after each."""
    spoken = []
    for _ in range(count):
        voice.hear(frame)
        spoken.append(voice.next_frame() != SILENCE)
    return spoken


async def _ready_voice(persona: Persona, hangups: list[str]) -> HumanVoice:
    library = VoiceLibrary()
    voice = HumanVoice(persona, library, lambda: hangups.append("hangup"))
    await library.load(BEEP, persona.voice)
    await asyncio.sleep(0)  # let the load callbacks queue the audio
    return voice


async def test_cooperative_callee_replies_only_after_the_prompt_ends() -> None:
    hangups: list[str] = []
    persona = Persona(greeting=None, lines=(BEEP,), reply_delay_s=0.1, behaviour="hangup")
    voice = await _ready_voice(persona, hangups)
    assert not any(_hear(voice, TONE, 100))  # the bot talks for 2 s: the callee waits
    after = _hear(voice, SILENCE, 60)
    first = after.index(True)
    assert 30 <= first <= 40  # 0.6 s of silence ends the prompt, then 0.1 s reply delay
    assert voice.prompts_heard == 1 and voice.said == [BEEP]
    _hear(voice, TONE, 50)
    _hear(voice, SILENCE, 40)
    assert hangups == ["hangup"]  # lines used up: the hangup persona leaves


async def test_interrupting_callee_talks_over_the_bot() -> None:
    persona = Persona(
        greeting=None, lines=(BEEP,), behaviour="interrupt", interrupt_after_s=0.5, reply_delay_s=0.02
    )
    voice = await _ready_voice(persona, [])
    spoken = _hear(voice, TONE, 60)
    assert any(spoken[25:40])


async def test_voicemail_plays_greeting_then_beep_and_ignores_the_bot() -> None:
    library = VoiceLibrary()
    persona = Persona(outcome="voicemail", greeting=BEEP, lines=())
    voice = HumanVoice(persona, library, lambda: None)
    await library.load(BEEP)
    await asyncio.sleep(0)
    assert voice.said == [BEEP, BEEP]
    assert voice.speaking
    _hear(voice, TONE, 60)
    assert voice.prompts_heard == 0


async def test_fake_ari_runs_scripts_and_refuses_duplicate_ids() -> None:
    fake = FakeAri(
        scripts={"PJSIP/1@t": lambda ch, args: [StasisStart(type="StasisStart", channel=ch, args=(args,))]}
    )
    channel = await fake.originate("PJSIP/1@t", channel_id="a", app_args="call-1")
    event = await anext(fake.events())
    assert isinstance(event, StasisStart) and event.channel == channel and event.args == ("call-1",)
    with pytest.raises(AriError) as caught:
        await fake.originate("PJSIP/1@t", channel_id="a")
    assert caught.value.status == 409
    await fake.hangup("a")
    with pytest.raises(NoSuchChannel):
        await fake.hangup("a")
    assert [name for name, _ in fake.calls] == ["originate", "originate", "hangup", "hangup"]
