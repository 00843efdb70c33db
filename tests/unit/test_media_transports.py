"""AudioSocket and RTP transports end to end on loopback with real audio, against Asterisk-side peers."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from services.errors import MediaError
from services.media.audiosocket import AudioSocketLeg, AudioSocketServer
from services.media.frames import FRAME_BYTES, frames_of, pcm_to_samples, read_wav_16k
from services.media.leg import MediaLeg
from services.media.peers import AudioSocketPeer, RtpPeer
from services.media.rtp import JitterBuffer, PortAllocator, RtpPacket, open_rtp_leg
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit

CALLER = AUDIO_DIR / "human_fr" / "wt_bonjour.wav"
BOT = AUDIO_DIR / "fr_ca_prompts" / "hello.wav"


def correlation(a: bytes, b: bytes) -> float:
    n = min(len(a), len(b)) // 2
    x, y = pcm_to_samples(a[: 2 * n]).astype(float), pcm_to_samples(b[: 2 * n]).astype(float)
    return float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9))


async def collect(leg: MediaLeg, count: int) -> bytes:
    got = b""
    async for frame in leg.frames():
        assert len(frame) == FRAME_BYTES
        got += frame
        if len(got) >= count * FRAME_BYTES:
            break
    return got


async def test_audiosocket_both_ways_with_real_audio() -> None:
    caller, bot = read_wav_16k(CALLER), read_wav_16k(BOT)
    server = AudioSocketServer()
    port = await server.start()
    call = uuid.uuid4()
    waiting = server.expect(call)
    peer = AudioSocketPeer(call)
    await peer.connect("127.0.0.1", port)
    leg = await waiting
    assert isinstance(leg, AudioSocketLeg) and isinstance(leg, MediaLeg) and leg.call_uuid == call
    await peer.send_audio(caller)
    assert (await collect(leg, len(frames_of(caller))))[: len(caller)] == caller
    await leg.send(bot)
    assert await (await leg.mark("hello")) is True
    await peer.wait_received(len(bot))
    await peer.hangup()
    assert [f async for f in leg.frames()] == []  # hangup ends the caller stream
    r = bytes(peer.received)
    assert r[: len(bot)] == bot
    await leg.close()
    await server.stop()


async def test_audiosocket_flush_and_unknown_uuid() -> None:
    server = AudioSocketServer()
    port = await server.start()
    call = uuid.uuid4()
    waiting = server.expect(call)
    peer = AudioSocketPeer(call)
    await peer.connect("127.0.0.1", port)
    leg = await waiting
    await leg.send(bytes(FRAME_BYTES * 500))  # 10 s
    pending = await leg.mark("long")
    await leg.flush()
    assert await pending is False
    await leg.close()
    await peer.hung_up.wait()
    assert len(peer.received) < FRAME_BYTES * 500
    stranger = AudioSocketPeer(uuid.uuid4())
    await stranger.connect("127.0.0.1", port)
    await stranger.hung_up.wait()  # nobody expects that UUID: hung up at once
    await server.stop()


def test_rtp_header_round_trip_and_rejects_garbage() -> None:
    packet = RtpPacket(0, 65535, 4294967295, 0xDEADBEEF, b"\xff" * 160, marker=True)
    assert RtpPacket.parse(packet.pack()) == packet
    with pytest.raises(MediaError):
        RtpPacket.parse(b"\x00" * 20)


def test_jitter_buffer_reorders_and_conceals_loss_across_wraparound() -> None:
    jb = JitterBuffer(depth=3)
    out: list[bytes | None] = []
    for seq in [65534, 0, 65535, 2, 3, 4, 5, 1]:  # 0/65535 swapped; 1 arrives too late
        out += jb.push(seq, seq.to_bytes(2, "big"))
    out += jb.drain()
    assert out[:3] == [b"\xff\xfe", b"\xff\xff", b"\x00\x00"]
    assert out[3] is None and jb.lost == 1 and jb.late == 1
    assert out[4:] == [b"\x00\x02", b"\x00\x03", b"\x00\x04", b"\x00\x05"]


def test_port_allocator_hands_out_and_reuses() -> None:
    ports = PortAllocator(30000, 30001)
    a, b = ports.allocate(), ports.allocate()
    assert {a, b} == {30000, 30001}
    with pytest.raises(MediaError, match="no free RTP port"):
        ports.allocate()
    ports.release(a)
    assert ports.allocate() == a


@pytest.mark.parametrize("codec", ["ulaw", "slin"])
async def test_rtp_both_ways_with_loss_and_reorder(codec: str) -> None:
    caller, bot = read_wav_16k(CALLER), read_wav_16k(BOT)
    peer = RtpPeer(codec)
    peer_port = await peer.open()
    ports = PortAllocator(31000, 31050)
    leg = await open_rtp_leg(ports, codec=codec, remote=("127.0.0.1", peer_port))
    assert ports.in_use == {leg.port}
    assert isinstance(leg, MediaLeg)
    datagrams = peer.packets(caller)
    datagrams[10], datagrams[11] = datagrams[11], datagrams[10]  # reordered
    del datagrams[30]  # lost
    peer.send_datagrams(datagrams, ("127.0.0.1", leg.port))
    expected_frames = len(caller) // FRAME_BYTES - 2
    got = await collect(leg, expected_frames)
    assert correlation(got, caller) > 0.9  # band-limited to 4 kHz, one 20 ms gap concealed
    assert leg.jitter.lost == 1
    await leg.send(bot)
    assert await (await leg.mark("bot")) is True
    await leg.close()
    assert ports.in_use == frozenset()  # the port went back on close
    assert peer.payload_types == {0 if codec == "ulaw" else 11}
    assert correlation(bytes(peer.received), bot) > 0.9
    peer.close()
