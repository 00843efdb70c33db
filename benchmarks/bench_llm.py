"""The language-model path on the held-out French phrases: latency, share of turns it decided, accuracy,
against the keywords alone.

Run: ``python -m benchmarks.bench_llm [--host URL --model NAME --sample N]`` (default: the
``MINIBOT_OLLAMA_*`` settings). Three passes over the same sample of held-out phrases, one request
at a time: *unbounded* (how long the model takes and what it would decide with all the time it
wants), *budget* (the production budget and filler wait, the model asked on every unsure turn: no
turn may wait beyond ``budget + filler``) and *live* (as the robot runs it, after the warm-up's
check that may keep the model off live turns: what a caller gets). Without an Ollama server the
LLM figures are reported as not ok with the reason, and the keyword figures still stand.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import BENCH_DIR, emit, percentile
from services.config import load_settings
from services.nlp.evaluate import evaluate, load_tsv
from services.nlp.keywords import GLOBAL_INTENTS, classify
from services.nlp.llm import NluResult, NluService

DATA = BENCH_DIR.parent / "tests" / "data"
HELD_OUT = DATA / "nlu_heldout_fr.tsv"  # the French-understanding issue's split never tuned on
FALLBACK_CORPUS = DATA / "utterances_fr.tsv"
ALLOWED = ("yes", "no", *GLOBAL_INTENTS)
QUESTION = "Avez-vous quelques minutes à m'accorder ?"
WAIT_SLACK_MS = 100  # event-loop and HTTP overhead allowed past the budget


@dataclass(frozen=True)
class Turn:
    """One classified phrase: what was expected, what came out, how long the turn waited."""

    expected: str
    result: NluResult
    wait_ms: float


def corpus(chosen: Path | None) -> tuple[Path, list[tuple[str, str]]]:
    """``chosen``, else the held-out split when it exists, else the older labelled corpus (named
    in the output)."""
    path = chosen or (HELD_OUT if HELD_OUT.exists() else FALLBACK_CORPUS)
    return path, load_tsv(path)


def sample(rows: Sequence[tuple[str, str]], size: int) -> list[tuple[str, str]]:
    """Every k-th row: a fixed spread over the file (its intents come in blocks)."""
    step = max(1, len(rows) // size)
    return list(rows[::step])[:size]


async def run_pass(service: NluService, rows: Sequence[tuple[str, str]], filler: bool) -> list[Turn]:
    """Classify ``rows`` one at a time as live turns."""

    async def say_filler() -> None:
        return None  # the caller hears "Je vois…" meanwhile; the wait goes on

    turns = []
    for text, expected in rows:
        started = time.perf_counter()
        result = await service.classify(text, ALLOWED, None, QUESTION, say_filler if filler else None)
        turns.append(Turn(expected, result, (time.perf_counter() - started) * 1000))
    return turns


def keyword_result(text: str) -> NluResult:
    """What the keywords alone say of ``text``."""
    fast = classify(text, None, ALLOWED)
    return NluResult(fast.intent, fast.confidence)


def accuracy(turns: Sequence[Turn]) -> float:
    """Share of turns whose intent is the expected one (in %)."""
    return 100 * sum(t.result.intent == t.expected for t in turns) / max(1, len(turns))


def report(label: str, turns: Sequence[Turn], model: str) -> None:
    """Accuracy, decided share, latency and fallback reasons of one pass."""
    asked = [t for t in turns if t.result.source != "fast"]
    decided = [t for t in turns if t.result.source == "llm"]
    waits = [t.wait_ms for t in asked]
    emit(f"nlp_llm_{label}_accuracy", accuracy(turns), "%", "info", True, model=model, phrases=len(turns))
    emit(
        f"nlp_llm_{label}_decided_share",
        100 * len(decided) / max(1, len(turns)),
        "%",
        "info",
        True,
        asked=len(asked),
        decided=len(decided),
        decided_correct=sum(t.result.intent == t.expected for t in decided),
    )
    emit(
        f"nlp_llm_{label}_wait_p50",
        percentile(waits, 50),
        "ms",
        "info",
        True,
        p95=round(percentile(waits, 95), 1),
        max=round(max(waits, default=0.0), 1),
        reasons=dict(Counter(t.result.reason for t in asked if t.result.reason)),
    )


async def main_async(args: argparse.Namespace) -> None:
    """Print one JSON line per figure."""
    path, rows = corpus(args.corpus)
    keywords = evaluate(rows, lambda text: classify(text, None, ALLOWED).intent)
    emit("nlp_keywords_heldout_accuracy", keywords.accuracy * 100, "%", "info", True, corpus=path.name)
    chosen = sample(rows, args.sample)
    fast_only = [Turn(expected, keyword_result(text), 0.0) for text, expected in chosen]
    emit("nlp_keywords_sample_accuracy", accuracy(fast_only), "%", "info", True, phrases=len(chosen))

    unbounded = NluService(args.host, args.model, budget_ms=120_000, filler_ms=0)
    await run_pass(unbounded, chosen[:1], filler=False)  # loads the model (no fitness check: trusted)
    turns = await run_pass(NluService(args.host, args.model, budget_ms=120_000, filler_ms=0), chosen, False)
    if not any(t.result.source == "llm" for t in turns):
        reasons = Counter(t.result.reason for t in turns if t.result.reason)
        emit("nlp_llm_available", 0, "bool", "Ollama answers", False, host=args.host, reasons=dict(reasons))
        return
    report("unbounded", turns, args.model)
    answered = [t.wait_ms for t in turns if t.result.source != "fast" and t.result.reason != "busy"]
    emit(
        "nlp_llm_request_latency_p50",
        percentile(answered, 50),
        "ms",
        "info",
        True,
        p95=round(percentile(answered, 95), 1),
        requests=len(answered),
        model=args.model,
    )

    def live_service() -> NluService:
        return NluService(args.host, args.model, budget_ms=args.budget_ms, filler_ms=args.filler_ms)

    # the budget and filler wait with the model asked on every unsure turn (no warm-up check)
    turns = await run_pass(live_service(), chosen, filler=args.filler_ms > 0)
    report("budget", turns, args.model)
    limit = args.budget_ms + args.filler_ms + WAIT_SLACK_MS
    longest = max((t.wait_ms for t in turns), default=0.0)
    emit("nlp_live_turn_wait_max", longest, "ms", f"<= {limit}", longest <= limit, budget_ms=args.budget_ms)

    live = live_service()
    await live.warm_up()  # as the robot does: a model too slow or unfit here stays off live turns
    emit("nlp_llm_live_on", float(not live.live_off), "bool", "info", True, why=live.live_off or "fit")
    report("live", await run_pass(live, chosen, filler=args.filler_ms > 0), args.model)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options and run."""
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default=settings.ollama_host)
    parser.add_argument("--model", default=settings.ollama_model)
    parser.add_argument("--sample", type=int, default=120, help="held-out phrases classified per pass")
    parser.add_argument("--budget-ms", type=int, default=settings.nlp_budget_ms)
    parser.add_argument("--filler-ms", type=int, default=settings.nlp_filler_ms)
    parser.add_argument("--corpus", type=Path, help=f"labelled TSV (default: {HELD_OUT.name} when present)")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
