"""Asterisk-side peers for AudioSocket and RTP: they speak to the bot exactly as Asterisk does.

Used by the simulated PBX and by transport tests. Caller audio goes in as 16 kHz LE frames; what the
bot sent comes back as 16 kHz LE bytes in ``received``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid

from services.media.audiosocket import KIND_HANGUP, KIND_SLIN16, KIND_UUID, pack_message, read_message
from services.media.frames import frames_of
from services.media.rtp import PT_SLIN_OUT, PT_ULAW, SAMPLES_PER_PACKET, NarrowbandCodec, RtpPacket


class AudioSocketPeer:
    """Connects to the bot's AudioSocket server like Asterisk: UUID first, then 0x12 slin16 frames."""

    def __init__(self, call_uuid: uuid.UUID) -> None:
        self.call_uuid = call_uuid
        self.received = bytearray()
        self.hung_up = asyncio.Event()
        self._got_audio = asyncio.Event()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, host: str, port: int) -> None:
        """Open the TCP connection and announce the call UUID."""
        self._reader, self._writer = await asyncio.open_connection(host, port)
        self._writer.write(pack_message(KIND_UUID, self.call_uuid.bytes))
        await self._writer.drain()
        self._task = asyncio.create_task(self._read())

    async def send_audio(self, pcm16k: bytes) -> None:
        """Send caller audio as 640-byte frames (not paced: tests run faster than real time)."""
        assert self._writer is not None
        for frame in frames_of(pcm16k):
            self._writer.write(pack_message(KIND_SLIN16, frame))
        await self._writer.drain()

    async def hangup(self) -> None:
        """Send the hangup message and close."""
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(pack_message(KIND_HANGUP))
            with contextlib.suppress(ConnectionError):
                await self._writer.drain()
            self._writer.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _read(self) -> None:
        assert self._reader is not None
        while True:
            kind, payload = await read_message(self._reader)
            if kind == KIND_SLIN16:
                self.received += payload
                self._got_audio.set()
            elif kind == KIND_HANGUP:
                self.hung_up.set()
                self._got_audio.set()
                return

    async def wait_received(self, nbytes: int) -> None:
        """Wait until at least ``nbytes`` of bot audio arrived (or the bot hung up)."""
        while len(self.received) < nbytes and not self.hung_up.is_set():
            self._got_audio.clear()
            await self._got_audio.wait()


class _PeerProtocol(asyncio.DatagramProtocol):
    def __init__(self, peer: RtpPeer) -> None:
        self._peer = peer

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        packet = RtpPacket.parse(data)
        self._peer.payload_types.add(packet.payload_type)
        self._peer.received += self._peer.codec.decode(packet.payload)


class RtpPeer:
    """Asterisk's UnicastRTP side: sends PT 0 (ulaw) or PT 10 (slin 8 kHz BE), receives the bot's RTP."""

    def __init__(self, codec: str = "ulaw") -> None:
        self.codec = NarrowbandCodec(codec)
        self.payload_type = PT_ULAW if codec == "ulaw" else PT_SLIN_OUT
        self.received = bytearray()
        self.payload_types: set[int] = set()
        self._transport: asyncio.DatagramTransport | None = None
        self._seq = random.randrange(0x10000)
        self._ssrc = random.randrange(1, 0x100000000)
        self.port = 0

    async def open(self, host: str = "127.0.0.1") -> int:
        """Bind a UDP port (like UNICASTRTP_LOCAL_PORT); returns it."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _PeerProtocol(self), local_addr=(host, 0))
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        return self.port

    def packets(self, pcm16k: bytes) -> list[bytes]:
        """Caller audio as consecutive RTP datagrams (20 ms each)."""
        datagrams = []
        for payload in self.codec.encode(pcm16k):
            packet = RtpPacket(
                self.payload_type, self._seq, self._seq * SAMPLES_PER_PACKET, self._ssrc, payload
            )
            datagrams.append(packet.pack())
            self._seq = (self._seq + 1) & 0xFFFF
        return datagrams

    def send_datagrams(self, datagrams: list[bytes], remote: tuple[str, int]) -> None:
        """Send datagrams as given (tests reorder or drop some first)."""
        assert self._transport is not None
        for datagram in datagrams:
            self._transport.sendto(datagram, remote)

    def close(self) -> None:
        """Close the socket."""
        if self._transport is not None:
            self._transport.close()
