"""AMD on the labelled set (real clips of ../shared/audio + synthesized greetings, see
`benchmarks.amd_corpus`), on its dev split (tuned on) and its held-out split (never tuned on).

Runs the production detector exactly as ``minibot amd eval`` does: 20 ms frames through the call's
VAD, then silence, decision time measured on that clock from the answer. Audio features only: no
French Vosk model is available here, so the voicemail-phrase and word-count rules do not fire.

Run: ``python -m benchmarks.bench_amd``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from benchmarks.amd_corpus import build_corpus
from benchmarks.common import emit
from services.amd import AMD_BIASES, BEEP_MIN_MS, AmdDetector, AmdVerdict, VoicemailCue, detect_beep
from services.amd_eval import EvalReport, LabelledClip, evaluate, frame_measures, load_manifest
from services.media.frames import FRAME_MS, read_wav_16k
from tests.conftest import AUDIO_DIR

SPLITS = ("dev", "held_out")
BY_BEEP_MS = BEEP_MIN_MS + FRAME_MS  # the beep heard (8 frames, one more off the frame grid), not over


def report_split(report: EvalReport, split: str, bias: str) -> None:
    """The issue's targets on one split."""
    name = f"amd_{split}" if bias == "balanced" else f"amd_{split}_{bias}"
    results = report.results
    by_source = {
        source: EvalReport([r for r in results if r.clip.row.get("source") == source]).accuracy * 100
        for source in ("real", "synth", "extra")
    }
    accuracy = report.accuracy * 100
    emit(f"{name}_accuracy", accuracy, "%", ">= 95", accuracy >= 95, clips=report.total, **by_source)
    humans = report.rate("human", "machine") * 100
    count = report.confusion["human"]["machine"]
    emit(f"{name}_humans_as_machine", humans, "%", "<= 1", humans <= 1, humans_as_machine=count)
    recall = report.rate("machine", "machine") * 100
    emit(f"{name}_machine_recall", recall, "%", ">= 90", recall >= 90)
    if bias != "balanced":
        return
    emit(f"{name}_decision_p50", report.decision_percentile(50), "ms", "info", True)
    p95 = report.decision_percentile(95)
    emit(f"{name}_decision_p95", p95, "ms", "<= 3000", p95 <= 3000)
    beeps = [r for r in results if r.clip.label == "machine" and r.clip.row.get("beep_ms")]
    on_time = [
        r
        for r in beeps
        if r.verdict == "machine" and r.decision_ms <= int(r.clip.row["beep_ms"]) + BY_BEEP_MS
    ]
    share = 100 * len(on_time) / len(beeps) if beeps else 0.0
    emit(f"{name}_machine_decided_by_beep", share, "%", "100", share == 100, clips=len(beeps))


PROMPT_AFTER_BEEP_MS = 1000  # the message starts within this long of the beep's onset


def message_start_ms(clip: LabelledClip) -> int | None:
    """When a call would start the voicemail message (machine verdict and cue both there), or None."""
    detector, cue = AmdDetector(), VoicemailCue()
    for is_speech, tone in frame_measures(read_wav_16k(clip.path)):
        detector.observe(is_speech, tone)
        ready = cue.observe(is_speech, tone)
        decision = detector.decision
        if decision is not None and decision.verdict is AmdVerdict.MACHINE and ready:
            return cue.elapsed_ms
        if decision is not None and not detector.listening and decision.verdict is not AmdVerdict.MACHINE:
            return None
    return None


def report_voicemail_drop(clips: list[LabelledClip], split: str) -> None:
    """The voicemail message starts after the beep, promptly (issue #13 item 7)."""
    beeps = [c for c in clips if c.label == "machine" and c.row.get("beep_ms") and c.row["split"] == split]
    starts = [(int(c.row["beep_ms"]), message_start_ms(c)) for c in beeps]
    left = [(beep, at) for beep, at in starts if at is not None]
    after = [at for beep, at in left if beep + BEEP_MIN_MS < at <= beep + PROMPT_AFTER_BEEP_MS]
    share = 100 * len(after) / len(left) if left else 0.0
    emit(
        f"amd_{split}_voicemail_after_beep",
        share,
        "%",
        "100",
        share == 100,
        messages=len(left),
        beep_clips=len(beeps),
        within_ms=PROMPT_AFTER_BEEP_MS,
        over_greeting_or_beep=sum(at <= beep + BEEP_MIN_MS for beep, at in left),
    )


HARD_CASES: dict[str, Callable[[dict[str, str]], bool]] = {  # the hard cases in the corpus
    "business_greeting_h029": lambda row: row["script"] == "h029",
    "allo_wait_allo_h014": lambda row: row["script"] == "h014",
    "short_voicemail_beep_m021": lambda row: row["script"] == "m021",
    "operator_no_beep_m044": lambda row: row["script"] == "m044",
    "english_voicemail": lambda row: row["kind"].startswith("en_voicemail"),
    "noise_10db": lambda row: row.get("snr_db") == "10",
    "music_on_hold": lambda row: row["kind"] == "music_on_hold",
    "silence": lambda row: row["kind"] == "silent_callee",
}


def report_hard_cases(report: EvalReport, split: str) -> None:
    """Right verdicts on each hard case of the issue (info: the targets are on the whole split)."""
    cases, right, total = {}, 0, 0
    for case, matches in HARD_CASES.items():
        results = [r for r in report.results if matches(r.clip.row)]
        ok = sum(r.verdict == r.clip.label for r in results)
        cases[case] = f"{ok}/{len(results)}"
        right, total = right + ok, total + len(results)
    emit(f"amd_{split}_hard_cases", 100 * right / max(total, 1), "%", "info", True, **cases)


def main() -> None:
    """Print AMD figures, one JSON line each."""
    clips = load_manifest(build_corpus())
    for bias in ("balanced", *[b for b in AMD_BIASES if b != "balanced"]):
        start = time.perf_counter()
        report = evaluate(clips, bias)
        elapsed_ms = 1000 * (time.perf_counter() - start) / len(clips)
        for split in SPLITS:
            report_split(EvalReport([r for r in report.results if r.clip.row["split"] == split]), split, bias)
            if bias == "balanced":
                report_voicemail_drop(clips, split)
                report_hard_cases(
                    EvalReport([r for r in report.results if r.clip.row["split"] == split]), split
                )
        if bias == "balanced":
            emit("amd_cost_per_clip", elapsed_ms, "ms", "<= 200", elapsed_ms <= 200)
    greetings = [c.row["script"] for c in clips if c.row["source"] == "real" and "beep" in c.row["kind"]]
    beeps = ["tones/fr_ca_beep.wav", "tones/en_us_beep.wav", *greetings]
    found = sum(detect_beep(read_wav_16k(AUDIO_DIR / f)) is not None for f in beeps)
    emit(
        "amd_beep_detected",
        100 * found / len(beeps),
        "%",
        ">= 80",
        found >= 0.8 * len(beeps),
        clips=len(beeps),
    )


if __name__ == "__main__":
    main()
