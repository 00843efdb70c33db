"""Malformed media never hurts a call or the process: odd byte counts, an oversized WebSocket message,
a malformed control message, unknown AudioSocket kinds, garbage RTP. After each, real audio still
arrives, frame-aligned, on the same leg."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid

import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.errors import MediaError
from services.media.audiosocket import KIND_SLIN16, KIND_UUID, AudioSocketServer, pack_message
from services.media.frames import FRAME_BYTES
from services.media.leg import FrameInbox, MediaLeg
from services.media.rtp import PortAllocator, RtpPacket, open_rtp_leg
from services.media.websocket import connect_websocket_media

pytestmark = pytest.mark.unit

CONNECTION_ID = "9b0c4c2e-1f7a-4c59-9d51-3c0e7e1f2a10"


def frame_of(value: int) -> bytes:
    """One 20 ms slin16 frame whose every sample is ``value``."""
    return np.full(FRAME_BYTES // 2, value, dtype="<i2").tobytes()


async def next_frames(leg: MediaLeg, count: int) -> list[bytes]:
    frames: list[bytes] = []
    async for frame in leg.frames():
        frames.append(frame)
        if len(frames) == count:
            break
    return frames


async def inbox_frames(inbox: FrameInbox, count: int) -> list[bytes]:
    frames: list[bytes] = []
    async for frame in inbox.frames():
        frames.append(frame)
        if len(frames) == count:
            break
    return frames


async def test_an_odd_byte_count_does_not_shift_the_samples_after_it() -> None:
    inbox = FrameInbox()
    inbox.put_pcm(frame_of(1) + b"\x05")  # one stray byte
    inbox.put_pcm(frame_of(7))
    assert await inbox_frames(inbox, 2) == [frame_of(1), frame_of(7)]


def test_garbage_rtp_is_refused_as_media_errors() -> None:
    good = RtpPacket(0, 1, 160, 0x1234, b"\xff" * 160).pack()
    extension_cut = bytes([0x90]) + good[1:12] + b"\x00"  # extension flag, no extension header
    too_many_csrc = bytes([0x8F]) + good[1:12] + b"\x00" * 8  # 15 CSRC announced, 2 present
    huge_padding = bytes([0xA0]) + good[1:12] + b"\x00" * 3 + b"\xff"  # padding longer than the packet
    for datagram in (extension_cut, too_many_csrc, huge_padding, b"\x80", b"GET / HTTP/1.1\r\n\r\n"):
        with pytest.raises(MediaError):
            RtpPacket.parse(datagram)


async def test_garbage_rtp_never_reaches_the_call() -> None:
    leg = await open_rtp_leg(PortAllocator(32000, 32050), codec="slin")
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        target = ("127.0.0.1", leg.port)
        rtcp = bytes([0x80, 200]) + b"\x00" * 26  # a sender report on the RTP port
        odd_slin = RtpPacket(10, 1, 0, 7, b"\x01\x00\x01").pack()  # 1.5 samples
        other_codec = RtpPacket(96, 2, 160, 7, b"\x00" * 321).pack()
        for datagram in (b"\x00" * 3, bytes([0x90]) + b"\x00" * 12, rtcp, odd_slin, other_codec):
            sender.sendto(datagram, target)
        tone = np.full(160, 1000, dtype=">i2").tobytes()
        for seq in range(3, 3 + 8):  # then 160 ms of real slin audio
            sender.sendto(RtpPacket(10, seq, 160 * seq, 7, tone).pack(), target)
        frames = await asyncio.wait_for(next_frames(leg, 4), 10)
    finally:
        sender.close()
        await leg.close()
    samples = np.frombuffer(b"".join(frames), dtype="<i2")
    assert len(samples) == 4 * FRAME_BYTES // 2
    assert abs(int(np.median(samples[len(samples) // 2 :])) - 1000) < 50  # the tone, aligned


async def test_unknown_audiosocket_kinds_and_odd_payloads_are_skipped() -> None:
    server = AudioSocketServer()
    port = await server.start()
    call = uuid.uuid4()
    waiting = server.expect(call)
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(pack_message(KIND_UUID, call.bytes))
        writer.write(pack_message(0x42, b"what is this"))  # unknown kind
        writer.write(pack_message(0x10, frame_of(3)[:320]))  # slin 8 kHz: not our format
        writer.write(pack_message(KIND_SLIN16, frame_of(1) + b"\x09"))  # odd byte count
        writer.write(pack_message(KIND_SLIN16, frame_of(7)))
        await writer.drain()
        leg = await asyncio.wait_for(waiting, 10)
        assert await asyncio.wait_for(next_frames(leg, 2), 10) == [frame_of(1), frame_of(7)]
        await leg.close()
    finally:
        writer.close()
        await server.stop()


async def test_an_oversized_websocket_message_and_bad_control_text_keep_the_call() -> None:
    big = b"".join(frame_of(2) for _ in range(1600))  # 1 MiB-ish: 32 s of audio in one message

    async def chan_websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("media",))
        await ws.prepare(request)
        start = {"event": "MEDIA_START", "connection_id": CONNECTION_ID, "channel": "WebSocket/x",
                 "channel_id": "1.1", "format": "slin16", "optimal_frame_size": 640, "ptime": 20}  # fmt: skip
        await ws.send_str(json.dumps(start))
        await ws.send_str("{this is not json")
        await ws.send_str("[1, 2]")
        await ws.send_bytes(big)
        await ws.send_bytes(frame_of(7)[:-1])  # odd
        await ws.send_bytes(frame_of(9))
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/media/{id}", chan_websocket)
    server = TestServer(app)
    await server.start_server()
    try:
        leg = await connect_websocket_media(f"ws://127.0.0.1:{server.port}", CONNECTION_ID)
        frames = await asyncio.wait_for(next_frames(leg, 1600 + 1), 20)
        assert frames[:1600] == [frame_of(2)] * 1600
        # the odd message lost its last byte only: 319 samples of 7, then the 9s, sample-aligned
        assert np.frombuffer(frames[1600], "<i2").tolist() == [7] * 319 + [9]
        assert not leg.closed.is_set()
        await leg.close()
    finally:
        await server.close()
