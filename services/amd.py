"""Hybrid answering-machine detection: per-frame evidence, a pure verdict, one detector per call.

Evidence, strongest first: a steady beep tone, voicemail words in the transcript, Asterisk's own
AMD result (AMDSTATUS/AMDCAUSE), a greeting that goes on (speech with only short pauses) longer
than a person answering talks, many words. A short greeting followed by a silence is a person waiting for
an answer; so is a line where nobody speaks. Time comes from the 20 ms frame clock: a frame that
did not arrive is fed as silence by the session, so a quiet callee never stretches the window.

The thresholds are named and grouped per campaign bias (`BIASES`): ``human`` never risks a person
for a voicemail, ``machine`` leaves more voicemails. Every decision carries its ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from services.media.frames import FRAME_MS, SAMPLE_RATE, pcm_to_samples
from services.vad import normalize_words

BEEP_MIN_MS = 160  # steady tone length that counts as a beep (8 frames of 20 ms)
BEEP_MIN_HZ = 350
BEEP_MAX_HZ = 2500
BEEP_TONALITY = 0.9  # share of the frame's energy around the peak frequency
BEEP_MIN_RMS = 300.0  # about -40 dBFS
BEEP_MAX_DRIFT_HZ = 20.0  # from the first frame of the run: a sweep is not a beep
ONSET_MS = 60  # voiced time that starts the greeting (shorter: a click)
WORD_LANGUAGES = ("fr", "en")  # ASR models whose words (phrases, counts) are AMD evidence

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
    "leave a message",
    "after the tone",
    "after the beep",
    "voicemail",
)


class AmdVerdict(Enum):
    """Who answered."""

    HUMAN = "human"
    MACHINE = "machine"
    NOTSURE = "notsure"


@dataclass(frozen=True)
class AmdThresholds:
    """The named limits of a verdict; one set per campaign bias."""

    machine_greeting_ms: int  # a greeting longer than this: a recording
    join_pause_ms: int  # a pause this long ends the greeting (shorter ones are inside it)
    human_silence_ms: int  # silence after a shorter greeting, no beep: a person waiting for an answer
    silent_line_ms: int  # nobody spoke this long after the answer: a person waiting (never a machine)
    max_human_words: int  # more words than this in the greeting (from ASR partials): a recording
    window_ms: int  # no verdict by then: notsure (the call goes on as with a person)
    trust_asterisk: bool  # Asterisk's MACHINE alone is enough


BIASES: dict[str, AmdThresholds] = {
    "balanced": AmdThresholds(
        machine_greeting_ms=5000,
        join_pause_ms=1000,
        human_silence_ms=1300,
        silent_line_ms=2500,
        max_human_words=9,
        window_ms=8000,
        trust_asterisk=True,
    ),
}
BIASES["human"] = replace(
    BIASES["balanced"], machine_greeting_ms=6000, max_human_words=12, trust_asterisk=False
)
BIASES["machine"] = replace(BIASES["balanced"], machine_greeting_ms=3400, max_human_words=7)
AMD_BIASES = tuple(BIASES)


def thresholds_for(bias: str) -> AmdThresholds:
    """The thresholds of a campaign bias (``human``, ``balanced`` or ``machine``)."""
    try:
        return BIASES[bias]
    except KeyError:
        raise ValueError(f"AMD bias must be one of {', '.join(AMD_BIASES)}, not {bias!r}") from None


@dataclass(frozen=True)
class AmdFeatures:
    """What is known at one instant of the call's first seconds."""

    elapsed_ms: int
    initial_silence_ms: int  # before the first speech (all of elapsed_ms when nobody spoke)
    greeting_ms: int  # first speech onset to the last speech frame of the greeting so far
    silence_after_ms: int  # silence since the greeting's last speech frame (0 while speaking)
    speech_ms: int  # voiced time in the greeting
    words: int = 0
    transcript: str = ""
    beep_at_ms: int | None = None
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


