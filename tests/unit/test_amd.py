"""AMD: verdicts on features, greeting tracker, beep detector, voicemail cue, detector on real clips."""

from __future__ import annotations

import numpy as np
import pytest

from services.amd import (
    BIASES,
    LATE_BEEP_MS,
    AmdDetector,
    AmdFeatures,
    AmdVerdict,
    GreetingTracker,
    VoicemailCue,
    classify,
    detect_beep,
    thresholds_for,
    voicemail_phrase,
)
from services.amd_eval import classify_clip
from services.media.frames import FRAME_MS, read_wav_16k
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit

BALANCED = BIASES["balanced"]


def features(**kw: object) -> AmdFeatures:
    base: dict[str, object] = {
        "elapsed_ms": 2000,
        "initial_silence_ms": 300,
        "greeting_ms": 800,
        "silence_after_ms": BALANCED.human_silence_ms,
        "speech_ms": 700,
    }
    base.update(kw)
    return AmdFeatures(**base)  # type: ignore[arg-type]


def test_short_greeting_then_silence_is_human() -> None:
    decision = classify(features())
    assert decision is not None and decision.verdict is AmdVerdict.HUMAN
    assert "short greeting (800 ms)" in decision.reason


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"beep_at_ms": 4200}, "beep tone at 4200 ms"),
        ({"transcript": "Vous êtes bien sur la messagerie de Jean"}, "messagerie"),
        ({"transcript": "Laissez votre message après le bip"}, "laissez votre message"),
        ({"transcript": "Please leave a message"}, "leave a message"),
        ({"greeting_ms": BALANCED.machine_greeting_ms + 20, "silence_after_ms": 0}, "greeting longer than"),
        ({"words": BALANCED.max_human_words + 1, "silence_after_ms": 0}, "words in the greeting"),
        ({"asterisk_status": "MACHINE", "asterisk_cause": "LONGGREETING-2000-2000"}, "LONGGREETING"),
    ],
)
def test_machine_evidence(kw: dict[str, object], reason: str) -> None:
    decision = classify(features(**kw))
    assert decision is not None and decision.verdict is AmdVerdict.MACHINE
    assert reason in decision.reason


def test_no_verdict_while_the_greeting_goes_on_then_notsure_at_the_window() -> None:
    assert classify(features(silence_after_ms=200)) is None
    late = classify(features(silence_after_ms=200, elapsed_ms=BALANCED.window_ms))
    assert late is not None and late.verdict is AmdVerdict.NOTSURE


def test_silent_line_verdict_after_silent_line_ms() -> None:
    limit = BALANCED.silent_line_ms
    early = features(greeting_ms=0, speech_ms=0, silence_after_ms=0, initial_silence_ms=limit - 20)
    assert classify(early) is None
    decision = classify(features(greeting_ms=0, speech_ms=0, silence_after_ms=0, initial_silence_ms=limit))
    assert decision is not None and decision.verdict is AmdVerdict.HUMAN


def test_biases_order_the_greeting_limit_and_the_human_bias_ignores_asterisk_machine() -> None:
    human, balanced, machine = (thresholds_for(b) for b in ("human", "balanced", "machine"))
    assert human.machine_greeting_ms > balanced.machine_greeting_ms > machine.machine_greeting_ms
    long_one = features(greeting_ms=balanced.machine_greeting_ms + 100, silence_after_ms=0)
    assert classify(long_one, human) is None
    verdict = classify(long_one, machine)
    assert verdict is not None and verdict.verdict is AmdVerdict.MACHINE
    asterisk = features(silence_after_ms=0, asterisk_status="MACHINE")
    assert classify(asterisk, human) is None
    with pytest.raises(ValueError, match="balanced, human, machine"):
        thresholds_for("aggressive")


def test_voicemail_phrase_is_accent_insensitive() -> None:
    assert voicemail_phrase("APRES LE BIP sonore") == "apres le bip"
    assert voicemail_phrase("oui bonjour") is None


def feed(tracker: GreetingTracker, pattern: str) -> None:
    for char in pattern:
        tracker.observe(char == "#")


def test_greeting_tracker_ignores_clicks_and_joins_short_pauses() -> None:
    tracker = GreetingTracker(join_pause_ms=200)
    feed(tracker, "..#..##....")  # clicks of 1-2 frames: no greeting
    assert tracker.onset_ms is None
    feed(tracker, "#####...#####")  # 100 ms, a 60 ms pause, 100 ms: one greeting
    f = tracker.features()
    assert f.initial_silence_ms == 11 * FRAME_MS
    assert f.greeting_ms == 13 * FRAME_MS
    assert f.speech_ms == 10 * FRAME_MS
    feed(tracker, "." * 10 + "#####")  # a 200 ms pause closes it: later speech is not the greeting
    assert tracker.closed and tracker.features().greeting_ms == 13 * FRAME_MS


@pytest.mark.parametrize(
    "clip",
    [
        "tones/fr_ca_beep.wav",
        "tones/en_us_beep.wav",
        "greetings/fr_ca_voicemail_greeting_2.wav",
        "greetings/tts_fr_messagerie_jean_beep.wav",
    ],
)
def test_beep_detected_on_real_clips(clip: str) -> None:
    assert detect_beep(read_wav_16k(AUDIO_DIR / clip)) is not None


@pytest.mark.parametrize(
    "clip",
    [
        "human_fr/leopard_test_fr.wav",
        "noise/leopard_empty_noise.wav",
        "tts_fr/allo_oui.wav",
        "silence/asterisk_silence_5s.wav",
    ],
)
def test_no_beep_in_speech_or_noise(clip: str) -> None:
    assert detect_beep(read_wav_16k(AUDIO_DIR / clip)) is None


