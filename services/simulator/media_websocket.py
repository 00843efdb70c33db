"""ExternalMedia over WebSocket in server mode, as chan_websocket does it (Asterisk 22).

The bot connects to ``/media/{MEDIA_WEBSOCKET_CONNECTION_ID}`` (subprotocol ``media``); we send
MEDIA_START, then one 640-byte slin16 LE binary frame every 20 ms (the bridged callee's speech or silence),
and play the bot's binary audio from a queue at the same pace, honouring the control commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from services.simulator.media_leg import FRAME_BYTES, FRAME_MS, SILENCE, cut_frames, paced
from services.simulator.pbx import PbxEngine, SimError
from services.simulator.shapes import SimChannel

log = logging.getLogger(__name__)

QUEUE_MAX = 1000
XOFF_LEVEL = 900
XON_LEVEL = 800
MAX_CONTROL_BYTES = 128


@dataclass
class _Mark:
    correlation_id: str


@dataclass
class MediaSession:
    """One ExternalMedia WebSocket channel and its playback queue."""

    channel: SimChannel
    connection_id: str
    ws: web.WebSocketResponse | None = None
    queue: deque[bytes | _Mark] = field(default_factory=deque)
    frames_queued: int = 0
    frames_played: int = 0
    frames_sent: int = 0
    xoff: bool = False
    report_drained: bool = False
    buffering: bytearray | None = None
    paused: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def enqueue(self, frames: list[bytes]) -> list[dict[str, Any]]:
        """Queue bot frames (dropping beyond the queue size); returns events to send (MEDIA_XOFF)."""
        room = QUEUE_MAX - self.frames_queued
        self.queue.extend(frames[: max(0, room)])
        self.frames_queued += min(len(frames), max(0, room))
        if self.frames_queued >= XOFF_LEVEL and not self.xoff:
            self.xoff = True
            return [{"event": "MEDIA_XOFF"}]
        return []

    def play_one(self) -> tuple[bytes | None, list[dict[str, Any]]]:
        """Take the next bot frame to play (None if none) and the events that follow."""
        events = self._marks()
        frame: bytes | None = None
        if not self.paused and self.queue:
            item = self.queue.popleft()
            assert isinstance(item, bytes)
            frame = item
            self.frames_queued -= 1
            self.frames_played += 1
            events += self._marks()
        if self.xoff and self.frames_queued < XON_LEVEL:
            self.xoff = False
            events.append({"event": "MEDIA_XON"})
        if self.report_drained and not self.queue:
            self.report_drained = False
            events.append({"event": "QUEUE_DRAINED"})
        return frame, events

    def _marks(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        while self.queue and isinstance(self.queue[0], _Mark):
            mark = self.queue.popleft()
            assert isinstance(mark, _Mark)
            events.append({"event": "MEDIA_MARK_PROCESSED", "correlation_id": mark.correlation_id})
        return events

    def flush(self) -> None:
        """FLUSH_MEDIA: drop everything queued."""
        self.queue.clear()
        self.frames_queued = 0

    def status(self) -> dict[str, Any]:
        """The STATUS event."""
        return {"event": "STATUS", "queue_length": self.frames_queued, "xon_level": XON_LEVEL,
                "xoff_level": XOFF_LEVEL, "queue_full": self.frames_queued >= QUEUE_MAX,
                "bulk_media": self.buffering is not None, "media_paused": self.paused}  # fmt: skip


def parse_command(text: str) -> tuple[str, dict[str, Any]]:
    """A control message in JSON (``{"command": ...}``) or plain text (``MARK_MEDIA id``) form."""
    text = text.strip()
    if text.startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict) or "command" not in data:
            raise ValueError("JSON control message without 'command'")
        return str(data["command"]).upper(), data
    command, _, arg = text.partition(" ")
    return command.upper(), ({"correlation_id": arg.strip()} if arg.strip() else {})


class WebSocketMediaTransport:
    """The ``websocket`` ExternalMedia transport of the simulated PBX."""

    def __init__(self, engine: PbxEngine) -> None:
        self.engine = engine
        self.sessions: dict[str, MediaSession] = {}  # connection id → session
        self._by_channel: dict[str, MediaSession] = {}

    def add_routes(self, app: web.Application) -> None:
        """Serve ``GET /media/{connection_id}``."""
        app.router.add_get("/media/{connection_id}", self.handle)

    async def open(self, channel: SimChannel, params: Mapping[str, str]) -> None:
        """Check the parameters and name the channel like chan_websocket does."""
        if str(params.get("encapsulation") or "none") != "none":
            raise SimError(400, "encapsulation must be none for the websocket transport")
        if str(params.get("connection_type") or "server") != "server":
            raise SimError(400, "the simulator only does connection_type=server for websocket")
        if str(params.get("format")) != "slin16":
            raise SimError(400, "the simulator's websocket transport carries format=slin16 only")
        connection_id = str(uuid.uuid4())
        channel.name = f"WebSocket/INCOMING/0x{uuid.uuid4().hex[:12]}"
        channel.channelvars.update(
            {
                "MEDIA_WEBSOCKET_CONNECTION_ID": connection_id,
                "MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE": str(FRAME_BYTES),
            }
        )
        session = MediaSession(channel, connection_id)
        self.sessions[connection_id] = session
        self._by_channel[channel.id] = session

    async def close(self, channel: SimChannel) -> None:
        """Channel destroyed: close the socket with code 1000."""
        session = self._by_channel.pop(channel.id, None)
        if session is None:
            return
        self.sessions.pop(session.connection_id, None)
        session.done.set()
        if session.ws is not None and not session.ws.closed:
            await session.ws.close(code=1000)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The media WebSocket: 404 for an unknown id, 409 when already connected."""
        session = self.sessions.get(request.match_info["connection_id"])
        if session is None:
            raise web.HTTPNotFound(text="unknown media connection id")
        if session.ws is not None:
            raise web.HTTPConflict(text="media connection already in use")
        ws = web.WebSocketResponse(protocols=("media",), max_msg_size=4 * 1024 * 1024)
        session.ws = ws
        await ws.prepare(request)
        channel = session.channel
        self.engine.media_connected(channel)  # answered and in Stasis before MEDIA_START goes out
        await ws.send_str(json.dumps({
            "event": "MEDIA_START", "connection_id": session.connection_id, "channel": channel.name,
            "channel_id": channel.id, "format": "slin16", "optimal_frame_size": FRAME_BYTES,
            "ptime": FRAME_MS, "channel_variables": dict(channel.variables),
        }))  # fmt: skip
        ticker = asyncio.get_running_loop().create_task(self._tick(session, ws))
        try:
            async for message in ws:
                if message.type == WSMsgType.BINARY:
                    await self._on_audio(session, ws, message.data)
                elif message.type == WSMsgType.TEXT:
                    await self._on_control(session, ws, message.data)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            if not channel.gone:  # the bot closed the socket: Asterisk hangs the channel up
                await self.engine.hangup(channel.id, 16)
        return ws

    async def _on_audio(self, session: MediaSession, ws: web.WebSocketResponse, data: bytes) -> None:
        if session.buffering is not None:
            session.buffering.extend(data)
            return
        frames, _tail = cut_frames(data)  # a partial tail is dropped, as in chan_websocket
        await _send(ws, session.enqueue(frames))

    async def _on_control(self, session: MediaSession, ws: web.WebSocketResponse, text: str) -> None:
        if len(text.encode()) > MAX_CONTROL_BYTES:
            await _send(ws, [{"event": "ERROR", "error_text": "control message too long"}])
            return
        try:
            command, data = parse_command(text)
        except ValueError as exc:
            await _send(ws, [{"event": "ERROR", "error_text": str(exc)}])
            return
        correlation = str(data.get("correlation_id") or "")
        events: list[dict[str, Any]] = []
        if command == "HANGUP":
            await self.engine.hangup(session.channel.id, 16)
        elif command == "MARK_MEDIA":
            session.queue.append(_Mark(correlation))
        elif command == "FLUSH_MEDIA":
            session.flush()
        elif command == "REPORT_QUEUE_DRAINED":
            session.report_drained = True
        elif command == "GET_STATUS":
            events.append(session.status())
        elif command == "START_MEDIA_BUFFERING":
            session.buffering = bytearray()
        elif command == "STOP_MEDIA_BUFFERING":
            pcm = bytes(session.buffering or b"")
            session.buffering = None
            frames, tail = cut_frames(pcm)
            if tail:
                frames.append(tail + bytes(FRAME_BYTES - len(tail)))
            events += session.enqueue(frames)
            events.append({"event": "MEDIA_BUFFERING_COMPLETED", "correlation_id": correlation})
        elif command in {"PAUSE_MEDIA", "CONTINUE_MEDIA"}:
            session.paused = command == "PAUSE_MEDIA"
        elif command not in {"ANSWER", "SET_MEDIA_DIRECTION"}:
            events.append({"event": "ERROR", "error_text": f"unknown command {command}"})
        await _send(ws, events)

    async def _tick(self, session: MediaSession, ws: web.WebSocketResponse) -> None:
        """Every 20 ms: one callee frame to the bot, one bot frame to the callee."""
        await paced(
            lambda: self._tick_once(session, ws),
            lambda: not ws.closed and not session.done.is_set(),
            self.engine.media_time_scale,
        )

    async def _tick_once(self, session: MediaSession, ws: web.WebSocketResponse) -> None:
        with contextlib.suppress(ConnectionResetError):
            callee = self.engine.callee_audio(session.channel.id)
            await ws.send_bytes(callee.next_frame() if callee is not None else SILENCE)
            session.frames_sent += 1
            frame, events = session.play_one()
            if callee is not None:
                callee.hear(frame or SILENCE)
            await _send(ws, events)


async def _send(ws: web.WebSocketResponse, events: list[dict[str, Any]]) -> None:
    for event in events:
        if not ws.closed:
            await ws.send_str(json.dumps(event))