def classify(features: AmdFeatures, limits: AmdThresholds = BIASES["balanced"]) -> AmdDecision | None:
    """The verdict these features support, or None while the evidence is still coming (pure)."""
    f = features
    if f.beep_at_ms is not None:
        return AmdDecision(AmdVerdict.MACHINE, f"beep tone at {f.beep_at_ms} ms")
    phrase = voicemail_phrase(f.transcript)
    if phrase is not None:
        return AmdDecision(AmdVerdict.MACHINE, f"voicemail words: {phrase!r}")
    status = f.asterisk_status.upper()
    if status == "MACHINE" and limits.trust_asterisk:
        return AmdDecision(AmdVerdict.MACHINE, f"Asterisk AMD: MACHINE {f.asterisk_cause}".rstrip())
    if f.greeting_ms > limits.machine_greeting_ms:
        return AmdDecision(AmdVerdict.MACHINE, f"greeting longer than {limits.machine_greeting_ms} ms")
    if f.words > limits.max_human_words:
        return AmdDecision(AmdVerdict.MACHINE, f"{f.words} words in the greeting")
    if f.greeting_ms and f.silence_after_ms >= limits.human_silence_ms:
        return AmdDecision(
            AmdVerdict.HUMAN, f"short greeting ({f.greeting_ms} ms) then {f.silence_after_ms} ms of silence"
        )
    if not f.greeting_ms and f.initial_silence_ms >= limits.silent_line_ms:
        return AmdDecision(AmdVerdict.HUMAN, f"nobody spoke for {f.initial_silence_ms} ms: a person waiting")
    if status == "HUMAN" and f.greeting_ms:
        return AmdDecision(AmdVerdict.HUMAN, f"Asterisk AMD: HUMAN {f.asterisk_cause}".rstrip())
    if f.elapsed_ms >= limits.window_ms:
        return AmdDecision(AmdVerdict.NOTSURE, f"no clear evidence after {f.elapsed_ms} ms")
    return None


