"""The ARI event WebSocket as an async iterator of typed events, reconnecting with backoff and jitter."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp

from services.ari.events import AriEvent, parse_event_text
from services.errors import AriError

log = logging.getLogger(__name__)

ReconnectHook = Callable[[], Awaitable[None]]


def parse_or_skip(text: str) -> AriEvent | None:
    """The event of one message, or None for a malformed one (logged with its type and start)."""
    try:
        return parse_event_text(text)
    except AriError as exc:
        log.warning("malformed ARI event skipped (type %s): %s", _event_type(text), exc)
        return None


def _event_type(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return "unknown: not JSON"
    return str(data.get("type", "missing")) if isinstance(data, dict) else f"unknown: {type(data).__name__}"


class AriEventStream:
    """Connect to ``/ari/events?app=...`` and yield events forever; reconnect when the socket drops.

    ``on_reconnect`` runs after every *re*-connection (not the first), before any new event is yielded,
    so the controller can reconcile its calls with ``GET /channels``.
    """

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        app: str,
        *,
        on_reconnect: ReconnectHook | None = None,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/ari/events"
        self.app = app
        self._headers = {"Authorization": aiohttp.encode_basic_auth(user, password)}
        self.on_reconnect = on_reconnect
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._rng = rng or random.Random()
        self.connected = asyncio.Event()
        self.connections = 0

    def backoff(self, failures: int) -> float:
        """Delay before attempt number ``failures`` (1-based): exponential, capped, full jitter on half."""
        ceiling = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (failures - 1))
        return float(ceiling / 2 + self._rng.uniform(0, ceiling / 2))

    async def wait_connected(self, timeout_s: float = 10.0) -> None:
        """Wait until the socket is up (connect it before originating so no event is missed)."""
        await asyncio.wait_for(self.connected.wait(), timeout_s)

    async def __aiter__(self) -> AsyncIterator[AriEvent]:
        failures = 0
        async with aiohttp.ClientSession(headers=self._headers) as session:
            while True:
                try:
                    async with session.ws_connect(
                        self.url, params={"app": self.app, "subscribeAll": "false"}, heartbeat=30
                    ) as ws:
                        failures = 0
                        self.connections += 1
                        if self.connections > 1 and self.on_reconnect is not None:
                            await self.on_reconnect()
                        self.connected.set()
                        try:
                            async for message in ws:
                                if message.type == aiohttp.WSMsgType.TEXT:
                                    event = parse_or_skip(message.data)
                                    if event is not None:
                                        yield event
                                elif message.type == aiohttp.WSMsgType.ERROR:
                                    break
                        finally:
                            self.connected.clear()
                except aiohttp.WSServerHandshakeError as exc:
                    if exc.status == 401:
                        raise AriError(
                            "ARI refused the event WebSocket credentials: check MINIBOT_ARI_USER/PASSWORD",
                            status=401,
                            retryable=False,
                        ) from exc
                    log.warning("ARI event socket refused (%s), retrying", exc.status)
                except (aiohttp.ClientError, OSError) as exc:
                    log.warning("ARI event socket unavailable (%s), retrying", exc)
                self.connected.clear()
                failures += 1
                await asyncio.sleep(self.backoff(failures))
