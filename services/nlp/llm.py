"""Language understanding service: keyword fast path first, Ollama when the fast path is unsure.

The Ollama call is bounded by a latency budget (the fast-path answer stands when it runs out),
protected by a circuit breaker and backed by an LRU cache of normalised utterances.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import httpx
import ollama

from services.config import Settings
from services.errors import NlpError
from services.nlp import prompts
from services.nlp.breaker import CircuitBreaker
from services.nlp.keywords import UNKNOWN, FastResult, classify
from services.nlp.text import normalize

SENTIMENTS = ("negative", "neutral", "positive")


class ChatClient(Protocol):
    """The part of ``ollama.AsyncClient`` MiniBot uses."""

    async def chat(self, **kwargs: Any) -> Any:  # pragma: no cover - protocol
        """``POST /api/chat``; returns an object with ``message.content``."""


@dataclass(frozen=True)
class NluResult:
    """Intent of one utterance and where it came from (``keywords``, ``llm`` or ``cache``)."""

    intent: str
    confidence: float
    sentiment: str = "neutral"
    entities: Mapping[str, str] = field(default_factory=dict)
    source: str = "keywords"
    latency_ms: float = 0.0


def intent_schema(allowed: Sequence[str]) -> dict[str, Any]:
    """JSON schema constraining the model's answer to the step's intents."""
    return {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": sorted({*allowed, UNKNOWN})},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "sentiment": {"type": "string", "enum": list(SENTIMENTS)},
            "when": {"type": "string"},
        },
        "required": ["intent", "confidence", "sentiment"],
    }


def parse_answer(content: str, allowed: Sequence[str]) -> tuple[str, float, str, dict[str, str]]:
    """Validate the model's JSON answer; raises :class:`NlpError` when malformed."""
    try:
        data = json.loads(content)
    except (TypeError, ValueError) as exc:
        raise NlpError(f"language model answered malformed JSON: {content[:80]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("intent"), str):
        raise NlpError(f"language model answer lacks an intent: {content[:80]!r}")
    intent = data["intent"] if data["intent"] in allowed else UNKNOWN
    raw_confidence = data.get("confidence", 0.5)
    confidence = float(raw_confidence) if isinstance(raw_confidence, int | float) else 0.5
    sentiment = data.get("sentiment") if data.get("sentiment") in SENTIMENTS else "neutral"
    when = data.get("when")
    entities = {"when": when} if isinstance(when, str) and when.strip() else {}
    return intent, max(0.0, min(1.0, confidence)), str(sentiment), entities


class NluService:
    """Intent classification for live calls (one per process; safe to share between calls)."""

    def __init__(
        self,
        host: str = "http://127.0.0.1:11434",
        model: str = "qwen2.5:3b",
        *,
        budget_ms: int = 800,
        threshold: float = 0.7,
        cache_size: int = 1024,
        breaker: CircuitBreaker | None = None,
        client: ChatClient | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.host = host
        self.model = model
        self.budget_s = budget_ms / 1000
        self.threshold = threshold
        self.breaker = breaker or CircuitBreaker()
        self._client = client
        self._clock = clock
        self._cache: OrderedDict[tuple[str, tuple[str, ...]], NluResult] = OrderedDict()
        self._cache_size = cache_size
        self.last_error = ""
        self.last_latency_ms = 0.0
        self.counters = {"calls": 0, "llm_ok": 0, "llm_failed": 0, "cache_hits": 0, "fast_path": 0}

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> NluService:
        """Service configured from ``ollama_host``, ``ollama_model`` and ``nlp_budget_ms``."""
        return cls(settings.ollama_host, settings.ollama_model, budget_ms=settings.nlp_budget_ms, **kwargs)

    @property
    def client(self) -> ChatClient:
        """The Ollama client (created on first use)."""
        if self._client is None:
            real = ollama.AsyncClient(host=self.host, timeout=max(self.budget_s * 4, 5.0))
            self._client = cast(ChatClient, real)
        return self._client

    async def classify(
        self,
        text: str,
        allowed: Sequence[str],
        keywords: Mapping[str, Sequence[str]] | None = None,
        question: str = "",
    ) -> NluResult:
        """Intent of ``text`` among ``allowed`` (globals always allowed by the fast path)."""
        self.counters["calls"] += 1
        fast = classify(text, keywords, allowed)
        if fast.confidence >= self.threshold or not normalize(text):
            self.counters["fast_path"] += 1
            return _from_fast(fast)
        key = (normalize(text), tuple(sorted(allowed)))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.counters["cache_hits"] += 1
            return NluResult(cached.intent, cached.confidence, cached.sentiment, cached.entities, "cache")
        if not self.breaker.allow():
            return _from_fast(fast)
        started = self._clock()
        try:
            answer = await asyncio.wait_for(self._ask(text, allowed, question), self.budget_s)
        except TimeoutError:
            return self._failed(fast, f"no answer within {self.budget_s * 1000:.0f} ms")
        except asyncio.CancelledError:
            self.breaker.cancel_trial()
            raise
        except NlpError as exc:
            return self._failed(fast, exc.message)
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError) as exc:
            return self._failed(fast, f"{type(exc).__name__}: {exc}")
        self.last_latency_ms = (self._clock() - started) * 1000
        self.breaker.record_success()
        self.counters["llm_ok"] += 1
        result = NluResult(*answer, source="llm", latency_ms=self.last_latency_ms)
        self._remember(key, result)
        return result

    async def _ask(
        self, text: str, allowed: Sequence[str], question: str
    ) -> tuple[str, float, str, dict[str, str]]:
        response = await self.client.chat(
            model=self.model,
            messages=[
                {"role": "system", "content": prompts.CLASSIFY_SYSTEM},
                {"role": "user", "content": prompts.classify_user(text, allowed, question)},
            ],
            format=intent_schema(allowed),
            options={"temperature": 0},
            stream=False,
        )
        return parse_answer(response.message.content or "", allowed)

    async def complete_json(self, system: str, user: str, schema: Mapping[str, Any]) -> dict[str, Any]:
        """One constrained JSON answer (used by post-call analysis); raises :class:`NlpError`."""
        if not self.breaker.allow():
            raise NlpError("language model circuit is open")
        try:
            response = await self.client.chat(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                format=dict(schema),
                options={"temperature": 0},
                stream=False,
            )
            data = json.loads(response.message.content or "")
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError, ValueError) as exc:
            self.breaker.record_failure()
            self.last_error = f"{type(exc).__name__}: {exc}"
            raise NlpError(f"language model failed: {self.last_error}") from exc
        if not isinstance(data, dict):
            self.breaker.record_failure()
            raise NlpError("language model answer is not a JSON object")
        self.breaker.record_success()
        return data

    def _failed(self, fast: FastResult, error: str) -> NluResult:
        self.breaker.record_failure()
        self.last_error = error
        self.counters["llm_failed"] += 1
        return _from_fast(fast)

    def _remember(self, key: tuple[str, tuple[str, ...]], result: NluResult) -> None:
        self._cache[key] = result
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def health(self) -> dict[str, Any]:
        """Report for ``/health/nlp``: breaker state, last error and latency, counters."""
        state = self.breaker.state
        return {
            "status": {"closed": "ok", "half_open": "degraded", "open": "down"}[state],
            "breaker": state,
            "host": self.host,
            "model": self.model,
            "budget_ms": round(self.budget_s * 1000),
            "last_error": self.last_error,
            "last_latency_ms": round(self.last_latency_ms, 1),
            "cache_size": len(self._cache),
            **self.counters,
        }


def _from_fast(fast: FastResult) -> NluResult:
    return NluResult(fast.intent, fast.confidence, fast.sentiment, {}, "keywords")
