"""An aiohttp fake of the Ollama HTTP API MiniBot uses, scripted per test, as unkind as Ollama.

``POST /api/chat`` follows Ollama's wire format (checked against a real model behind
``../shared/tools/ollama-standin``):

- ``stream`` defaults to true: NDJSON chunks (``application/x-ndjson``), the last one ``done: true``
  with the timings; ``"stream": false`` gets one JSON object::

    {"model", "created_at", "message": {"role": "assistant", "content": "<json string>"}, "done": true,
     "done_reason": "stop" | "length", "total_duration", "load_duration", "prompt_eval_count",
     "prompt_eval_duration", "eval_count", "eval_duration"}   (durations in nanoseconds)

- ``model`` must be the served one (``x`` means ``x:latest``), else 404
  ``{"error": "model \\"x\\" not found, try pulling it first"}``; ``format`` must be ``"json"`` or a
  JSON schema object, else 400; ``options.num_predict`` cuts the answer (``done_reason: "length"``);
  ``think`` is refused with 400 by a model that cannot think when ``think_supported`` is false
  (Ollama before 0.12.5 did so even for ``"think": false``).
- ``keep_alive``: the model loads on the first request (``load_delay_s``, reported as
  ``load_duration``) and stays loaded for ``keep_alive`` (default 5 minutes, on the fake's ``clock``);
  an empty ``messages`` list loads it (``done_reason: "load"``), or unloads it with ``keep_alive: 0``.
- One model slot: requests are answered one at a time, in arrival order (``OLLAMA_NUM_PARALLEL=1``);
  each answer takes ``Reply.delay_s`` of generation. The slot keeps the last prompt: a request
  sharing its prefix (the same system prompt) only evaluates the rest (``prompt_eval_count``).
- Error bodies per status as Ollama words them (500 runner stopped, 503 busy, 404, 400).

Each chat request consumes the next scripted :class:`Reply` (the last one repeats). A reply's
``kind`` makes it misbehave like a broken proxy or server: ``ndjson`` (streams although
``"stream": false``), ``html`` (a 200 HTML page), ``no_message`` (200 without ``message``),
``drop`` (closes the connection), ``hang`` (never answers until the server stops).
``GET /api/tags`` and ``GET /api/version`` answer with the model and a version.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

REPLY_KINDS = ("json", "ndjson", "html", "no_message", "drop", "hang")
ERRORS = {
    404: "404 page not found",  # a path the server does not serve (a proxy, a wrong URL): not a model
    500: "model runner has unexpectedly stopped, this may be due to resource limitations or an internal "
    "error, check ollama server logs for details",
    503: "server busy, please try again.  maximum pending requests exceeded",
}
DEFAULT_KEEP_ALIVE_S = 300.0


@dataclass
class Reply:
    """One scripted answer: JSON ``content`` (dict or raw string), an HTTP error, or a bad reply ``kind``."""

    content: dict[str, Any] | str = field(default_factory=dict)
    status: int = 200
    hang: bool = False  # never answer until the server stops (same as kind="hang")
    kind: str = "json"
    delay_s: float = 0.0  # generation time (the slot is held meanwhile)

    def __post_init__(self) -> None:
        if self.kind not in REPLY_KINDS:
            raise ValueError(f"unknown reply kind {self.kind!r}: one of {', '.join(REPLY_KINDS)}")


def full_name(name: str) -> str:
    """Ollama's model name with its implicit ``:latest`` tag."""
    return name if ":" in name else f"{name}:latest"


def parse_keep_alive(value: Any) -> float:
    """Seconds from Ollama's ``keep_alive`` (a number of seconds or ``"5m"``, ``"30s"``, ``"1h"``)."""
    if value is None:
        return DEFAULT_KEEP_ALIVE_S
    if isinstance(value, int | float):
        return float("inf") if value < 0 else float(value)
    text = str(value).strip()
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for suffix in ("ms", "s", "m", "h"):
        if text.endswith(suffix):
            number = float(text[: -len(suffix)])
            return float("inf") if number < 0 else number * units[suffix]
    raise ValueError(f'time: missing unit in duration "{text}"')


