"""chan_websocket media transport (Asterisk 22.8+/20.18+ ExternalMedia, `transport=websocket`).

SERVER mode: Asterisk is the server, the bot connects to ``ws://asterisk:8088/media/{connection_id}``
(subprotocol ``media``). CLIENT mode: Asterisk connects to the bot's aiohttp route (subprotocol
``media``). Both carry raw LE slin16 as binary messages and control as text messages: the first from
Asterisk is MEDIA_START (JSON or plain text). Asterisk re-times bot audio from its own queue, so bot
audio is sent ahead of real time, paused on MEDIA_XOFF and resumed on MEDIA_XON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from services.errors import MediaError
from services.media.frames import FRAME_BYTES, Reframer
from services.media.leg import FrameInbox, LegRegistry, MediaLeg

SUBPROTOCOL = "media"
NORMAL_CLOSURE = 1000
MAX_COMMAND_BYTES = 128

log = logging.getLogger("minibot.media")


@dataclass(frozen=True)
class MediaStart:
    """The MEDIA_START event Asterisk sends first."""

    connection_id: str
    channel: str
    channel_id: str
    format: str
    optimal_frame_size: int
    ptime: int
    channel_variables: dict[str, str] = field(default_factory=dict)
    json_form: bool = True


def parse_control(text: str) -> dict[str, Any]:
    """Parse a control message, JSON (``{"event": ...}``) or plain (``EVENT key:value ...``)."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MediaError(f"malformed media control message: {text[:80]!r}") from exc
        if not isinstance(data, dict):
            raise MediaError(f"media control message is not an object: {text[:80]!r}")
        data["json_form"] = True
        return data
    head, _, rest = text.partition(" ")
    parsed: dict[str, Any] = {"event": head, "json_form": False}
    for token in rest.split():
        key, sep, value = token.partition(":")
        if sep:
            parsed[key] = value
        else:  # a bare argument, e.g. a correlation id
            parsed.setdefault("correlation_id", token)
    return parsed


def parse_media_start(text: str) -> MediaStart:
    """Parse MEDIA_START in either form; MediaError when it is something else."""
    data = parse_control(text)
    if data.get("event") != "MEDIA_START":
        raise MediaError(f"expected MEDIA_START as first media message, got {text[:80]!r}")
    variables = data.get("channel_variables") or {}
    return MediaStart(
        connection_id=str(data.get("connection_id", "")),
        channel=str(data.get("channel", "")),
        channel_id=str(data.get("channel_id", "")),
        format=str(data.get("format", "")),
        optimal_frame_size=int(data.get("optimal_frame_size", FRAME_BYTES)),
        ptime=int(data.get("ptime", 20)),
        channel_variables={str(k): str(v) for k, v in dict(variables).items()},
        json_form=bool(data["json_form"]),
    )


def format_command(command: str, json_form: bool, correlation_id: str | None = None) -> str:
    """Build an app->Asterisk command in the form Asterisk used (max 128 bytes)."""
    if json_form:
        body: dict[str, str] = {"command": command}
        if correlation_id is not None:
            body["correlation_id"] = correlation_id
        text = json.dumps(body, separators=(",", ":"))
    else:
        text = command if correlation_id is None else f"{command} {correlation_id}"
    if len(text.encode()) > MAX_COMMAND_BYTES:
        raise MediaError(f"media command too long for Asterisk ({len(text)} > {MAX_COMMAND_BYTES} bytes)")
    return text


WebSocketLike = aiohttp.ClientWebSocketResponse | web.WebSocketResponse


