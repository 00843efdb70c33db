"""AMD: pure verdicts on features, beep detector and tracker on real clips."""

from __future__ import annotations

import numpy as np
import pytest

from services.amd import AmdFeatures, AmdTracker, AmdVerdict, classify, detect_beep, voicemail_phrase
from services.media.frames import frames_of, read_wav_16k
from services.vad import WebRtcVad
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit


def features(**kw: object) -> AmdFeatures:
    base: dict[str, object] = {
        "initial_silence_ms": 300,
        "greeting_ms": 800,
        "speech_ms": 800,
        "greeting_ended": True,
    }
    base.update(kw)
    return AmdFeatures(**base)  # type: ignore[arg-type]


def test_short_greeting_then_silence_is_human() -> None:
    assert classify(features()).verdict is AmdVerdict.HUMAN


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"beep": True}, "beep"),
        ({"transcript": "Vous êtes bien sur la messagerie de Jean"}, "messagerie"),
        ({"transcript": "Laissez votre message après le bip"}, "laissez votre message"),
        ({"transcript": "Paul n'est pas disponible"}, "n est pas disponible"),
        ({"greeting_ms": 3000, "greeting_ended": False}, "long greeting"),
        ({"words": 9}, "9 words"),
        ({"asterisk_status": "MACHINE", "asterisk_cause": "LONGGREETING-2000-2000"}, "LONGGREETING"),
    ],
)
def test_machine_evidence(kw: dict[str, object], reason: str) -> None:
    decision = classify(features(**kw))
    assert decision.verdict is AmdVerdict.MACHINE
    assert reason in decision.reason


def test_no_speech_is_notsure_and_ongoing_greeting_is_notsure() -> None:
    assert classify(features(speech_ms=0, greeting_ms=0, greeting_ended=False)).verdict is AmdVerdict.NOTSURE
    assert classify(features(greeting_ms=1500, greeting_ended=False)).verdict is AmdVerdict.NOTSURE
    assert classify(features(greeting_ended=False, asterisk_status="HUMAN")).verdict is AmdVerdict.HUMAN


def test_voicemail_phrase_is_accent_insensitive() -> None:
    assert voicemail_phrase("APRES LE BIP sonore") == "apres le bip"
    assert voicemail_phrase("oui bonjour") is None


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


def test_synthetic_1khz_tone_onset() -> None:
    t = np.arange(int(0.3 * 16000)) / 16000
    tone = (6000 * np.sin(2 * np.pi * 1000 * t)).astype("<i2").tobytes()
    assert detect_beep(bytes(16000) + tone) == 500


def verdict_of(clip: str, window_s: float = 5.0) -> AmdVerdict:
    pcm = read_wav_16k(AUDIO_DIR / clip)[: int(32000 * window_s)] + bytes(32000)
    vad, tracker = WebRtcVad(2), AmdTracker()
    for frame in frames_of(pcm):
        tracker.process(frame, vad.classify(frame)[0])
    return classify(tracker.features()).verdict


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
        "fr_ca_prompts/vm-mailboxfull.wav",
    ],
)
def test_voicemail_greetings_are_machine(clip: str) -> None:
    assert verdict_of(clip) is AmdVerdict.MACHINE


@pytest.mark.parametrize(
    "clip",
    [
        "human_fr/wt_bonjour.wav",
        "human_fr/porcupine_mon_chouchou.wav",
        "tts_fr/allo_oui.wav",
        "tts_fr/oui_interesse.wav",
        "fr_ca_prompts/hello.wav",
        "en_us_prompts/hello.wav",
    ],
)
def test_short_live_answers_are_human(clip: str) -> None:
    assert verdict_of(clip) is AmdVerdict.HUMAN