class BeepDetector:
    """Streaming detector of a steady tone (a voicemail beep), fed one tone measure per 20 ms frame."""

    def __init__(self, min_ms: int = BEEP_MIN_MS) -> None:
        self._needed = max(1, min_ms // FRAME_MS)
        self._run = 0
        self._freq = 0.0
        self._now_ms = 0
        self.detected_at_ms: int | None = None

    def observe(self, freq: float | None) -> bool:
        """Feed one frame's tone frequency (None: no tone); True once a beep has been heard."""
        self._now_ms += FRAME_MS
        if self.detected_at_ms is not None:
            return True
        if freq is not None and (self._run == 0 or abs(freq - self._freq) <= BEEP_MAX_DRIFT_HZ):
            self._run, self._freq = self._run + 1, self._freq if self._run else freq
        else:
            self._run, self._freq = (1, freq) if freq is not None else (0, 0.0)
        if self._run >= self._needed:
            self.detected_at_ms = self._now_ms - self._run * FRAME_MS
            return True
        return False


_WINDOW = np.hanning(SAMPLE_RATE * FRAME_MS // 1000)


def tone_frequency(frame: bytes) -> float | None:
    """The frequency of a frame when it is a loud, nearly pure tone in the beep band, else None."""
    samples = pcm_to_samples(frame).astype(np.float64)
    if len(samples) == 0 or float(np.sqrt(np.mean(samples**2))) < BEEP_MIN_RMS:
        return None
    weights = _WINDOW if len(_WINDOW) == len(samples) else np.hanning(len(samples))
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
        if detector.observe(tone_frequency(pcm[start : start + 640])):
            return detector.detected_at_ms
    return None


class GreetingTracker:
    """Speech/silence pattern of the greeting: onset, last speech, voiced time (pure, per frame).

    Only voiced runs of at least ``ONSET_MS`` count as speech, so clicks and noise bursts of one or
    two frames neither start a greeting nor keep it going.
    """

    def __init__(self, join_pause_ms: int) -> None:
        self.join_pause_ms = join_pause_ms
        self.elapsed_ms = 0
        self.onset_ms: int | None = None
        self.last_speech_ms = 0  # end of the greeting's last voiced run
        self.speech_ms = 0
        self._run_ms = 0  # current voiced run
        self.closed = False  # a pause of join_pause_ms ended the greeting

    def observe(self, is_speech: bool) -> None:
        """Feed one frame's VAD decision."""
        self.elapsed_ms += FRAME_MS
        if self.closed:
            return
        self._run_ms = self._run_ms + FRAME_MS if is_speech else 0
        if self._run_ms >= ONSET_MS:
            if self.onset_ms is None:
                self.onset_ms = self.elapsed_ms - self._run_ms
            self.speech_ms += self._run_ms if self._run_ms == ONSET_MS else FRAME_MS
            self.last_speech_ms = self.elapsed_ms
        elif self.onset_ms is not None and self.elapsed_ms - self.last_speech_ms >= self.join_pause_ms:
            self.closed = True

    def features(self, **extra: object) -> AmdFeatures:
        """Features at this instant."""
        onset = self.onset_ms
        return AmdFeatures(
            elapsed_ms=self.elapsed_ms,
            initial_silence_ms=self.elapsed_ms if onset is None else onset,
            greeting_ms=0 if onset is None else self.last_speech_ms - onset,
            silence_after_ms=0 if onset is None else self.elapsed_ms - self.last_speech_ms,
            speech_ms=self.speech_ms,
            **extra,  # type: ignore[arg-type]
        )


LATE_BEEP_MS = 4000  # a beep this soon after a human verdict turns it into a machine one


class AmdDetector:
    """The AMD of one call: fed every 20 ms frame (with its VAD decision), it decides once, and a
    human verdict is revised to machine if a beep follows within ``LATE_BEEP_MS`` (a short voicemail
    greeting whose beep came late). ``listening`` says when it no longer needs frames.

    The same object runs in live calls (`calls.conversation`) and in ``minibot amd eval``.
    """

    def __init__(self, bias: str = "balanced", asterisk_status: str = "", asterisk_cause: str = "") -> None:
        self.limits = thresholds_for(bias)
        self.asterisk_status = asterisk_status
        self.asterisk_cause = asterisk_cause
        self.greeting = GreetingTracker(self.limits.join_pause_ms)
        self.beep = BeepDetector()
        self.decision: AmdDecision | None = None
        self.decided_at_ms: int | None = None

    @property
    def listening(self) -> bool:
        """Still deciding, or a human verdict that a late beep may still revise."""
        if self.decision is None or self.decided_at_ms is None:
            return True
        human = self.decision.verdict is AmdVerdict.HUMAN
        return human and self.greeting.elapsed_ms < self.decided_at_ms + LATE_BEEP_MS

    def process(self, frame: bytes, is_speech: bool, transcript: str = "") -> AmdDecision | None:
        """Feed one caller frame; a decision on the frame that makes (or revises) it, else None."""
        return self.observe(is_speech, tone_frequency(frame), transcript)

    def observe(self, is_speech: bool, tone_hz: float | None, transcript: str = "") -> AmdDecision | None:
        """Feed one frame's measures (VAD decision, tone); see `process`."""
        if not self.listening:
            return None
        self.greeting.observe(is_speech)
        self.beep.observe(tone_hz)
        beep_at = self.beep.detected_at_ms
        if self.decision is not None:  # a human verdict: only a beep changes it now
            if beep_at is None:
                return None
            decision = AmdDecision(
                AmdVerdict.MACHINE, f"beep tone at {beep_at} ms after {self.decision.reason}"
            )
        else:
            features = self.greeting.features(
                words=len(normalize_words(transcript)),
                transcript=transcript,
                beep_at_ms=beep_at,
                asterisk_status=self.asterisk_status,
                asterisk_cause=self.asterisk_cause,
            )
            found = classify(features, self.limits)
            if found is None:
                return None
            decision = found
        self.decision, self.decided_at_ms = decision, self.greeting.elapsed_ms
        return decision


VOICEMAIL_SILENCE_MS = 1500  # no beep: the greeting is over after this much silence (at least 1 s)
VOICEMAIL_MAX_WAIT_MS = 30_000  # after the answer: start the message by then whatever the line does


class VoicemailCue:
    """Whether a voicemail message may start now: right after the beep has ended, or, while no beep
    has come, once the greeting has been followed by ``silence_ms`` of silence (a beep starting
    later takes that back until it ends); always from ``max_wait_ms`` after the answer on. Fed
    every frame from the answer on (pure, per frame)."""

    def __init__(
        self, silence_ms: int = VOICEMAIL_SILENCE_MS, max_wait_ms: int = VOICEMAIL_MAX_WAIT_MS
    ) -> None:
        self.silence_ms = silence_ms
        self.max_wait_ms = max_wait_ms
        self.beep = BeepDetector()
        self.elapsed_ms = 0
        self._heard_speech = False
        self._quiet_ms = 0
        self._run_ms = 0
        self.reason = ""

    def observe(self, is_speech: bool, tone_hz: float | None) -> bool:
        """Feed one frame's measures; True while the message may start (``reason`` says why)."""
        self.elapsed_ms += FRAME_MS
        self.beep.observe(tone_hz)
        self._run_ms = self._run_ms + FRAME_MS if is_speech else 0
        if self._run_ms >= ONSET_MS or tone_hz is not None:
            self._heard_speech, self._quiet_ms = True, 0
        elif not is_speech:
            self._quiet_ms += FRAME_MS
        beep_at = self.beep.detected_at_ms
        if self.elapsed_ms >= self.max_wait_ms:
            self.reason = f"no beep nor silence after {self.max_wait_ms} ms"
        elif beep_at is not None and tone_hz is None:
            self.reason = f"after the beep at {beep_at} ms"
        elif beep_at is None and self._heard_speech and self._quiet_ms >= self.silence_ms:
            self.reason = f"no beep, {self._quiet_ms} ms of silence after the greeting"
        else:
            self.reason = ""
        return bool(self.reason)
