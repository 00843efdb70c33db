"""NLP fast path: accuracy on the labelled French corpus, per-intent precision/recall, errors, latency.

Run: ``python -m benchmarks.bench_nlp``.
"""

from __future__ import annotations

import time

from benchmarks.common import BENCH_DIR, emit, percentile
from scenarios.library import resolve
from services.nlp.evaluate import evaluate, load_tsv
from services.nlp.keywords import classify

CORPUS = BENCH_DIR.parent / "tests" / "data" / "utterances_fr.tsv"
ROUNDS = 20


def main() -> None:
    """Print one JSON line per figure."""
    rows = load_tsv(CORPUS)
    report = evaluate(rows, lambda text: classify(text).intent)
    emit(
        "nlp_fast_path_accuracy",
        report.accuracy * 100,
        "%",
        ">= 90",
        report.accuracy >= 0.9,
        phrases=report.total,
    )
    for name, score in report.per_intent.items():
        emit(f"nlp_precision_{name}", score.precision * 100, "%", "info", True, support=score.support)
        emit(f"nlp_recall_{name}", score.recall * 100, "%", "info", True, support=score.support)
    errors = [{"text": t, "expected": e, "predicted": p} for t, e, p in report.errors]
    emit("nlp_fast_path_errors", len(errors), "phrases", "info", True, errors=errors)

    scenario = resolve("patrimoine")
    keywords, allowed = scenario.keywords_for("q1_savings"), scenario.allowed_intents("q1_savings")
    for label, table, intents in (("generic", None, None), ("step_q1", keywords, allowed)):
        classify("warm up", table, intents)
        samples = []
        for _ in range(ROUNDS):
            for text, _ in rows:
                started = time.perf_counter()
                classify(text, table, intents)
                samples.append((time.perf_counter() - started) * 1000)
        p99 = percentile(samples, 99)
        emit(
            f"nlp_fast_path_latency_p99_{label}",
            p99,
            "ms",
            "< 1",
            p99 < 1.0,
            p50=round(percentile(samples, 50), 4),
            samples=len(samples),
        )


if __name__ == "__main__":
    main()
