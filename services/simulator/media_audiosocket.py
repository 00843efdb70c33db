"""ExternalMedia over AudioSocket/TCP, as chan_audiosocket does it (Asterisk 18+).

``encapsulation=audiosocket transport=tcp external_host=host:port data=<uuid> format=slin16``: the PBX
connects to the bot, sends kind 0x01 with the 16-byte UUID, then one 0x12 slin16 LE frame every 20 ms
(the bridged callee's speech or silence). Bot 0x12 frames are played to the callee as they arrive (one
per tick; AudioSocket does not re-time audio, the bot paces). 0x00 goes out when the channel hangs up;
0x00 or end of stream from the bot hangs the channel up.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from services.media.audiosocket import KIND_HANGUP, KIND_SLIN16, KIND_UUID, pack_message, read_message
from services.simulator.media_leg import SILENCE, cut_frames, paced
from services.simulator.pbx import PbxEngine, SimError
from services.simulator.shapes import SimChannel

MAX_QUEUED_FRAMES = 1000


def parse_host_port(value: str) -> tuple[str, int]:
    """``host:port`` from ``external_host`` or SimError(400)."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise SimError(400, f"external_host must be host:port, not {value!r}")
    return host, int(port)


@dataclass
class _Connection:
    channel: SimChannel
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    played: deque[bytes] = field(default_factory=deque)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class AudioSocketMediaTransport:
    """The ``audiosocket`` ExternalMedia transport of the simulated PBX."""

    def __init__(self, engine: PbxEngine) -> None:
        self.engine = engine
        self.connections: dict[str, _Connection] = {}  # channel id → connection

    def add_routes(self, app: web.Application) -> None:
        """AudioSocket needs no HTTP route."""

    async def open(self, channel: SimChannel, params: Mapping[str, str]) -> None:
        """Check the parameters, connect to the bot and announce the UUID (500 when it can't connect)."""
        if str(params.get("transport") or "tcp") != "tcp":
            raise SimError(400, "audiosocket needs transport=tcp")
        if str(params.get("format")) != "slin16":
            raise SimError(400, "the simulator's audiosocket transport carries format=slin16 only")
        host, port = parse_host_port(str(params.get("external_host") or ""))
        try:
            call_uuid = uuid.UUID(str(params.get("data") or ""))
        except ValueError as exc:
            raise SimError(400, "data must be a UUID for the audiosocket transport") from exc
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            raise SimError(500, f"AudioSocket connection to {host}:{port} failed: {exc}") from exc
        writer.write(pack_message(KIND_UUID, call_uuid.bytes))
        await writer.drain()
        channel.name = f"AudioSocket/{host}:{port}-{call_uuid}"
        connection = _Connection(channel, reader, writer)
        self.connections[channel.id] = connection
        loop = asyncio.get_running_loop()
        connection.tasks = [loop.create_task(self._read(connection)), loop.create_task(self._run(connection))]

    async def close(self, channel: SimChannel) -> None:
        """Channel destroyed: send 0x00 and close the socket."""
        connection = self.connections.pop(channel.id, None)
        if connection is None:
            return
        connection.done.set()
        if not connection.writer.is_closing():
            with contextlib.suppress(ConnectionError):
                connection.writer.write(pack_message(KIND_HANGUP))
                await connection.writer.drain()
            connection.writer.close()
        current = asyncio.current_task()
        for task in connection.tasks:
            if task is not current:
                task.cancel()

    async def _run(self, connection: _Connection) -> None:
        self.engine.media_connected(connection.channel)
        await paced(
            lambda: self._tick(connection),
            lambda: not connection.done.is_set(),
            self.engine.media_time_scale,
        )

    async def _tick(self, connection: _Connection) -> None:
        callee = self.engine.callee_audio(connection.channel.id)
        frame = callee.next_frame() if callee is not None else SILENCE
        try:
            connection.writer.write(pack_message(KIND_SLIN16, frame))
        except (ConnectionError, RuntimeError):
            connection.done.set()
            return
        bot = connection.played.popleft() if connection.played else SILENCE
        if callee is not None:
            callee.hear(bot)

    async def _read(self, connection: _Connection) -> None:
        while not connection.done.is_set():
            kind, payload = await read_message(connection.reader)
            if kind == KIND_SLIN16:
                frames, _tail = cut_frames(payload)
                room = MAX_QUEUED_FRAMES - len(connection.played)
                connection.played.extend(frames[: max(0, room)])
            elif kind == KIND_HANGUP:
                break
        if not connection.channel.gone:  # the bot hung up or closed the socket
            await self.engine.hangup(connection.channel.id, 16)