class WebSocketMediaLeg:
    """A MediaLeg over a chan_websocket connection (either mode)."""

    def __init__(
        self,
        ws: WebSocketLike,
        *,
        session: aiohttp.ClientSession | None = None,
        chunk_frames: int = 10,
        on_dtmf: Callable[[str], None] | None = None,
    ) -> None:
        self._ws = ws
        self._session = session
        self._chunk_bytes = chunk_frames * FRAME_BYTES
        self._on_dtmf = on_dtmf
        self._inbox = FrameInbox()
        self._out: deque[bytes | str] = deque()  # audio chunks or mark ids
        self._out_ready = asyncio.Event()
        self._xon = asyncio.Event()
        self._xon.set()
        self._marks: dict[str, asyncio.Future[bool]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.media_start: MediaStart | None = None
        self.close_code: int | None = None
        self.closed = asyncio.Event()

    @property
    def remote_hangup(self) -> bool:
        """True when Asterisk closed the socket normally (code 1000: the channel hung up)."""
        return self.close_code == NORMAL_CLOSURE

    async def start(self, start_timeout_s: float = 5.0) -> MediaStart:
        """Wait for MEDIA_START, then start reading and sending."""
        try:
            msg = await asyncio.wait_for(self._ws.receive(), start_timeout_s)
        except TimeoutError as exc:
            raise MediaError("no MEDIA_START from Asterisk within the timeout", retryable=True) from exc
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise MediaError(f"expected MEDIA_START text message, got {msg.type.name}")
        self.media_start = parse_media_start(str(msg.data))
        if self.media_start.format not in {"slin16", ""}:
            raise MediaError(f"media format {self.media_start.format!r} is not slin16; set format=slin16")
        self._tasks = [
            asyncio.create_task(self._read(), name="ws-media-read"),
            asyncio.create_task(self._write(), name="ws-media-write"),
        ]
        return self.media_start

    def frames(self) -> AsyncIterator[bytes]:
        """Caller frames until hangup."""
        return self._inbox.frames()

    async def send(self, pcm: bytes) -> None:
        """Queue bot audio; chunks go out ahead of real time unless Asterisk said MEDIA_XOFF."""
        reframer = Reframer(FRAME_BYTES)
        frames = reframer.feed(pcm)
        tail = reframer.flush()  # Asterisk drops a partial tail: pad it
        data = b"".join([*frames, tail] if tail is not None else frames)
        for start in range(0, len(data), self._chunk_bytes):
            self._out.append(data[start : start + self._chunk_bytes])
        self._out_ready.set()

    async def flush(self) -> None:
        """Drop local and Asterisk-queued bot audio (FLUSH_MEDIA); pending marks resolve False."""
        self._out.clear()
        self._xon.set()  # Asterisk's queue is emptied by FLUSH_MEDIA
        for future in self._marks.values():
            if not future.done():
                future.set_result(False)
        self._marks.clear()
        await self._command("FLUSH_MEDIA")

    async def mark(self, mark_id: str) -> Awaitable[bool]:
        """MARK_MEDIA after the queued audio; resolves True on MEDIA_MARK_PROCESSED."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self.closed.is_set():
            future.set_result(False)
            return future
        self._marks[mark_id] = future
        self._out.append(mark_id)
        self._out_ready.set()
        return future

    async def close(self) -> None:
        """Ask Asterisk to hang up the media channel, then close the socket."""
        if not self._ws.closed:
            await self._command("HANGUP")
        await self._finish()
        await self._ws.close(code=NORMAL_CLOSURE)
        if self._session is not None:
            await self._session.close()

    async def wait_closed(self) -> None:
        """Wait until the connection is over."""
        await self.closed.wait()

    async def _command(self, command: str, correlation_id: str | None = None) -> None:
        if self._ws.closed or self.media_start is None:
            return
        with contextlib.suppress(ConnectionError):
            await self._ws.send_str(format_command(command, self.media_start.json_form, correlation_id))

    async def _read(self) -> None:
        try:
            async for msg in self._ws:
                if msg.type == aiohttp.WSMsgType.BINARY:
                    self._inbox.put_pcm(bytes(msg.data))
                elif msg.type == aiohttp.WSMsgType.TEXT:
                    try:
                        self._on_event(parse_control(str(msg.data)))
                    except MediaError as exc:
                        log.warning("media control message skipped: %s", exc)
        finally:
            self.close_code = self._ws.close_code
            await self._finish(from_reader=True)

    def _on_event(self, event: dict[str, Any]) -> None:
        name = event.get("event")
        if name == "MEDIA_XOFF":
            self._xon.clear()
        elif name == "MEDIA_XON":
            self._xon.set()
        elif name == "MEDIA_MARK_PROCESSED":
            future = self._marks.pop(str(event.get("correlation_id", "")), None)
            if future is not None and not future.done():
                future.set_result(True)
        elif name == "DTMF_END" and self._on_dtmf is not None:
            self._on_dtmf(str(event.get("digit", "")))

    async def _write(self) -> None:
        while True:
            if not self._out:
                self._out_ready.clear()
                await self._out_ready.wait()
                continue
            await self._xon.wait()
            if not self._out:  # flushed while paused
                continue
            item = self._out.popleft()
            if isinstance(item, str):
                await self._command("MARK_MEDIA", item)
            else:
                try:
                    await self._ws.send_bytes(item)
                except ConnectionError:
                    return

    async def _finish(self, from_reader: bool = False) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        self._inbox.end()
        for future in self._marks.values():
            if not future.done():
                future.set_result(False)
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        if not from_reader:
            await asyncio.gather(*[t for t in self._tasks if t is not current], return_exceptions=True)


async def connect_websocket_media(
    base_url: str, connection_id: str, *, connect_timeout_s: float = 5.0, chunk_frames: int = 10
) -> WebSocketMediaLeg:
    """SERVER mode: connect to Asterisk's ``{base_url}/media/{connection_id}`` and wait for MEDIA_START.

    ``base_url`` is like ``ws://asterisk:8088``; ``connection_id`` is the channel variable
    MEDIA_WEBSOCKET_CONNECTION_ID from the externalMedia response.
    """
    url = f"{base_url.rstrip('/')}/media/{connection_id}"
    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(
            url, protocols=(SUBPROTOCOL,), timeout=aiohttp.ClientWSTimeout(ws_close=connect_timeout_s)
        )
    except aiohttp.WSServerHandshakeError as exc:
        await session.close()
        reason = {404: "unknown connection id", 409: "already connected"}.get(exc.status, exc.message)
        raise MediaError(f"media websocket {url} refused: HTTP {exc.status} ({reason})") from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        await session.close()
        raise MediaError(f"cannot connect media websocket {url}: {exc}", retryable=True) from exc
    leg = WebSocketMediaLeg(ws, session=session, chunk_frames=chunk_frames)
    try:
        await leg.start(connect_timeout_s)
    except MediaError:
        await leg.close()
        raise
    return leg


class WebSocketMediaServer:
    """CLIENT mode: an aiohttp route Asterisk connects to; legs are handed out by channel id."""

    def __init__(self, path: str = "/media", chunk_frames: int = 10) -> None:
        self.path = path
        self.registry: LegRegistry[str] = LegRegistry()
        self._chunk_frames = chunk_frames

    def add_routes(self, app: web.Application) -> None:
        """Mount ``path`` and ``path/{tail}`` on an aiohttp app."""
        app.router.add_get(self.path, self._handle)
        app.router.add_get(self.path + "/{tail:.*}", self._handle)

    def expect(self, channel_id: str) -> asyncio.Future[MediaLeg]:
        """The future leg of the externalMedia channel ``channel_id``."""
        return self.registry.expect(channel_id)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,))
        await ws.prepare(request)
        leg = WebSocketMediaLeg(ws, chunk_frames=self._chunk_frames)
        try:
            start = await leg.start()
        except MediaError:
            await ws.close()
            return ws
        if not self.registry.deliver(start.channel_id, leg):
            await leg.close()
            return ws
        await leg.wait_closed()
        return ws
