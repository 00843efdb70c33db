"""Language understanding service: keyword fast path first, Ollama when the fast path is unsure.

The live turn asks the model within a latency budget; when the budget runs out the caller may
hear a short filler while the model gets a little longer (``filler_ms``), then the fast path stands.
Every failure of the model, of any kind, falls back to the fast path with a log line and a
``minibot_nlp_fallbacks_total{lane,reason}`` increment. The post-call analysis has its own lane
(budget and breaker). Answers are checked (:mod:`services.nlp.validate`) and cached per utterance.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.config import Settings
from services.metrics import NLP_FALLBACKS
from services.nlp import prompts
from services.nlp.breaker import CircuitBreaker
from services.nlp.client import Lane, LlmFailure, OllamaClient
from services.nlp.keywords import FastResult, classify
from services.nlp.objections import ObjectionSpec
from services.nlp.text import normalize
from services.nlp.validate import IntentAnswer, check_intent
from services.nlp.warmup import fitness

log = logging.getLogger("minibot.nlp")

LIVE_NUM_PREDICT = 32  # {"intent": "...", "certitude": "..."}: ~20 tokens
ANALYSIS_NUM_PREDICT = 300  # a summary of 600 characters at most and a short rationale

OnSlow = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class NluResult:
    """Intent of one utterance and who decided it: ``fast`` (keywords sure), ``llm`` (the model's
    checked answer) or ``fallback`` (keywords, because the model failed or was not trusted)."""

    intent: str
    confidence: float
    sentiment: str = "neutral"
    source: str = "fast"
    latency_ms: float = 0.0
    reason: str = ""  # why the model's answer was not used (``fallback`` only)


class NluService:
    """Intent classification for live calls and JSON for the analysis (one per process)."""

    def __init__(
        self,
        host: str = "http://127.0.0.1:11434",
        model: str = "qwen2.5:3b",
        *,
        budget_ms: int = 800,
        filler_ms: int = 0,
        analysis_budget_ms: int = 30_000,
        threshold: float = 0.7,
        cache_size: int = 1024,
        keep_alive: str = "30m",
        slots: int = 1,
        breaker: CircuitBreaker | None = None,
        analysis_breaker: CircuitBreaker | None = None,
    ) -> None:
        self.client = OllamaClient(host, model, keep_alive=keep_alive, slots=slots)
        self.live = Lane("live", budget_ms / 1000, LIVE_NUM_PREDICT, breaker or CircuitBreaker())
        self.analysis = Lane(
            "analysis", analysis_budget_ms / 1000, ANALYSIS_NUM_PREDICT, analysis_breaker or CircuitBreaker()
        )
        self.filler_s = filler_ms / 1000
        self.threshold = threshold
        self._cache: OrderedDict[tuple[str, tuple[str, ...]], IntentAnswer] = OrderedDict()
        self._cache_size = cache_size
        self.last_error = ""
        self.live_off = ""  # why live turns do not ask the model (set by the warm-up)
        self.last_latency_ms = 0.0
        self.counters = {"calls": 0, "llm_ok": 0, "llm_failed": 0, "cache_hits": 0, "fast_path": 0}

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> NluService:
        """Service configured from the ``ollama_*`` and ``nlp_*`` settings."""
        return cls(
            settings.ollama_host,
            settings.ollama_model,
            budget_ms=settings.nlp_budget_ms,
            filler_ms=settings.nlp_filler_ms,
            analysis_budget_ms=settings.nlp_analysis_budget_ms,
            keep_alive=settings.ollama_keep_alive,
            slots=settings.ollama_slots,
            **kwargs,
        )

    @property
    def host(self) -> str:
        """The Ollama server's base URL."""
        return self.client.host

    @property
    def model(self) -> str:
        """The Ollama model name."""
        return self.client.model

    @property
    def breaker(self) -> CircuitBreaker:
        """The live lane's breaker."""
        return self.live.breaker

    async def classify(
        self,
        text: str,
        allowed: Sequence[str],
        keywords: Mapping[str, Sequence[str]] | None = None,
        question: str = "",
        on_slow: OnSlow | None = None,
        *,
        objections: Mapping[str, ObjectionSpec] | None = None,
    ) -> NluResult:
        """Intent of ``text`` among ``allowed`` (globals always allowed by the fast path), or the
        name of one of the scenario's ``objections`` (recognised by the fast path only).

        Never raises for a model failure. ``on_slow`` (say a filler) is awaited when the model has
        not answered within the budget; the model then gets ``filler_ms`` more.
        """
        self.counters["calls"] += 1
        fast = classify(text, keywords, allowed, objections)
        if fast.confidence >= self.threshold or not normalize(text):
            self.counters["fast_path"] += 1
            return _from_fast(fast, "fast")
        key = (normalize(text), tuple(sorted(allowed)))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.counters["cache_hits"] += 1
            return NluResult(cached.intent, cached.confidence, cached.sentiment, "llm")
        try:
            if self.live_off:
                raise LlmFailure("live_off", self.live_off)
            answer, latency_ms = await self._ask_live(text, allowed, question, fast, on_slow)
        except LlmFailure as failure:
            self.fallback(self.live, failure)
            return _from_fast(fast, "fallback", failure.reason)
        self.succeeded(latency_ms)
        self._remember(key, answer)
        return NluResult(answer.intent, answer.confidence, answer.sentiment, "llm", latency_ms)

    async def _ask_live(
        self, text: str, allowed: Sequence[str], question: str, fast: FastResult, on_slow: OnSlow | None
    ) -> tuple[IntentAnswer, float]:
        user = prompts.classify_user(text, allowed, question)
        patience = self.live.budget_s + (self.filler_s if on_slow is not None else 0.0)
        request = asyncio.ensure_future(
            self.client.chat(
                self.live, prompts.CLASSIFY_SYSTEM, user, prompts.intent_schema(allowed), timeout_s=patience
            )
        )
        try:
            done, _ = await asyncio.wait({request}, timeout=self.live.budget_s)
            if not done and on_slow is not None:
                try:
                    await on_slow()
                except Exception as exc:  # a filler that cannot play only costs the filler
                    log.warning("filler failed: %s", exc)
            answer = await request
        finally:
            if not request.done():  # our caller was cancelled: do not leave the request behind
                request.cancel()
                with contextlib.suppress(asyncio.CancelledError, LlmFailure):
                    await request
        return check_intent(answer.data, text, allowed, fast), answer.latency_ms

    async def complete_json(self, system: str, user: str, schema: Mapping[str, Any]) -> dict[str, Any]:
        """One constrained JSON answer on the analysis lane; raises :class:`LlmFailure`."""
        answer = await self.client.chat(self.analysis, system, user, schema, queue=True)
        self.succeeded(answer.latency_ms)
        return answer.data

    def fallback(self, lane: Lane, failure: LlmFailure) -> None:
        """Record a model failure: counter, metric, log line with the reason."""
        NLP_FALLBACKS.labels(lane=lane.name, reason=failure.reason).inc()
        self.counters["llm_failed"] += 1
        self.last_error = f"{lane.name}: {failure}"
        quiet = failure.reason in {"busy", "circuit_open", "model_missing", "live_off"}
        (log.debug if quiet else log.warning)("language model fallback (%s lane): %s", lane.name, failure)

    def succeeded(self, latency_ms: float) -> None:
        """Record a usable model answer (clears ``last_error``)."""
        self.counters["llm_ok"] += 1
        self.last_latency_ms = latency_ms
        self.last_error = ""

    async def warm_up(self) -> None:
        """At robot start: load the model, cache the prompt, and check it can serve live turns.

        A model too slow for a live turn on this machine, or that misreads plain answers, is kept
        for the post-call analysis only: live turns then use the keywords without making callers
        wait for it (reason ``live_off``). Failures only log.
        """
        try:
            problem = await fitness(self.client, LIVE_NUM_PREDICT, self.live.budget_s + self.filler_s)
        except LlmFailure as failure:
            log.warning("language model warm-up failed: %s", failure)
            return
        if problem:
            self.live_off = f"{problem}: live turns use the keywords only, post-call summaries the model"
            log.warning("language model kept off live turns: %s", self.live_off)
            return
        log.info(
            "language model %s ready on %s (kept loaded %s)", self.model, self.host, self.client.keep_alive
        )

    def _remember(self, key: tuple[str, tuple[str, ...]], answer: IntentAnswer) -> None:
        self._cache[key] = answer
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def health(self) -> dict[str, Any]:
        """Report for ``/health/nlp``: breaker states, last error and latency, counters."""
        state = self.live.breaker.state
        return {
            "status": {"closed": "ok", "half_open": "degraded", "open": "down"}[state],
            "breaker": state,
            "analysis_breaker": self.analysis.breaker.state,
            "host": self.host,
            "model": self.model,
            "budget_ms": round(self.live.budget_s * 1000),
            "live": self.live_off or "on",
            "last_error": self.last_error,
            "last_latency_ms": round(self.last_latency_ms, 1),
            "cache_size": len(self._cache),
            **self.counters,
        }


def overall_source(sources: Iterable[str]) -> str | None:
    """Who understood a call from its turns' sources: ``llm`` when the model decided one turn at
    least, else ``fallback`` when it was wanted, else ``fast`` (``None`` without caller turns)."""
    seen = set(sources)
    return next((source for source in ("llm", "fallback", "fast") if source in seen), None)


def _from_fast(fast: FastResult, source: str, reason: str = "") -> NluResult:
    return NluResult(fast.intent, fast.confidence, fast.sentiment, source, reason=reason)
