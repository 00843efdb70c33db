"""A faithful aiohttp fake of the Ollama HTTP API subset MiniBot uses, scripted per test.

``POST /api/chat`` (non-streaming) answers like Ollama::

    {"model", "created_at", "message": {"role": "assistant", "content": "<json string>"},
     "done": true, "done_reason": "stop", "total_duration", "load_duration", "prompt_eval_count",
     "prompt_eval_duration", "eval_count", "eval_duration"}

``GET /api/tags`` and ``GET /api/version`` answer with the configured model and a version.
Each chat request consumes the next scripted :class:`Reply` (the last one repeats).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    """One scripted answer: JSON ``content`` (dict or raw string), an HTTP error, or a hang."""

    content: dict[str, Any] | str = field(default_factory=dict)
    status: int = 200
    hang: bool = False  # never answer until the server stops (to exercise the latency budget)


@dataclass
class FakeOllama:
    """The fake server; ``requests`` records every chat body received."""

    model: str = "qwen2.5:3b"
    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/chat", self._chat)
        app.router.add_get("/api/tags", self._tags)
        app.router.add_get("/api/version", self._version)
        return app

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        reply = self.script[min(len(self.requests), len(self.script)) - 1] if self.script else Reply()
        if reply.hang:
            await self._release.wait()
        if reply.status != 200:
            return web.json_response({"error": "model runner has unexpectedly stopped"}, status=reply.status)
        content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        return web.json_response(
            {
                "model": body.get("model", self.model),
                "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "message": {"role": "assistant", "content": content},
                "done": True,
                "done_reason": "stop",
                "total_duration": 412_000_000,
                "load_duration": 12_000_000,
                "prompt_eval_count": 96,
                "prompt_eval_duration": 150_000_000,
                "eval_count": 24,
                "eval_duration": 240_000_000,
            }
        )

    async def _tags(self, _: web.Request) -> web.Response:
        return web.json_response(
            {"models": [{"name": self.model, "model": self.model, "size": 1_929_912_432, "digest": "0" * 64}]}
        )

    async def _version(self, _: web.Request) -> web.Response:
        return web.json_response({"version": "0.6.5"})


@asynccontextmanager
async def running(fake: FakeOllama) -> AsyncIterator[FakeOllama]:
    """Serve ``fake`` on a free local port; ``fake.url`` is its base URL."""
    runner = web.AppRunner(fake.app())
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
