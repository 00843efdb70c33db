"""Voice activity: webrtcvad wrapper, a pure speech segmenter and a pure barge-in detector.

The segmenter and the barge-in detector take ``(frame_ms, is_speech)`` booleans and return events, so
they are tested without audio. `WebRtcVad` turns 16 kHz frames into those booleans.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import webrtcvad

from services.errors import ConfigError
from services.media.frames import SAMPLE_RATE, SAMPLE_WIDTH, Reframer

# Phone-conversation defaults (ms)
ONSET_MS = 120  # voiced time before SpeechStart
END_SILENCE_MS = 650  # silence that ends a turn; shorter pauses keep the caller's turn open
BARGE_IN_MIN_SPEECH_MS = 200  # speech needed before ASR words can confirm a barge-in
BARGE_IN_SPEECH_ONLY_MS = 600  # speech that barges in without any ASR word (longer than backchannels)
BARGE_IN_RESET_GAP_MS = 60  # a pause this long ends a caller burst (a breath, then "oui": two bursts)

# User-facing French word lists, kept in one place.
INTERRUPT_WORDS = frozenset({"stop", "non", "attendez", "arretez", "arrete", "attends", "stoppez"})
BACKCHANNEL_WORDS = frozenset(
    {"mm", "mmh", "hmm", "hum", "oui", "ouais", "d", "accord", "ok", "okay", "ah", "euh"}
)


class VadState(Enum):
    """Segmenter states."""

    QUIET = "quiet"
    STARTING = "starting"
    SPEAKING = "speaking"
    STOPPING = "stopping"


@dataclass(frozen=True)
class SpeechStart:
    """The caller started speaking at ``at_ms`` (stream time of the first voiced frame)."""

    at_ms: int


@dataclass(frozen=True)
class SpeechEnd:
    """The caller stopped at ``at_ms`` (start of the closing silence) after speaking ``duration_ms``."""

    at_ms: int
    duration_ms: int


VadEvent = SpeechStart | SpeechEnd


@dataclass
class VadSegmenter:
    """QUIET -> STARTING -> SPEAKING -> STOPPING state machine over voiced/unvoiced frames."""

    onset_ms: int = ONSET_MS
    end_silence_ms: int = END_SILENCE_MS
    state: VadState = VadState.QUIET
    now_ms: int = 0
    _voiced_ms: int = 0
    _silence_ms: int = 0
    _start_ms: int = 0

    def process(self, frame_ms: int, is_speech: bool) -> VadEvent | None:
        """Feed one frame's decision; returns an event on a transition."""
        frame_start = self.now_ms
        self.now_ms += frame_ms
        if self.state is VadState.QUIET:
            if is_speech:
                self.state, self._voiced_ms, self._start_ms = VadState.STARTING, 0, frame_start
                return self._count_onset(frame_ms)
            return None
        if self.state is VadState.STARTING:
            if not is_speech:
                self.state = VadState.QUIET  # a click, not speech
                return None
            return self._count_onset(frame_ms)
        if is_speech:
            self.state, self._silence_ms = VadState.SPEAKING, 0  # a short pause: still talking
            return None
        if self.state is VadState.SPEAKING:
            self.state, self._silence_ms = VadState.STOPPING, 0
        self._silence_ms += frame_ms
        if self._silence_ms >= self.end_silence_ms:
            self.state = VadState.QUIET
            end = self.now_ms - self._silence_ms
            return SpeechEnd(at_ms=end, duration_ms=end - self._start_ms)
        return None

    def _count_onset(self, frame_ms: int) -> VadEvent | None:
        self._voiced_ms += frame_ms
        if self._voiced_ms >= self.onset_ms:
            self.state = VadState.SPEAKING
            return SpeechStart(at_ms=self._start_ms)
        return None


