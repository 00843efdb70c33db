"""``minibot amd eval``: the production AMD on labelled recordings, frame by frame on a 20 ms clock.

Each clip is fed as a call would feed it: 20 ms frames through the call's VAD and `AmdDetector`,
then silence (what a callee waiting on the line gives, frames missing from Asterisk count as
silence) until the detector decides. Decision times are measured on that clock, from the answer.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.amd import AmdDetector, AmdVerdict, tone_frequency
from services.errors import ImportError_, MediaError
from services.media.frames import FRAME_BYTES, FRAME_MS, read_wav_16k
from services.vad import VadStream, WebRtcVad

LABELS = ("human", "machine")
VERDICTS = ("human", "machine", "notsure")
VAD_AGGRESSIVENESS = 2  # the robot's default (MINIBOT_VAD_AGGRESSIVENESS)
MAX_FRAMES = 30_000 // FRAME_MS  # the detector always decides within its window; this only bounds a bug


@dataclass(frozen=True)
class LabelledClip:
    """One manifest row."""

    path: Path
    file: str  # as written in the manifest
    label: str
    row: dict[str, str]  # every column, for callers that keep more (split, beep onset...)


@dataclass(frozen=True)
class ClipResult:
    """The detector's verdict on one clip."""

    clip: LabelledClip
    verdict: str
    reason: str
    decision_ms: int


def load_manifest(path: Path) -> list[LabelledClip]:
    """Rows ``file,label`` of a CSV manifest (paths relative to it); ImportError_ names the bad line."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = {"file", "label"} - set(reader.fieldnames or ())
            if missing:
                raise ImportError_(
                    f"{path}:1: missing column(s) {', '.join(sorted(missing))}; expected file,label"
                )
            rows = list(enumerate(reader, start=2))
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror}") from exc
    clips = []
    for line, row in rows:
        label = (row.get("label") or "").strip().lower()
        if label not in LABELS:
            raise ImportError_(f"{path}:{line}: label must be human or machine, got {row.get('label')!r}")
        file = (row.get("file") or "").strip()
        clip_path = path.parent / file
        if not file or not clip_path.is_file():
            raise ImportError_(f"{path}:{line}: file {file!r} not found (paths are relative to the manifest)")
        clips.append(LabelledClip(clip_path, file, label, dict(row)))
    if not clips:
        raise ImportError_(f"{path}: no labelled clips")
    return clips


def frame_measures(pcm: bytes) -> Iterator[tuple[bool, float | None]]:
    """Per 20 ms frame of the clip then endless silence: (VAD decision, beep-band tone frequency)."""
    vad = VadStream(WebRtcVad(VAD_AGGRESSIVENESS, FRAME_MS))
    for index in range(MAX_FRAMES):  # past the clip's end the slice is empty: a silent frame
        frame = pcm[index * FRAME_BYTES : (index + 1) * FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
        for is_speech, _ in vad.process(frame):
            yield is_speech, tone_frequency(frame)


@dataclass(frozen=True)
class ClipVerdict:
    """What the detector said about a clip, and when."""

    verdict: str
    reason: str
    decision_ms: int


def run_detector(detector: AmdDetector, measures: Iterator[tuple[bool, float | None]]) -> ClipVerdict:
    """Feed measures while the detector listens; its last verdict and when it came (ms after answer)."""
    for is_speech, tone in measures:
        detector.observe(is_speech, tone)
        if not detector.listening:
            break
    decision = detector.decision
    if decision is None:
        return ClipVerdict(AmdVerdict.NOTSURE.value, "no decision", MAX_FRAMES * FRAME_MS)
    return ClipVerdict(decision.verdict.value, decision.reason, detector.decided_at_ms or 0)


def classify_clip(path: Path, bias: str = "balanced") -> ClipVerdict:
    """The production detector on one recording (any WAV), as a call would feed it."""
    try:
        pcm = read_wav_16k(path)
    except MediaError as exc:
        raise ImportError_(str(exc)) from exc
    return run_detector(AmdDetector(bias), frame_measures(pcm))


@dataclass
class EvalReport:
    """Accuracy, confusion matrix and decision times over a labelled set."""

    results: list[ClipResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Clips evaluated."""
        return len(self.results)

    @property
    def accuracy(self) -> float:
        """Share of clips whose verdict is their label (notsure counts as wrong)."""
        return sum(r.verdict == r.clip.label for r in self.results) / self.total if self.results else 0.0

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        """label -> verdict -> count."""
        table = {label: dict.fromkeys(VERDICTS, 0) for label in LABELS}
        for r in self.results:
            table[r.clip.label][r.verdict] += 1
        return table

    def rate(self, label: str, verdict: str) -> float:
        """Share of clips labelled ``label`` that got ``verdict``."""
        row = self.confusion[label]
        return row[verdict] / sum(row.values()) if sum(row.values()) else 0.0

    def decision_percentile(self, pct: float) -> int:
        """Nearest-rank percentile of the decision times (ms after the answer)."""
        times = sorted(r.decision_ms for r in self.results)
        if not times:
            return 0
        return times[max(0, min(len(times) - 1, -(-len(times) * int(pct) // 100) - 1))]

    @property
    def errors(self) -> list[ClipResult]:
        """Clips whose verdict is not their label."""
        return [r for r in self.results if r.verdict != r.clip.label]

    def as_dict(self) -> dict[str, Any]:
        """The JSON report of ``minibot amd eval --json``."""
        return {
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "confusion": self.confusion,
            "decision_ms": {"p50": self.decision_percentile(50), "p95": self.decision_percentile(95)},
            "errors": [
                {"file": r.clip.file, "label": r.clip.label, "verdict": r.verdict, "reason": r.reason}
                for r in self.errors
            ],
        }


def evaluate(
    clips: list[LabelledClip],
    bias: str = "balanced",
    progress: Callable[[int], None] | None = None,
) -> EvalReport:
    """Run the production detector over every clip."""
    report = EvalReport()
    for clip in clips:
        got = classify_clip(clip.path, bias)
        report.results.append(ClipResult(clip, got.verdict, got.reason, got.decision_ms))
        if progress is not None:
            progress(len(report.results))
    return report
