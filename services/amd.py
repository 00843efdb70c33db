"""Hybrid answering-machine detection: features from the first seconds, a pure verdict function.

Evidence, strongest first: a steady beep tone, voicemail words in the transcript, Asterisk's own AMD
result (AMDSTATUS/AMDCAUSE), a long uninterrupted greeting, many words. A short greeting followed by
silence is a human waiting for an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from services.media.frames import FRAME_MS, SAMPLE_RATE, pcm_to_samples
from services.vad import SpeechEnd, SpeechStart, VadSegmenter, normalize_words

# Named thresholds
GREETING_MACHINE_MS = 2500  # continuous speech longer than this is a recorded greeting
MAX_HUMAN_WORDS = 6  # a live answer is short ("allô oui ?", "bonjour, c'est Paul")
MIN_HUMAN_SPEECH_MS = 200  # less speech than this is no answer at all
GREETING_END_SILENCE_MS = (
    700  # pause that ends the greeting (voicemail prompts pause less; a live callee waits)
)
BEEP_MIN_MS = 160  # steady tone length that counts as a beep (8 frames of 20 ms)
BEEP_MIN_HZ = 350
BEEP_MAX_HZ = 2500
BEEP_TONALITY = 0.9  # share of the frame's energy around the peak frequency
BEEP_MIN_RMS = 300.0  # about -40 dBFS
BEEP_MAX_DRIFT_HZ = 20.0  # from the first frame of the run: a sweep is not a beep

# Voicemail phrases (accent-free, as produced by normalize_words); user-facing French kept in one place.
VOICEMAIL_PHRASES = (
    "laissez votre message",
    "laissez un message",
    "apres le bip",
    "apres le signal",
    "messagerie",
    "repondeur",
    "boite vocale",
    "n est pas disponible",
    "pas disponible pour le moment",
    "rappeler plus tard",
    "n est pas en service",
)


class AmdVerdict(Enum):
    """Who answered."""

    HUMAN = "human"
    MACHINE = "machine"
    NOTSURE = "notsure"


@dataclass(frozen=True)
class AmdFeatures:
    """What is known after the first seconds of a call."""

    initial_silence_ms: int
    greeting_ms: int  # first continuous speech segment (0 when nobody spoke)
    speech_ms: int  # all speech in the window
    greeting_ended: bool  # the greeting was followed by a pause (the callee waits)
    words: int = 0
    transcript: str = ""
    beep: bool = False
    asterisk_status: str = ""  # AMDSTATUS: HUMAN | MACHINE | NOTSURE | HANGUP
    asterisk_cause: str = ""  # AMDCAUSE, e.g. "LONGGREETING-2000-2000"


@dataclass(frozen=True)
class AmdDecision:
    """A verdict and the evidence that decided it."""

    verdict: AmdVerdict
    reason: str


def voicemail_phrase(transcript: str) -> str | None:
    """The first voicemail phrase found in a transcript (accent- and case-insensitive)."""
    text = " ".join(normalize_words(transcript))
    return next((p for p in VOICEMAIL_PHRASES if f" {p} " in f" {text} "), None)


def classify(features: AmdFeatures) -> AmdDecision:
    """The AMD verdict for these features (pure)."""
    if features.beep:
        return AmdDecision(AmdVerdict.MACHINE, "beep tone")
    phrase = voicemail_phrase(features.transcript)
    if phrase is not None:
        return AmdDecision(AmdVerdict.MACHINE, f"voicemail words: {phrase!r}")
    status = features.asterisk_status.upper()
    if status == "MACHINE":
        return AmdDecision(AmdVerdict.MACHINE, f"Asterisk AMD: {features.asterisk_cause or 'MACHINE'}")
    if features.greeting_ms > GREETING_MACHINE_MS:
        return AmdDecision(AmdVerdict.MACHINE, f"long greeting ({features.greeting_ms} ms)")
    if features.words > MAX_HUMAN_WORDS:
        return AmdDecision(AmdVerdict.MACHINE, f"{features.words} words in the greeting")
    if features.speech_ms < MIN_HUMAN_SPEECH_MS:
        return AmdDecision(AmdVerdict.NOTSURE, f"no speech after {features.initial_silence_ms} ms")
    if status == "HUMAN" or features.greeting_ended:
        return AmdDecision(AmdVerdict.HUMAN, f"short greeting ({features.greeting_ms} ms) then silence")
    return AmdDecision(AmdVerdict.NOTSURE, "greeting still going")


class BeepDetector:
    """Streaming detector of a steady tone (a voicemail beep) on 16 kHz frames."""

    def __init__(self, min_ms: int = BEEP_MIN_MS) -> None:
        self._needed = max(1, min_ms // FRAME_MS)
        self._run = 0
        self._freq = 0.0
        self._window = np.hanning(SAMPLE_RATE * FRAME_MS // 1000)
        self.detected_at_ms: int | None = None
        self._now_ms = 0

    def process(self, frame: bytes) -> bool:
        """Feed one 20 ms frame; True once a beep has been heard."""
        self._now_ms += FRAME_MS
        if self.detected_at_ms is not None:
            return True
        freq = tone_frequency(frame, self._window)
        if freq is not None and (self._run == 0 or abs(freq - self._freq) <= BEEP_MAX_DRIFT_HZ):
            self._run, self._freq = self._run + 1, self._freq if self._run else freq
        else:
            self._run, self._freq = (1, freq) if freq is not None else (0, 0.0)
        if self._run >= self._needed:
            self.detected_at_ms = self._now_ms - self._run * FRAME_MS
            return True
        return False


def tone_frequency(frame: bytes, window: np.ndarray | None = None) -> float | None:
    """The frequency of a frame when it is a loud, nearly pure tone in the beep band, else None."""
    samples = pcm_to_samples(frame).astype(np.float64)
    if len(samples) == 0 or float(np.sqrt(np.mean(samples**2))) < BEEP_MIN_RMS:
        return None
    weights = window if window is not None and len(window) == len(samples) else np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(samples * weights, n=2048)) ** 2
    freqs = np.fft.rfftfreq(2048, 1 / SAMPLE_RATE)
    peak = int(np.argmax(spectrum))
    near = spectrum[max(0, peak - 12) : peak + 13].sum()
    if not BEEP_MIN_HZ <= freqs[peak] <= BEEP_MAX_HZ or near / spectrum.sum() < BEEP_TONALITY:
        return None
    return float(freqs[peak])


def detect_beep(pcm: bytes) -> int | None:
    """Onset (ms) of the first beep in a whole recording, or None."""
    detector = BeepDetector()
    for start in range(0, len(pcm) - 639, 640):
        if detector.process(pcm[start : start + 640]):
            return detector.detected_at_ms
    return None


class AmdTracker:
    """Collects AMD features from the call's first seconds (VAD decisions + beep detector)."""

    def __init__(self) -> None:
        self._segmenter = VadSegmenter(onset_ms=60, end_silence_ms=GREETING_END_SILENCE_MS)
        self._beep = BeepDetector()
        self._first_start: int | None = None
        self._greeting_ms: int | None = None
        self._speech_ms = 0
        self.elapsed_ms = 0

    def process(self, frame: bytes, is_speech: bool) -> None:
        """Feed one 20 ms caller frame and its VAD decision."""
        self._beep.process(frame)
        self.elapsed_ms += FRAME_MS
        self._speech_ms += FRAME_MS if is_speech else 0
        event = self._segmenter.process(FRAME_MS, is_speech)
        if isinstance(event, SpeechStart) and self._first_start is None:
            self._first_start = event.at_ms
        elif isinstance(event, SpeechEnd) and self._greeting_ms is None:
            self._greeting_ms = event.duration_ms

    def features(
        self, transcript: str = "", asterisk_status: str = "", asterisk_cause: str = ""
    ) -> AmdFeatures:
        """Features so far (a greeting still going counts up to now)."""
        start = self._first_start
        greeting = self._greeting_ms
        if greeting is None:
            greeting = 0 if start is None else self.elapsed_ms - start
        return AmdFeatures(
            initial_silence_ms=self.elapsed_ms if start is None else start,
            greeting_ms=greeting,
            speech_ms=self._speech_ms,
            greeting_ended=self._greeting_ms is not None,
            words=len(normalize_words(transcript)),
            transcript=transcript,
            beep=self._beep.detected_at_ms is not None,
            asterisk_status=asterisk_status,
            asterisk_cause=asterisk_cause,
        )
