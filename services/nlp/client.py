"""The one guarded Ollama client: ``POST /api/chat`` for a JSON answer, or :class:`LlmFailure`.

Whatever goes wrong on the wire (refused or dropped connection, timeout, cancellation, HTTP error,
an HTML page, NDJSON for a non-streaming request, a reply without ``message``, content that is not
a JSON object, an answer cut by ``num_predict``) comes out as one exception type with a short
``reason``, so callers fall back in one place. Each *lane* (the live turn, the post-call analysis)
has its own budget and circuit breaker. A missing model is reported once, loudly, with the fix, and
not retried like a transient error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from services.nlp.breaker import CircuitBreaker, CircuitOpenError

log = logging.getLogger("minibot.nlp")

MODEL_MISSING_RETRY_S = 300.0  # after a 404 "model not found", ask again only this much later
_NO_THINK = "does not support thinking"


class LlmFailure(Exception):
    """The model gave no usable answer; ``reason`` is a short label (metric ``reason``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# Reasons that say nothing about the server's health: they never open a breaker.
NOT_A_FAULT = frozenset(
    {"busy", "circuit_open", "model_missing", "invalid_answer", "unsure", "low_confidence"}
)


@dataclass
class Lane:
    """One kind of request: its time budget, output cap and breaker."""

    name: str
    budget_s: float
    num_predict: int
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)


@dataclass(frozen=True)
class Answer:
    """A JSON object the model answered, and how long it took."""

    data: dict[str, Any]
    latency_ms: float


class OllamaClient:
    """Talks to one Ollama server for one model; safe to share between calls."""

    def __init__(
        self,
        host: str,
        model: str,
        *,
        keep_alive: str = "30m",
        slots: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host.rstrip("/")
        self.model = model
        self.keep_alive = keep_alive
        self.slots = slots
        self._clock = clock
        self._send_think = True  # Ollama < 0.12.5 refuses "think" for models that cannot think
        self._in_flight = 0
        self._queue = asyncio.Semaphore(slots)  # queued requests wait here, not in Ollama's queue
        self._model_missing_until = 0.0

    @property
    def busy(self) -> bool:
        """Every model slot is taken: a new request would queue behind the others."""
        return self._in_flight >= self.slots

    async def chat(
        self,
        lane: Lane,
        system: str,
        user: str,
        schema: Mapping[str, Any],
        *,
        timeout_s: float | None = None,
        queue: bool = False,
    ) -> Answer:
        """The model's JSON object for this prompt within ``timeout_s`` (the lane's budget).

        When every slot is taken the request is refused as ``busy`` unless ``queue`` is set (the
        post-call analysis may wait, here and within its budget, one request per slot; a live
        turn may not). Raises :class:`LlmFailure`, or
        ``CancelledError`` when the caller itself is cancelled.
        """
        if self._clock() < self._model_missing_until:
            raise LlmFailure("model_missing", f"model {self.model!r} is not on {self.host}")
        if self.busy and not queue:
            raise LlmFailure("busy", f"all {self.slots} model slot(s) taken")
        started = time.perf_counter()
        try:
            with lane.breaker.guard(counts=_counts):
                data, parsed = await asyncio.wait_for(
                    self._queued(lane, system, user, schema)
                    if queue
                    else self._post(lane, system, user, schema),
                    timeout_s if timeout_s is not None else lane.budget_s,
                )
        except CircuitOpenError as exc:
            raise LlmFailure("circuit_open", f"{lane.name} {exc}") from None
        except TimeoutError:
            budget = timeout_s if timeout_s is not None else lane.budget_s
            raise LlmFailure("timeout", f"no answer within {budget * 1000:.0f} ms") from None
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # our caller is going away (the call hung up): not a model failure
            raise LlmFailure("cancelled", "the request was cancelled") from None
        except LlmFailure:
            raise
        except aiohttp.ClientError as exc:
            raise LlmFailure("connection", f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:  # anything else on the wire still only costs the fast path
            raise LlmFailure("bad_reply", f"{type(exc).__name__}: {exc}") from None
        latency_ms = (time.perf_counter() - started) * 1000
        log.debug(
            "%s lane: answer in %.0f ms (%s prompt tokens read, %s generated)",
            lane.name,
            latency_ms,
            data.get("prompt_eval_count"),
            data.get("eval_count"),
        )
        return Answer(parsed, latency_ms)

    async def _queued(
        self, lane: Lane, system: str, user: str, schema: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        async with self._queue:
            return await self._post(lane, system, user, schema)

    async def _post(
        self, lane: Lane, system: str, user: str, schema: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "format": dict(schema),
            "options": {"temperature": 0, "num_predict": lane.num_predict},
            "stream": False,
            "keep_alive": self.keep_alive,
        }
        if self._send_think:
            body["think"] = False  # thinking models answer faster and apply the schema to the answer
        self._in_flight += 1
        try:
            status, text, content_type = await self._send(body)
            if status == 400 and _NO_THINK in text and self._send_think:
                self._send_think = False
                log.info("Ollama refuses 'think' for %s: asking without it", self.model)
                body.pop("think")
                status, text, content_type = await self._send(body)
        finally:
            self._in_flight -= 1
        if status == 404 and "model" in text and "not found" in text:
            self._model_missing(text)
        if status != 200:
            raise LlmFailure(f"http_{status}", _error_text(text))
        self._model_missing_until = 0.0
        data = _reply(text, content_type)
        return data, _content(data)

    async def _send(self, body: dict[str, Any]) -> tuple[int, str, str]:
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.host}/api/chat", json=body) as response,
        ):
            return response.status, await response.text(), response.content_type

    def _model_missing(self, text: str) -> None:
        first = self._model_missing_until == 0.0
        self._model_missing_until = self._clock() + MODEL_MISSING_RETRY_S
        report = log.error if first else log.debug
        report(
            "language model %r is not on %s (%s): run `ollama pull %s`; calls go on with keywords only",
            self.model,
            self.host,
            _error_text(text),
            self.model,
        )
        raise LlmFailure("model_missing", f"model {self.model!r} not found: run `ollama pull {self.model}`")


def _counts(exc: Exception) -> bool:
    return not (isinstance(exc, LlmFailure) and exc.reason in NOT_A_FAULT)


def _error_text(text: str) -> str:
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        error = None
    return str(error) if error else text[:120]


def _reply(text: str, content_type: str) -> dict[str, Any]:
    """Ollama's one JSON object for a non-streaming request, checked."""
    try:
        data = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and lines[0].lstrip().startswith("{"):
            raise LlmFailure("bad_reply", "NDJSON stream for a non-streaming request") from None
        raise LlmFailure(
            "bad_reply", f"{content_type or 'unknown type'} body, not JSON: {text[:60]!r}"
        ) from None
    if not isinstance(data, dict):
        raise LlmFailure("bad_reply", f"reply is not a JSON object: {text[:60]!r}")
    message = data.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise LlmFailure("bad_reply", f"reply without a message: {text[:80]!r}")
    if data.get("done_reason") == "length":
        raise LlmFailure("truncated", "the answer hit num_predict before its end")
    return {str(key): value for key, value in data.items()}


def _content(data: dict[str, Any]) -> dict[str, Any]:
    content = data["message"]["content"]
    try:
        parsed = json.loads(content)
    except ValueError:
        raise LlmFailure("bad_json", f"content is not JSON: {content[:60]!r}") from None
    if not isinstance(parsed, dict):
        raise LlmFailure("bad_json", f"content is not a JSON object: {content[:60]!r}")
    return parsed
