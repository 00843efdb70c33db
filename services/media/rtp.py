"""RTP/UDP transport, the last resort (ExternalMedia `encapsulation=rtp`).

Two-way audio needs ``format=ulaw`` (PT 0, 160-byte payloads) or ``format=slin`` (8 kHz L16
big-endian: the bot sends PT 11, Asterisk sends PT 10): slin16 from the app is dropped by Asterisk.
Audio is resampled 8 kHz <-> 16 kHz inside; bot audio is paced at 20 ms.
"""

from __future__ import annotations

import asyncio
import functools
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from services.errors import MediaError
from services.media.frames import (
    SAMPLE_RATE,
    Int16Array,
    StreamResampler,
    pcm_to_samples,
    ulaw_decode,
    ulaw_encode,
)
from services.media.leg import FrameInbox, PacedLeg, PacedSender

RTP_HEADER = struct.Struct("!BBHII")
PT_ULAW = 0
PT_SLIN_IN = 11  # what Asterisk accepts for slin 8 kHz
PT_SLIN_OUT = 10  # what Asterisk sends for slin 8 kHz
NARROW_RATE = 8000
SAMPLES_PER_PACKET = 160  # 20 ms at 8 kHz


@dataclass(frozen=True)
class RtpPacket:
    """The RTP fields MiniBot uses."""

    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def pack(self) -> bytes:
        """Serialize (version 2, no padding, extension or CSRC)."""
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        header = RTP_HEADER.pack(0x80, second, self.seq & 0xFFFF, self.timestamp & 0xFFFFFFFF, self.ssrc)
        return header + self.payload

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Parse a datagram; MediaError when it is not RTP v2."""
        if len(data) < RTP_HEADER.size:
            raise MediaError(f"RTP packet too short ({len(data)} bytes)")
        first, second, seq, timestamp, ssrc = RTP_HEADER.unpack_from(data)
        if first >> 6 != 2:
            raise MediaError("not an RTP version 2 packet")
        offset = RTP_HEADER.size + 4 * (first & 0x0F)
        if first & 0x10:  # header extension
            if len(data) < offset + 4:
                raise MediaError("RTP header extension cut short")
            (length,) = struct.unpack_from("!H", data, offset + 2)
            offset += 4 + 4 * length
        end = len(data) - (data[-1] if first & 0x20 else 0)
        if offset > end:
            raise MediaError("RTP header (CSRC, extension, padding) longer than the packet")
        return cls(second & 0x7F, seq, timestamp, ssrc, data[offset:end], bool(second & 0x80))


class JitterBuffer:
    """Reorders packets by sequence number; declares a packet lost once ``depth`` later ones arrived.

    `push` returns payloads in order, with None standing for each lost packet (caller conceals it).
    """

    def __init__(self, depth: int = 4) -> None:
        self.depth = depth
        self._next: int | None = None
        self._held: dict[int, bytes] = {}
        self.lost = 0
        self.late = 0

    def push(self, seq: int, payload: bytes) -> list[bytes | None]:
        """Add a packet; return what can be released now."""
        if self._next is None:
            self._next = seq
        ahead = (seq - self._next) & 0xFFFF
        if ahead >= 0x8000:  # older than what was already released
            self.late += 1
            return []
        self._held[seq] = payload
        released: list[bytes | None] = []
        while self._held:
            if self._next in self._held:
                released.append(self._held.pop(self._next))
            elif len(self._held) >= self.depth:
                released.append(None)
                self.lost += 1
            else:
                break
            self._next = (self._next + 1) & 0xFFFF
        return released

    def drain(self) -> list[bytes | None]:
        """Release everything held (gaps as None)."""
        released: list[bytes | None] = []
        while self._held and self._next is not None:
            released.append(self._held.pop(self._next, None))
            self._next = (self._next + 1) & 0xFFFF
        return released


class PortAllocator:
    """Hands out one UDP port per call from a configured range."""

    def __init__(self, port_min: int, port_max: int) -> None:
        if port_min > port_max:
            raise MediaError(f"empty RTP port range {port_min}-{port_max}")
        self._free = list(range(port_min, port_max + 1))
        self._used: set[int] = set()

    def allocate(self) -> int:
        """A free port; MediaError when the range is exhausted."""
        if not self._free:
            raise MediaError("no free RTP port left: widen MINIBOT_RTP_PORT_MIN/MAX", retryable=True)
        port = self._free.pop(0)
        self._used.add(port)
        return port

    @property
    def in_use(self) -> frozenset[int]:
        """Ports currently handed out."""
        return frozenset(self._used)

    def release(self, port: int) -> None:
        """Return a port to the pool."""
        if port in self._used:
            self._used.discard(port)
            self._free.append(port)


class NarrowbandCodec:
    """8 kHz ulaw or big-endian slin payloads <-> 16 kHz int16 samples, with streaming resamplers."""

    def __init__(self, codec: str) -> None:
        if codec not in {"ulaw", "slin"}:
            raise MediaError(f"RTP codec must be 'ulaw' or 'slin', not {codec!r}")
        self.codec = codec
        self.send_payload_type = PT_ULAW if codec == "ulaw" else PT_SLIN_IN
        self.receive_payload_types = {PT_ULAW} if codec == "ulaw" else {PT_SLIN_OUT, PT_SLIN_IN}
        self._up = StreamResampler(NARROW_RATE, SAMPLE_RATE)
        self._down = StreamResampler(SAMPLE_RATE, NARROW_RATE)
        self._pending = np.zeros(0, dtype=np.int16)

    @property
    def payload_bytes(self) -> int:
        """Bytes of one 20 ms payload."""
        return SAMPLES_PER_PACKET if self.codec == "ulaw" else 2 * SAMPLES_PER_PACKET

    def decode(self, payload: bytes) -> bytes:
        """Payload (8 kHz) to 16 kHz LE bytes (an odd trailing byte of slin is dropped)."""
        narrow = (
            ulaw_decode(payload)
            if self.codec == "ulaw"
            else np.frombuffer(payload[: len(payload) // 2 * 2], ">i2").astype(np.int16)
        )
        return self._up.process(narrow).astype("<i2").tobytes()

    def encode(self, pcm16k: bytes) -> list[bytes]:
        """16 kHz LE bytes to whole 20 ms payloads (the remainder waits for more audio)."""
        narrow = np.concatenate([self._pending, self._down.process(pcm_to_samples(pcm16k))])
        whole = len(narrow) // SAMPLES_PER_PACKET * SAMPLES_PER_PACKET
        self._pending = narrow[whole:]
        return [
            self._payload(narrow[i : i + SAMPLES_PER_PACKET]) for i in range(0, whole, SAMPLES_PER_PACKET)
        ]

    def _payload(self, samples: Int16Array) -> bytes:
        return ulaw_encode(samples) if self.codec == "ulaw" else samples.astype(">i2").tobytes()


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, leg: RtpLeg) -> None:
        self._leg = leg

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._leg.on_datagram(data, (str(addr[0]), int(addr[1])))


class RtpLeg(PacedLeg):
    """A MediaLeg over RTP/UDP. Sends to ``remote`` (UNICASTRTP_LOCAL_ADDRESS/PORT) or to the source
    of the first packet received."""

    def __init__(
        self,
        codec: str = "ulaw",
        remote: tuple[str, int] | None = None,
        jitter_depth: int = 4,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._on_close = on_close
        self.codec = NarrowbandCodec(codec)
        self.remote = remote
        self.jitter = JitterBuffer(jitter_depth)
        self._inbox = FrameInbox()
        self._sender = PacedSender(self._send_packet_for)
        self._transport: asyncio.DatagramTransport | None = None
        self._seq = random.randrange(0x10000)
        self._timestamp = random.randrange(0x100000000)
        self._ssrc = random.randrange(1, 0x100000000)
        self._out_payloads: list[bytes] = []
        self.port = 0

    async def open(self, host: str, port: int) -> int:
        """Bind the UDP socket; returns the port."""
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(host, port)
            )
        except OSError as exc:
            raise MediaError(f"cannot bind RTP port {host}:{port}: {exc}", retryable=True) from exc
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        self._sender.start()
        return self.port

    def on_datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """Handle one received datagram."""
        try:
            packet = RtpPacket.parse(data)
        except MediaError:
            return  # not RTP: dropped
        if packet.payload_type not in self.codec.receive_payload_types:
            return  # RTCP on the same port, another codec, garbage: not caller audio
        if self.remote is None:
            self.remote = addr
        for payload in self.jitter.push(packet.seq, packet.payload):
            self._inbox.put_pcm(self.codec.decode(payload if payload is not None else self._silence()))

    def _silence(self) -> bytes:
        return self.codec._payload(np.zeros(SAMPLES_PER_PACKET, dtype=np.int16))

    async def close(self) -> None:
        """Stop sending and close the socket."""
        await self._sender.stop()
        for payload in self.jitter.drain():
            self._inbox.put_pcm(self.codec.decode(payload if payload is not None else self._silence()))
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            if self._on_close is not None:
                self._on_close()
        self._inbox.end()

    async def _send_packet_for(self, frame: bytes) -> None:
        for payload in self.codec.encode(frame):
            if self._transport is None or self.remote is None:
                return  # nobody to send to yet: the audio is dropped like on a real line
            packet = RtpPacket(self.codec.send_payload_type, self._seq, self._timestamp, self._ssrc, payload)
            self._transport.sendto(packet.pack(), self.remote)
            self._seq = (self._seq + 1) & 0xFFFF
            self._timestamp = (self._timestamp + SAMPLES_PER_PACKET) & 0xFFFFFFFF


async def open_rtp_leg(
    allocator: PortAllocator,
    host: str = "127.0.0.1",
    codec: str = "ulaw",
    remote: tuple[str, int] | None = None,
) -> RtpLeg:
    """Open an RTP leg on the next free port of ``allocator`` (skipping ports already bound); the port
    returns to the allocator when the leg closes."""
    while True:
        port = allocator.allocate()
        leg = RtpLeg(codec, remote, on_close=functools.partial(allocator.release, port))
        try:
            await leg.open(host, port)
        except MediaError:
            continue  # port busy outside MiniBot: try the next (allocate raises when none is left)
        return leg
