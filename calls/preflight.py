"""Preflight: what must work before the robot dials, so that no contact is burnt on our own fault.

At robot start (:func:`check_robot`): speech synthesis produces audio. Before a campaign is first
dialled by a robot (:class:`CampaignPreflight`): its scenario loads and validates, every prompt can
be produced (recordings readable, the TTS engine for text prompts), and the speech model's language
matches the scenario's (a mismatch is only warned about, loudly). A campaign that fails is paused
by the controller with the reason.
"""

from __future__ import annotations

import logging
from typing import Protocol

from campaigns.models import ClaimedCall
from scenarios import library
from scenarios.schema import Scenario
from services.errors import ConfigError, MiniBotError
from services.media.frames import read_wav

log = logging.getLogger("minibot.preflight")

PROBE_TEXT = "Bonjour."


class Synthesizer(Protocol):
    """The part of a TTS engine preflight uses."""

    async def synthesize(self, text: str, voice: str) -> bytes:
        """16 kHz mono PCM of ``text``."""
        ...


def check_scenario(name: str) -> Scenario:
    """The scenario ``name`` (library name or file), loaded and validated; raises
    NotFoundError/ScenarioError with the fix (``campaign create``/``start`` call this)."""
    return library.resolve(name)


def _uncached(tts: Synthesizer) -> Synthesizer:
    """The engine behind a cache: a cached probe would pass with the engine gone."""
    engine = getattr(tts, "engine", None)
    return engine if engine is not None else tts


async def check_robot(tts: Synthesizer, voice: str) -> None:
    """At robot start: refuse to dial at all when speech synthesis does not work."""
    problem = await check_tts(tts, voice)
    if problem is not None:
        raise ConfigError(f"preflight: {problem}; the robot would dial calls it cannot speak in")


async def check_tts(tts: Synthesizer, voice: str) -> str | None:
    """None when the engine speaks, else why not (e.g. espeak-ng not installed)."""
    try:
        audio = await _uncached(tts).synthesize(PROBE_TEXT, voice)
    except Exception as exc:  # any engine failure means no call can be spoken
        return f"speech synthesis does not work: {exc}"
    return None if audio else "speech synthesis produced no audio"


def language_warning(scenario: Scenario, asr_language: str) -> str | None:
    """A warning when the speech model does not recognise the scenario's language."""
    wanted = scenario.language.split("-")[0].lower()
    if asr_language and asr_language.lower() != wanted:
        return (
            f"the speech model is {asr_language!r} but scenario {scenario.name!r} speaks "
            f"{scenario.language!r}: callers will not be understood "
            "(run `minibot models download fr-small` or set MINIBOT_VOSK_MODEL)"
        )
    return None


class CampaignPreflight:
    """Checks a campaign's scenario and prompts; called by the controller with a claimed call."""

    def __init__(self, tts: Synthesizer, voice: str, asr_language: str) -> None:
        self.tts = tts
        self.voice = voice
        self.asr_language = asr_language

    async def __call__(self, call: ClaimedCall) -> str | None:
        """None when campaign ``call.campaign_name`` may be dialled, else the reason it may not."""
        try:
            scenario = check_scenario(call.scenario)
        except MiniBotError as exc:
            return f"scenario {call.scenario!r} cannot be used: {exc}"
        for step, field, prompt in scenario.slots():
            if prompt.audio is not None:
                try:
                    read_wav(prompt.audio)
                except Exception as exc:  # unreadable or not a WAV file
                    where = f"step {step!r} {field}" if step else field
                    return f"scenario {scenario.name!r}, {where}: recording {prompt.audio} unreadable ({exc})"
        problem = await check_tts(self.tts, self.voice)
        if problem is not None:
            return problem
        warning = language_warning(scenario, self.asr_language)
        if warning is not None:
            log.warning("WARNING campaign %s: %s", call.campaign_name, warning)
        return None
