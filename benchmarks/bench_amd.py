"""AMD accuracy over ../shared/audio/MANIFEST.csv (human/machine labels), audio features only (no ASR
words: with a French model the voicemail-phrase rule adds to this), and beep detection on beep clips."""

from __future__ import annotations

import csv
import time

from benchmarks.common import emit
from services.amd import AmdTracker, AmdVerdict, classify, detect_beep
from services.media.frames import frames_of, read_wav_16k
from services.vad import WebRtcVad
from tests.conftest import AUDIO_DIR

WINDOW_S = 5.0


def verdict(pcm: bytes) -> AmdVerdict:
    """AMD on the first seconds followed by 1 s of silence (the callee waiting)."""
    vad, tracker = WebRtcVad(2), AmdTracker()
    for frame in frames_of(pcm[: int(32000 * WINDOW_S)] + bytes(32000)):
        tracker.process(frame, vad.classify(frame)[0])
    return classify(tracker.features()).verdict


def main() -> None:
    """Print AMD figures."""
    with (AUDIO_DIR / "MANIFEST.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    per_label: dict[str, list[bool]] = {"human": [], "machine": []}
    start = time.perf_counter()
    for row in rows:
        if row["label"] in per_label:
            got = verdict(read_wav_16k(AUDIO_DIR / row["file"]))
            per_label[row["label"]].append(got.value == row["label"])
    elapsed_ms = 1000 * (time.perf_counter() - start) / sum(len(v) for v in per_label.values())
    everything = per_label["human"] + per_label["machine"]
    accuracy = 100 * sum(everything) / len(everything)
    emit("amd_accuracy_audio_only", accuracy, "%", ">= 70", accuracy >= 70, clips=len(everything))
    for label, results in per_label.items():
        recall = 100 * sum(results) / len(results)
        emit(f"amd_recall_{label}", recall, "%", ">= 70", recall >= 70, clips=len(results))
    greetings = [r for r in rows if r["file"].startswith("greetings/")]
    machine = sum(verdict(read_wav_16k(AUDIO_DIR / r["file"])) is AmdVerdict.MACHINE for r in greetings)
    emit(
        "amd_voicemail_greetings_machine",
        100 * machine / len(greetings),
        "%",
        "100",
        machine == len(greetings),
    )
    beeps = [
        r
        for r in rows
        if "beep" in r["kind"] or r["file"] in {"tones/fr_ca_beep.wav", "tones/en_us_beep.wav"}
    ]
    found = sum(detect_beep(read_wav_16k(AUDIO_DIR / r["file"])) is not None for r in beeps)
    emit(
        "amd_beep_detected",
        100 * found / len(beeps),
        "%",
        ">= 80",
        found >= 0.8 * len(beeps),
        clips=len(beeps),
    )
    emit("amd_cost_per_call_window", elapsed_ms, "ms", "<= 200", elapsed_ms <= 200)


if __name__ == "__main__":
    main()
