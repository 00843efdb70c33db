"""`SimulatedPbx`: start the simulated Asterisk in-process (``async with SimulatedPbx() as pbx: pbx.url``)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from aiohttp import web

from services.simulator.http_api import EVENT_SOCKETS, EventSockets, build_app
from services.simulator.media_audiosocket import AudioSocketMediaTransport
from services.simulator.media_rtp import RtpMediaTransport
from services.simulator.media_websocket import WebSocketMediaTransport
from services.simulator.pbx import PbxEngine
from services.simulator.personas import PersonaBook


class SimulatedPbx:
    """The simulated PBX listening on ``host:port`` (port 0 picks a free one) with ARI credentials."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        user: str = "minibot",
        password: str = "minibot",
        personas: PersonaBook | None = None,
        time_scale: float = 1.0,
        media_time_scale: float = 1.0,
        voice_cache_dir: Path | None = None,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.engine = PbxEngine(
            personas,
            time_scale=time_scale,
            media_time_scale=media_time_scale,
            voice_cache_dir=voice_cache_dir,
        )
        self.websocket_media = WebSocketMediaTransport(self.engine)
        self.engine.transports["websocket"] = self.websocket_media
        self.engine.transports["audiosocket"] = AudioSocketMediaTransport(self.engine)
        self.engine.transports["rtp"] = RtpMediaTransport(self.engine, host)
        self.app = web.Application()  # built by start(), once every transport is registered
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Base URL to give AriClient, e.g. ``http://127.0.0.1:8088``."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen; afterwards ``port`` is the real port. Register extra transports before this."""
        self.app = build_app(self.engine, self.user, self.password)
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        server = site._server
        if self.port == 0 and isinstance(server, asyncio.base_events.Server):
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop every call flow and the server."""
        await self.engine.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimulatedPbx:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def drop_event_sockets(self) -> int:
        """Close every ARI event WebSocket server-side (as an Asterisk restart would); returns how many."""
        sockets: EventSockets = self.app[EVENT_SOCKETS]
        closing = list(sockets)
        for ws in closing:
            await ws.close(code=1001)
        return len(closing)

    async def callee_hangup(self, channel_id: str) -> None:
        """The far end hangs up (cause 16)."""
        await self.engine.hangup(channel_id, 16)


async def serve(pbx: SimulatedPbx, ready: Callable[[SimulatedPbx], None] | None = None) -> None:
    """Run ``pbx`` until SIGINT/SIGTERM (``minibot simulate pbx``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with pbx:
        if ready is not None:
            ready(pbx)
        await stop.wait()