@dataclass
class FakeOllama:
    """The fake server; ``requests`` records every chat body received, ``loads`` every model load."""

    model: str = "qwen2.5:3b"
    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    load_delay_s: float = 0.0
    think_supported: bool = True
    clock: Callable[[], float] = time.monotonic
    loads: int = 0
    waiting: int = 0  # requests waiting for the slot now
    waiting_peak: int = 0  # the most requests ever queued behind the one generating
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _slot: asyncio.Lock = field(default_factory=asyncio.Lock)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _expires_at: float | None = None  # None: not loaded
    _last_prompt: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/chat", self._chat)
        app.router.add_get("/api/tags", self._tags)
        app.router.add_get("/api/version", self._version)
        return app

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory now."""
        return self._expires_at is not None and self.clock() < self._expires_at

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter_ns()
        try:
            body = await request.json()
        except ValueError as exc:
            return _error(400, str(exc))
        if not isinstance(body, dict):
            return _error(400, "invalid request body")
        self.requests.append(body)
        async with self._arrived:
            self._arrived.notify_all()
        name = str(body.get("model") or "")
        if not name:
            return _error(400, "model is required")
        if full_name(name) != full_name(self.model):
            return _error(404, f"model {json.dumps(name)} not found, try pulling it first")
        if body.get("think") is not None and not self.think_supported:
            return _error(400, f"{json.dumps(name)} does not support thinking")
        fmt = body.get("format")
        if fmt not in (None, "", "json") and not isinstance(fmt, dict):
            return _error(400, f"invalid format: {json.dumps(fmt)}")
        try:
            keep_alive = parse_keep_alive(body.get("keep_alive"))
            num_predict = int((body.get("options") or {}).get("num_predict", -1))
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        if not body.get("messages"):
            return await self._load_or_unload(name, body, keep_alive)
        reply = self.script[min(len(self.requests), len(self.script)) - 1] if self.script else Reply()
        queued = self._slot.locked()  # one model slot: later requests wait their turn
        self.waiting += queued
        self.waiting_peak = max(self.waiting_peak, self.waiting)
        try:
            await self._slot.acquire()
        finally:
            self.waiting -= queued
        try:
            load_ns = await self._load()
            generating = time.perf_counter_ns()
            if reply.hang or reply.kind == "hang":
                await self._release.wait()
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
            eval_ns = time.perf_counter_ns() - generating
            self._expires_at = self.clock() + keep_alive
        finally:
            self._slot.release()
        if reply.status != 200:
            return _error(reply.status, ERRORS.get(reply.status, f"HTTP {reply.status}"))
        if reply.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError
        if reply.kind == "html":
            return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        done_reason = "stop"
        if 0 <= num_predict < _tokens(content):
            content, done_reason = content[: num_predict * 4], "length"
        prompt = self._evaluated(body["messages"])
        final = self._final(
            name, content, done_reason, prompt, started=started, load_ns=load_ns, eval_ns=eval_ns
        )
        if reply.kind == "no_message":
            final.pop("message")
        if body.get("stream", True) is False and reply.kind != "ndjson":
            return web.json_response(final, dumps=lambda o: json.dumps(o, ensure_ascii=False))
        return await self._stream(request, name, content, final)

    def _evaluated(self, messages: list[dict[str, Any]]) -> int:
        """Prompt tokens to evaluate: the slot keeps the previous prompt, a shared prefix is reused."""
        prompt = "".join(f"{m.get('role')}:{m.get('content')}\n" for m in messages)
        shared = next(
            (i for i, (a, b) in enumerate(zip(prompt, self._last_prompt, strict=False)) if a != b),
            min(len(prompt), len(self._last_prompt)),
        )
        self._last_prompt = prompt
        return max(1, _tokens(prompt[shared:]))

    async def received(self, count: int = 1) -> None:
        """Wait until ``count`` chat requests have arrived."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)

    async def _load(self) -> int:
        if self.loaded:
            return 0
        started = time.perf_counter_ns()
        if self.load_delay_s:
            await asyncio.sleep(self.load_delay_s)
        self.loads += 1
        return time.perf_counter_ns() - started

    async def _load_or_unload(self, name: str, body: dict[str, Any], keep_alive: float) -> web.Response:
        if keep_alive == 0:
            self._expires_at, reason = None, "unload"
        else:
            async with self._slot:
                await self._load()
                self._expires_at, reason = self.clock() + keep_alive, "load"
        return web.json_response(
            {
                "model": name,
                "created_at": _now(),
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": reason,
            }
        )

    def _final(
        self,
        name: str,
        content: str,
        done_reason: str,
        prompt: int,
        *,
        started: int,
        load_ns: int,
        eval_ns: int,
    ) -> dict[str, Any]:
        """The last object of an answer; durations are measured (queue wait, load, generation)."""
        return {
            "model": name,
            "created_at": _now(),
            "message": {"role": "assistant", "content": content},
            "done": True,
            "done_reason": done_reason,
            "total_duration": time.perf_counter_ns() - started,
            "load_duration": load_ns,
            "prompt_eval_count": prompt,
            "prompt_eval_duration": 0,
            "eval_count": _tokens(content),
            "eval_duration": eval_ns,
        }

    async def _stream(
        self, request: web.Request, name: str, content: str, final: dict[str, Any]
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        for piece in [content[i : i + 4] for i in range(0, len(content), 4)]:
            chunk = {"model": name, "created_at": _now(), "message": {"role": "assistant", "content": piece}}
            await response.write((json.dumps({**chunk, "done": False}, ensure_ascii=False) + "\n").encode())
        last = {**final}
        if "message" in last:
            last["message"] = {"role": "assistant", "content": ""}
        await response.write((json.dumps(last, ensure_ascii=False) + "\n").encode())
        await response.write_eof()
        return response

    async def _tags(self, _: web.Request) -> web.Response:
        return web.json_response(
            {"models": [{"name": self.model, "model": self.model, "size": 1_929_912_432, "digest": "0" * 64}]}
        )

    async def _version(self, _: web.Request) -> web.Response:
        return web.json_response({"version": "0.12.6"})


def _tokens(text: str) -> int:
    """A token count close to a BPE tokenizer's on French JSON (about four characters a token)."""
    return max(1, (len(text) + 3) // 4) if text else 0


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@asynccontextmanager
async def running(fake: FakeOllama) -> AsyncIterator[FakeOllama]:
    """Serve ``fake`` on a free local port; ``fake.url`` is its base URL."""
    runner = web.AppRunner(fake.app(), handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        fake._release.set()
        await runner.cleanup()


def closed_port_url() -> str:
    """A base URL where nothing listens (server down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