def normalize_words(text: str) -> list[str]:
    """Lower-case, accent-free words (apostrophes split: "d'accord" -> ["d", "accord"])."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", plain)


@dataclass
class BargeInDetector:
    """Decides when caller speech during bot playback must interrupt the bot.

    Interrupts at once when an ASR partial holds an interrupt word ("stop", "non", "attendez"...);
    after ``min_speech_ms`` of speech when the partial holds other words than backchannels; after
    ``speech_only_ms`` of voiced frames when ASR gave nothing usable. A pause of ``reset_gap_ms``
    ends a burst; with words, the burst's length from its onset counts (its short gaps included),
    without words only its voiced frames do, so that noisy lines need more evidence. Backchannels
    ("oui", "mm", "d'accord", "hum") are shorter than ``speech_only_ms`` and so never interrupt on
    their own.
    """

    min_speech_ms: int = BARGE_IN_MIN_SPEECH_MS
    speech_only_ms: int = BARGE_IN_SPEECH_ONLY_MS
    reset_gap_ms: int = BARGE_IN_RESET_GAP_MS
    interrupt_words: frozenset[str] = INTERRUPT_WORDS
    backchannel_words: frozenset[str] = BACKCHANNEL_WORDS
    bot_speaking: bool = False
    _burst_ms: int = 0  # onset to now, short gaps included
    _voiced_ms: int = 0  # voiced frames only
    _gap_ms: int = 0
    _words: list[str] = field(default_factory=list)

    def set_bot_speaking(self, speaking: bool) -> None:
        """Bot playback started or stopped; resets the current burst."""
        self.bot_speaking = speaking
        self._reset()

    def on_frame(self, frame_ms: int, is_speech: bool) -> bool:
        """Feed a VAD decision; True when the bot must stop now."""
        if not self.bot_speaking:
            return False
        if is_speech:
            self._burst_ms += self._gap_ms + frame_ms
            self._voiced_ms += frame_ms
            self._gap_ms = 0
        else:
            self._gap_ms += frame_ms
            if self._gap_ms >= self.reset_gap_ms:
                self._reset()
        return self._decide()

    def on_partial(self, text: str) -> bool:
        """Feed the latest ASR partial of the current burst; True when the bot must stop now."""
        if not self.bot_speaking:
            return False
        self._words = normalize_words(text)
        return self._decide()

    def _decide(self) -> bool:
        if any(word in self.interrupt_words for word in self._words):
            return self._fire()
        content = [w for w in self._words if w not in self.backchannel_words]
        if content and self._burst_ms >= self.min_speech_ms:
            return self._fire()
        if self._voiced_ms >= self.speech_only_ms and (content or not self._words):
            return self._fire()
        return False

    def _fire(self) -> bool:
        self.bot_speaking = False
        self._reset()
        return True

    def _reset(self) -> None:
        self._burst_ms, self._voiced_ms, self._gap_ms, self._words = 0, 0, 0, []


class NoiseGate:
    """Tracks the background level (fast down, slow up) and keeps only frames clearly above it.

    webrtcvad alone calls steady line noise "speech"; requiring ``margin`` x the noise floor (and an
    absolute minimum level, which also rejects faint echo of the bot) removes that.
    """

    def __init__(self, margin: float = 2.0, rise_per_frame: float = 1.005, min_rms: float = 200.0) -> None:
        self.margin = margin
        self.rise = rise_per_frame
        self.min_rms = min_rms
        self.floor: float | None = None

    def passes(self, frame: bytes) -> bool:
        """Update the floor with this frame; True when the frame is loud enough to be speech."""
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        rms = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
        self.floor = rms if self.floor is None or rms < self.floor else self.floor * self.rise
        self.floor = max(self.floor, 1.0)
        return rms >= self.min_rms and rms >= self.margin * self.floor


class WebRtcVad:
    """webrtcvad on 16 kHz LE frames: decisions per ``frame_ms`` (10, 20 or 30 ms), behind a noise gate."""

    def __init__(
        self, aggressiveness: int = 2, frame_ms: int = 20, noise_gate: NoiseGate | None = None
    ) -> None:
        if aggressiveness not in range(4):
            raise ConfigError(
                f"VAD aggressiveness must be 0-3, got {aggressiveness} (MINIBOT_VAD_AGGRESSIVENESS)"
            )
        if frame_ms not in (10, 20, 30):
            raise ConfigError(f"VAD frame must be 10, 20 or 30 ms, got {frame_ms}")
        self.frame_ms = frame_ms
        self._vad = webrtcvad.Vad(aggressiveness)
        self._gate = noise_gate if noise_gate is not None else NoiseGate()
        self._reframer = Reframer(SAMPLE_RATE * frame_ms // 1000 * SAMPLE_WIDTH)

    def classify(self, pcm: bytes) -> list[bool]:
        """Decisions for every whole VAD frame now available (leftover kept for the next call)."""
        return [
            self._gate.passes(f) and bool(self._vad.is_speech(f, SAMPLE_RATE))
            for f in self._reframer.feed(pcm)
        ]


class VadStream:
    """A VAD + segmenter pair for one call."""

    def __init__(self, vad: WebRtcVad, segmenter: VadSegmenter | None = None) -> None:
        self.vad = vad
        self.segmenter = segmenter or VadSegmenter()

    def process(self, pcm: bytes) -> list[tuple[bool, VadEvent | None]]:
        """Per VAD frame: (is_speech, event or None)."""
        return [(s, self.segmenter.process(self.vad.frame_ms, s)) for s in self.vad.classify(pcm)]
