"""AudioSocket transport (ExternalMedia `encapsulation=audiosocket`, `transport=tcp`).

Asterisk connects to the bot's TCP server. Each message: 1 byte kind, 2 bytes big-endian length,
payload. First message 0x01 carries the 16-byte call UUID (the `data` given to externalMedia).
Audio 0x12 = slin16 LE. AudioSocket does not re-time audio, so bot frames are paced at 20 ms here.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import uuid
from collections.abc import Callable

from services.errors import MediaError
from services.media.leg import FrameInbox, LegRegistry, MediaLeg, PacedLeg, PacedSender

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_SLIN16 = 0x12
KIND_ERROR = 0xFF
HEADER = struct.Struct(">BH")


def pack_message(kind: int, payload: bytes = b"") -> bytes:
    """One AudioSocket message."""
    if len(payload) > 0xFFFF:
        raise MediaError(f"AudioSocket payload too long: {len(payload)} bytes")
    return HEADER.pack(kind, len(payload)) + payload


async def read_message(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one message; (KIND_HANGUP, b"") at end of stream."""
    try:
        kind, length = HEADER.unpack(await reader.readexactly(HEADER.size))
        payload = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return KIND_HANGUP, b""
    return kind, payload


class AudioSocketLeg(PacedLeg):
    """A MediaLeg over one accepted AudioSocket connection."""

    def __init__(
        self,
        call_uuid: uuid.UUID,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_dtmf: Callable[[str], None] | None = None,
    ) -> None:
        self.call_uuid = call_uuid
        self._reader = reader
        self._writer = writer
        self._on_dtmf = on_dtmf
        self._inbox = FrameInbox()
        self._sender = PacedSender(self._write_frame)
        self._reader_task: asyncio.Task[None] | None = None
        self.error: bytes | None = None
        self.closed = asyncio.Event()

    def start(self) -> None:
        """Start reading caller audio and pacing bot audio."""
        self._sender.start()
        self._reader_task = asyncio.create_task(self._read(), name=f"audiosocket-{self.call_uuid}")

    async def close(self) -> None:
        """Send a hangup message and close the connection."""
        await self._sender.stop()
        if not self._writer.is_closing():
            with contextlib.suppress(ConnectionError):
                self._writer.write(pack_message(KIND_HANGUP))
                await self._writer.drain()
            self._writer.close()
        if self._reader_task is not None and self._reader_task is not asyncio.current_task():
            self._reader_task.cancel()
            await asyncio.gather(self._reader_task, return_exceptions=True)
        self._inbox.end()
        self.closed.set()

    async def _write_frame(self, frame: bytes) -> None:
        self._writer.write(pack_message(KIND_SLIN16, frame))
        await self._writer.drain()

    async def _read(self) -> None:
        try:
            while True:
                kind, payload = await read_message(self._reader)
                if kind == KIND_SLIN16:
                    self._inbox.put_pcm(payload)
                elif kind == KIND_DTMF and self._on_dtmf is not None:
                    self._on_dtmf(payload.decode("ascii", "replace"))
                elif kind == KIND_ERROR:
                    self.error = payload
                    return
                elif kind == KIND_HANGUP:
                    return
        finally:
            self._inbox.end()
            await self._sender.stop()
            self.closed.set()


class AudioSocketServer:
    """TCP server Asterisk connects to; each connection is handed to the call expecting its UUID."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, hello_timeout_s: float = 5.0) -> None:
        self.hello_timeout_s = hello_timeout_s
        self.host = host
        self.port = port
        self.registry: LegRegistry[uuid.UUID] = LegRegistry()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the bound port."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def expect(self, call_uuid: uuid.UUID) -> asyncio.Future[MediaLeg]:
        """The future leg for the externalMedia channel created with ``data=<call_uuid>``."""
        return self.registry.expect(call_uuid)

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            kind, payload = await asyncio.wait_for(read_message(reader), self.hello_timeout_s)
        except TimeoutError:
            kind, payload = KIND_ERROR, b""
        if kind != KIND_UUID or len(payload) != 16:
            writer.close()
            return
        leg = AudioSocketLeg(uuid.UUID(bytes=payload), reader, writer)
        if not self.registry.deliver(leg.call_uuid, leg):
            writer.write(pack_message(KIND_HANGUP))
            writer.close()
            return
        leg.start()