def tone(seconds: float, hz: float = 1000.0) -> bytes:
    t = np.arange(int(seconds * 16000)) / 16000
    return (6000 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def test_synthetic_1khz_tone_onset() -> None:
    assert detect_beep(bytes(16000) + tone(0.3)) == 500


def cue_time(frames: list[tuple[bool, float | None]], cue: VoicemailCue) -> int | None:
    for is_speech, hz in frames:
        if cue.observe(is_speech, hz):
            return cue.elapsed_ms
    return None


def test_voicemail_cue_waits_for_the_end_of_the_beep() -> None:
    greeting = [(True, None)] * 100 + [(False, None)] * 20  # 2 s of greeting, 400 ms gap
    beep = [(True, 1000.0)] * 20  # a 400 ms beep
    at = cue_time([*greeting, *beep, *[(False, None)] * 10], VoicemailCue())
    assert at == (100 + 20 + 20 + 1) * FRAME_MS


def test_voicemail_cue_without_a_beep_waits_for_silence_after_the_greeting() -> None:
    cue = VoicemailCue(silence_ms=1000)
    pause = [(False, None)] * 40  # an 800 ms pause inside the greeting does not end it
    at = cue_time([*[(True, None)] * 50, *pause, *[(True, None)] * 50, *[(False, None)] * 100], cue)
    assert at == (50 + 40 + 50 + 50) * FRAME_MS
    assert "1000 ms of silence" in cue.reason


def test_a_beep_after_the_silence_takes_the_cue_back_until_it_ends() -> None:
    cue = VoicemailCue(silence_ms=1000)
    assert cue_time([*[(True, None)] * 50, *[(False, None)] * 50], cue) == 100 * FRAME_MS
    assert not cue.observe(True, 1000.0)  # the beep comes late: not now
    assert cue_time([*[(True, 1000.0)] * 19, (False, None)], cue) == 121 * FRAME_MS
    assert cue.reason == f"after the beep at {100 * FRAME_MS} ms"


def test_voicemail_cue_is_bounded() -> None:
    cue = VoicemailCue(max_wait_ms=2000)
    assert cue_time([(True, None)] * 500, cue) == 2000  # music on hold never stops


@pytest.mark.parametrize(
    "clip",
    [
        "greetings/fr_ca_voicemail_greeting_1.wav",
        "greetings/fr_ca_voicemail_greeting_2.wav",
        "greetings/fr_fr_voicemail_greeting_armelle.wav",
        "greetings/en_us_voicemail_greeting.wav",
        "greetings/tts_fr_messagerie_jean_beep.wav",
        "fr_ca_prompts/vm-intro.wav",
        "fr_fr_prompts/vm-intro.wav",
        "fr_ca_prompts/vm-rec-busy.wav",
        "tones/fr_ca_beep.wav",
        "noise/moh_macroform_cold_day_20s.wav",
    ],
)
def test_voicemail_greetings_are_machine(clip: str) -> None:
    assert classify_clip(AUDIO_DIR / clip).verdict == "machine"


@pytest.mark.parametrize(
    "clip",
    [
        "human_fr/wt_bonjour.wav",
        "human_fr/porcupine_mon_chouchou.wav",
        "tts_fr/allo_oui.wav",
        "tts_fr/oui_interesse.wav",
        "fr_ca_prompts/hello.wav",
        "en_us_prompts/hello.wav",
        "silence/asterisk_silence_5s.wav",
        "noise/leopard_empty_noise.wav",
    ],
)
def test_short_live_answers_and_silent_lines_are_human(clip: str) -> None:
    assert classify_clip(AUDIO_DIR / clip).verdict == "human"


def test_detector_decides_once_on_the_frame_clock() -> None:
    detector = AmdDetector()
    allo = [(True, None)] * 30  # "Allô ?" 600 ms
    decisions = [detector.observe(s, hz) for s, hz in [*allo, *[(False, None)] * 200]]
    made = [d for d in decisions if d is not None]
    assert len(made) == 1 and made[0].verdict is AmdVerdict.HUMAN
    assert detector.decided_at_ms == 30 * FRAME_MS + BALANCED.human_silence_ms


def test_a_beep_soon_after_a_human_verdict_revises_it_to_machine() -> None:
    detector = AmdDetector()
    for is_speech in [True] * 30 + [False] * (BALANCED.human_silence_ms // FRAME_MS):  # "Vous pouvez parler."
        detector.observe(is_speech, None)
    assert detector.decision is not None and detector.decision.verdict is AmdVerdict.HUMAN
    revised = [detector.observe(True, 1000.0) for _ in range(10)]
    machine = [d for d in revised if d is not None]
    assert len(machine) == 1 and machine[0].verdict is AmdVerdict.MACHINE
    assert machine[0].reason.startswith("beep tone at") and "after short greeting" in machine[0].reason
    assert not detector.listening


def test_a_human_verdict_is_final_after_the_late_beep_window() -> None:
    detector = AmdDetector()
    for is_speech in [True] * 30 + [False] * (BALANCED.human_silence_ms // FRAME_MS):
        detector.observe(is_speech, None)
    decided = detector.decided_at_ms
    assert decided is not None
    while detector.listening:
        detector.observe(False, None)
    assert detector.greeting.elapsed_ms == decided + LATE_BEEP_MS
    assert [detector.observe(True, 1000.0) for _ in range(10)] == [None] * 10
    assert detector.decision is not None and detector.decision.verdict is AmdVerdict.HUMAN


def test_asterisk_status_feeds_the_verdict() -> None:
    detector = AmdDetector("balanced", "MACHINE", "MAXWORDS-3-2")
    decision = detector.observe(False, None)
    assert decision is not None and decision.verdict is AmdVerdict.MACHINE
    assert "MAXWORDS-3-2" in decision.reason
