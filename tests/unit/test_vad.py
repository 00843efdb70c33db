"""VAD segmenter and barge-in detector on boolean streams; webrtcvad on real audio."""

from __future__ import annotations

import pytest

from services.errors import ConfigError
from services.media.frames import read_wav_16k
from services.vad import (
    BargeInDetector,
    SpeechEnd,
    SpeechStart,
    VadEvent,
    VadSegmenter,
    VadState,
    VadStream,
    WebRtcVad,
    normalize_words,
)
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit


def run(segmenter: VadSegmenter, pattern: str, frame_ms: int = 20) -> list[VadEvent]:
    """Pattern of '#' (speech) and '.' (silence), one char per frame."""
    events = [segmenter.process(frame_ms, c == "#") for c in pattern]
    return [e for e in events if e is not None]


def test_onset_after_120_ms_and_end_after_silence() -> None:
    seg = VadSegmenter(onset_ms=120, end_silence_ms=600)
    events = run(seg, "..." + "#" * 20 + "." * 30)
    assert events == [SpeechStart(at_ms=60), SpeechEnd(at_ms=460, duration_ms=400)]
    assert seg.state is VadState.QUIET


def test_short_click_is_not_speech() -> None:
    seg = VadSegmenter(onset_ms=120)
    assert run(seg, "##...##..." * 5) == []


def test_pause_shorter_than_end_silence_keeps_the_turn() -> None:
    seg = VadSegmenter(onset_ms=120, end_silence_ms=600)
    events = run(seg, "#" * 10 + "." * 25 + "#" * 10 + "." * 30)  # 500 ms pause < 600
    assert events == [SpeechStart(at_ms=0), SpeechEnd(at_ms=900, duration_ms=900)]


def test_states_walk_through_starting_and_stopping() -> None:
    seg = VadSegmenter(onset_ms=60, end_silence_ms=100)
    states = []
    for c in "####...":
        seg.process(20, c == "#")
        states.append(seg.state)
    assert states[0] is VadState.STARTING and states[3] is VadState.SPEAKING
    assert states[4] is VadState.STOPPING and states[-1] is VadState.STOPPING


def test_barge_in_ignored_while_bot_is_silent() -> None:
    det = BargeInDetector()
    assert not any(det.on_frame(20, True) for _ in range(100))


def test_barge_in_on_long_speech_only() -> None:
    det = BargeInDetector(speech_only_ms=600)
    det.set_bot_speaking(True)
    decisions = [det.on_frame(20, True) for _ in range(40)]
    assert decisions.index(True) == 29  # 600 ms
    assert not det.bot_speaking


@pytest.mark.parametrize("word", ["oui", "mm", "d'accord", "hum", "Ouais"])
def test_backchannels_never_interrupt(word: str) -> None:
    det = BargeInDetector()
    det.set_bot_speaking(True)
    fired = [det.on_frame(20, True) for _ in range(20)]  # 400 ms
    fired.append(det.on_partial(word))
    fired += [det.on_frame(20, False) for _ in range(20)]
    assert not any(fired)


def test_interrupt_word_fires_at_once() -> None:
    det = BargeInDetector()
    det.set_bot_speaking(True)
    det.on_frame(20, True)
    assert det.on_partial("attendez")
    det.set_bot_speaking(True)
    assert det.on_partial("Arrêtez s'il vous plaît")


def test_content_words_fire_after_min_speech() -> None:
    det = BargeInDetector(min_speech_ms=200)
    det.set_bot_speaking(True)
    assert not det.on_partial("je voudrais")
    decisions = [det.on_frame(20, True) for _ in range(12)]
    assert decisions.index(True) == 9  # 200 ms


def test_short_gaps_inside_a_worded_burst_count_toward_min_speech() -> None:
    # 140 ms voiced, a 40 ms gap (shorter than the reset gap), then voiced again: with content
    # words the burst is 200 ms long at its 10th frame, gap included
    det = BargeInDetector(min_speech_ms=200, reset_gap_ms=60)
    det.set_bot_speaking(True)
    assert not det.on_partial("je voudrais savoir")
    pattern = [True] * 7 + [False] * 2 + [True] * 5
    decisions = [det.on_frame(20, voiced) for voiced in pattern]
    assert decisions.index(True) == 9


def test_speech_only_path_counts_voiced_frames_not_gaps() -> None:
    det = BargeInDetector(speech_only_ms=200, reset_gap_ms=60)
    det.set_bot_speaking(True)
    pattern = [True] * 7 + [False] * 2 + [True] * 5
    decisions = [det.on_frame(20, voiced) for voiced in pattern]
    assert decisions.index(True) == 11  # 10 voiced frames: 7 + 3 after the gap


def test_silence_gap_resets_the_burst() -> None:
    det = BargeInDetector(speech_only_ms=600, reset_gap_ms=300)
    det.set_bot_speaking(True)
    pattern = ("#" * 20 + "." * 16) * 4  # 400 ms bursts, 320 ms gaps
    assert not any(det.on_frame(20, c == "#") for c in pattern)


def test_normalize_words_strips_accents_and_apostrophes() -> None:
    assert normalize_words("D'accord, ARRÊTEZ !") == ["d", "accord", "arretez"]


def test_webrtcvad_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="aggressiveness"):
        WebRtcVad(aggressiveness=5)
    with pytest.raises(ConfigError, match="10, 20 or 30"):
        WebRtcVad(frame_ms=25)


@pytest.mark.parametrize("frame_ms", [10, 20, 30])
def test_real_speech_gives_one_turn_and_silence_none(frame_ms: int) -> None:
    speech = read_wav_16k(AUDIO_DIR / "human_fr" / "wt_bonjour.wav") + bytes(32000)
    stream = VadStream(WebRtcVad(2, frame_ms))
    events = [e for _, e in stream.process(speech) if e is not None]
    assert [type(e) for e in events] == [SpeechStart, SpeechEnd]
    start, end = events
    assert isinstance(start, SpeechStart) and isinstance(end, SpeechEnd)
    assert 0 <= start.at_ms < 600 and 300 < end.duration_ms < 1300
    silence = VadStream(WebRtcVad(3, frame_ms))
    assert all(
        e is None for _, e in silence.process(read_wav_16k(AUDIO_DIR / "silence" / "asterisk_silence_5s.wav"))
    )


def test_breath_then_backchannel_are_two_bursts() -> None:
    det = BargeInDetector()  # defaults: 600 ms speech-only gate, 60 ms pause ends a burst
    det.set_bot_speaking(True)
    pattern = "#" * 17 + "..." + "#" * 15  # 340 ms breath, 60 ms pause, 300 ms "oui"
    assert not any(det.on_frame(20, c == "#") for c in pattern)
