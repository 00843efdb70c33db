"""ExternalMedia over RTP/UDP, as chan_rtp (UnicastRTP) does it on Asterisk 22.

``encapsulation=rtp transport=udp external_host=host:port format=ulaw|slin|slin16``: the PBX binds a UDP
port (returned as channelvars UNICASTRTP_LOCAL_ADDRESS/PORT) and sends one 20 ms packet per tick to
``external_host``. ``ulaw``: PT 0 both ways (160-byte payloads). ``slin`` (8 kHz): the PBX sends PT 10 and
accepts PT 11, samples big-endian. ``slin16``: the PBX sends PT 118 (640 bytes BE) and silently drops
incoming PT 118, exactly like real Asterisk (chan_rtp has no receive mapping for dynamic types).
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from services.errors import MediaError
from services.media.frames import pcm_to_samples
from services.media.rtp import PT_SLIN_IN, PT_SLIN_OUT, PT_ULAW, NarrowbandCodec, RtpPacket
from services.simulator.media_audiosocket import parse_host_port
from services.simulator.media_leg import FRAME_BYTES, SILENCE, paced
from services.simulator.pbx import PbxEngine, SimError
from services.simulator.shapes import SimChannel

PT_SLIN16 = 118
MAX_QUEUED_FRAMES = 3  # UnicastRTP has no jitter buffer: audio plays as it arrives (oldest dropped)


class _WideCodec:
    """slin16 as Asterisk sends it over RTP: 640-byte big-endian payloads, PT 118 (never received)."""

    def encode(self, pcm16k: bytes) -> list[bytes]:
        return [pcm_to_samples(pcm16k).astype(">i2").tobytes()]

    def decode(self, payload: bytes) -> bytes:
        return np.frombuffer(payload, ">i2").astype("<i2").tobytes()


@dataclass
class _RtpChannel:
    channel: SimChannel
    remote: tuple[str, int]
    codec: NarrowbandCodec | _WideCodec
    send_pt: int
    accept_pt: int | None
    transport: asyncio.DatagramTransport | None = None
    played: deque[bytes] = field(default_factory=lambda: deque(maxlen=MAX_QUEUED_FRAMES))
    pending: bytearray = field(default_factory=bytearray)
    seq: int = field(default_factory=lambda: random.randrange(0x10000))
    timestamp: int = field(default_factory=lambda: random.randrange(0x100000000))
    ssrc: int = field(default_factory=lambda: random.randrange(1, 0x100000000))
    dropped: int = 0
    task: asyncio.Task[None] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def receive(self, data: bytes) -> None:
        try:
            packet = RtpPacket.parse(data)
        except MediaError:
            return
        if packet.payload_type != self.accept_pt:
            self.dropped += 1  # unknown/dynamic payload type: dropped without a word
            return
        self.pending += self.codec.decode(packet.payload)
        while len(self.pending) >= FRAME_BYTES:
            self.played.append(bytes(self.pending[:FRAME_BYTES]))
            del self.pending[:FRAME_BYTES]

    def send(self, frame: bytes) -> None:
        assert self.transport is not None
        for payload in self.codec.encode(frame):
            packet = RtpPacket(self.send_pt, self.seq, self.timestamp, self.ssrc, payload)
            self.transport.sendto(packet.pack(), self.remote)
            self.seq = (self.seq + 1) & 0xFFFF
            self.timestamp = (self.timestamp + len(payload) // (1 if self.send_pt == PT_ULAW else 2)) & (
                0xFFFFFFFF
            )


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, rtp: _RtpChannel) -> None:
        self._rtp = rtp

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self._rtp.receive(data)


class RtpMediaTransport:
    """The ``rtp`` ExternalMedia transport of the simulated PBX."""

    def __init__(self, engine: PbxEngine, host: str = "127.0.0.1") -> None:
        self.engine = engine
        self.host = host
        self.channels: dict[str, _RtpChannel] = {}

    def add_routes(self, app: object) -> None:
        """RTP needs no HTTP route."""

    async def open(self, channel: SimChannel, params: Mapping[str, str]) -> None:
        """Bind a UDP port, name the channel UnicastRTP/host:port-0x.., start sending."""
        if str(params.get("transport") or "udp") != "udp":
            raise SimError(400, "rtp needs transport=udp")
        remote = parse_host_port(str(params.get("external_host") or ""))
        media_format = str(params.get("format"))
        codec: NarrowbandCodec | _WideCodec
        if media_format == "ulaw":
            codec, send_pt, accept_pt = NarrowbandCodec("ulaw"), PT_ULAW, PT_ULAW
        elif media_format == "slin":
            codec, send_pt, accept_pt = NarrowbandCodec("slin"), PT_SLIN_OUT, PT_SLIN_IN
        elif media_format == "slin16":
            codec, send_pt, accept_pt = _WideCodec(), PT_SLIN16, None
        else:
            raise SimError(400, f"the simulator's rtp transport does ulaw, slin, slin16; not {media_format}")
        rtp = _RtpChannel(channel, remote, codec, send_pt, accept_pt)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(rtp), local_addr=(self.host, 0))
        rtp.transport = transport
        port = int(transport.get_extra_info("sockname")[1])
        channel.name = f"UnicastRTP/{remote[0]}:{remote[1]}-0x{random.randrange(1 << 48):012x}"
        channel.channelvars.update(
            {"UNICASTRTP_LOCAL_ADDRESS": self.host, "UNICASTRTP_LOCAL_PORT": str(port)}
        )
        self.channels[channel.id] = rtp
        rtp.task = loop.create_task(self._run(rtp))

    async def close(self, channel: SimChannel) -> None:
        """Channel destroyed: stop sending and release the port."""
        rtp = self.channels.pop(channel.id, None)
        if rtp is None:
            return
        rtp.done.set()
        if rtp.transport is not None:
            rtp.transport.close()
        if rtp.task is not None and rtp.task is not asyncio.current_task():
            rtp.task.cancel()

    async def _run(self, rtp: _RtpChannel) -> None:
        self.engine.media_connected(rtp.channel)
        await paced(lambda: self._tick(rtp), lambda: not rtp.done.is_set(), self.engine.media_time_scale)

    async def _tick(self, rtp: _RtpChannel) -> None:
        callee = self.engine.callee_audio(rtp.channel.id)
        rtp.send(callee.next_frame() if callee is not None else SILENCE)
        bot = rtp.played.popleft() if rtp.played else SILENCE
        if callee is not None:
            callee.hear(bot)
