"""WebSocket media transport against a local fake of Asterisk's chan_websocket (ASTERISK_FACTS)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from services.errors import MediaError
from services.media.frames import FRAME_BYTES, frames_of, read_wav_16k
from services.media.leg import MediaLeg
from services.media.websocket import (
    WebSocketMediaServer,
    connect_websocket_media,
    format_command,
    parse_control,
    parse_media_start,
)
from tests.conftest import AUDIO_DIR

pytestmark = pytest.mark.unit

CONNECTION_ID = "4d4c7e3c-6c5e-4f57-8f0a-2b8f9e1c0d11"


@dataclass
class FakeChanWebsocket:
    """Asterisk's side: MEDIA_START, caller frames, a play queue with XOFF at 900 / XON below 800."""

    caller_audio: bytes
    json_form: bool = True
    received: list[bytes] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    queue: list[bytes | str] = field(default_factory=list)
    played: bytearray = field(default_factory=bytearray)
    xoff_sent: int = 0
    play: asyncio.Event = field(default_factory=asyncio.Event)
    bot_audio_seen: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def media_start(self) -> str:
        if self.json_form:
            return json.dumps(
                {
                    "event": "MEDIA_START",
                    "connection_id": CONNECTION_ID,
                    "channel": "WebSocket/INCOMING/0x1",
                    "channel_id": "1700000000.1",
                    "format": "slin16",
                    "optimal_frame_size": 640,
                    "ptime": 20,
                    "channel_variables": {"MEDIA_WEBSOCKET_CONNECTION_ID": CONNECTION_ID},
                }
            )
        return (
            f"MEDIA_START connection_id:{CONNECTION_ID} channel:WebSocket/INCOMING/0x1 "
            "channel_id:1700000000.1 format:slin16 optimal_frame_size:640 ptime:20"
        )

    def queued_frames(self) -> int:
        return sum(1 for item in self.queue if isinstance(item, bytes))

    async def event(self, ws: web.WebSocketResponse, name: str, **extra: str) -> None:
        if self.json_form:
            await ws.send_str(json.dumps({"event": name, **extra}))
        else:
            await ws.send_str(" ".join([name, *[f"{k}:{v}" for k, v in extra.items()]]))

    async def player(self, ws: web.WebSocketResponse) -> None:
        xoff = False
        while not ws.closed:
            await self.play.wait()
            if not self.queue:
                await asyncio.sleep(0)
                continue
            item = self.queue.pop(0)
            if isinstance(item, str):
                await self.event(ws, "MEDIA_MARK_PROCESSED", correlation_id=item)
            else:
                self.played += item
            if self.queued_frames() >= 900 and not xoff:
                xoff = True
            if xoff and self.queued_frames() < 800:
                xoff = False
                await self.event(ws, "MEDIA_XON")
            await asyncio.sleep(0)

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        if request.match_info["cid"] != CONNECTION_ID:
            raise web.HTTPNotFound()
        ws = web.WebSocketResponse(protocols=("media",))
        await ws.prepare(request)
        await ws.send_str(self.media_start())
        for frame in frames_of(self.caller_audio):
            await ws.send_bytes(frame)
        player = asyncio.create_task(self.player(ws))
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                self.received.append(bytes(msg.data))
                self.bot_audio_seen.set()
                data = bytes(msg.data)
                self.queue.extend(
                    data[i : i + FRAME_BYTES] for i in range(0, len(data) - FRAME_BYTES + 1, FRAME_BYTES)
                )
                if self.queued_frames() >= 900 and self.xoff_sent == 0:
                    self.xoff_sent += 1
                    await self.event(ws, "MEDIA_XOFF")
            elif msg.type == WSMsgType.TEXT:
                self.commands.append(str(msg.data))
                command = parse_control(str(msg.data))
                name = command.get("command") or command.get("event")
                if name == "FLUSH_MEDIA":
                    self.queue = [i for i in self.queue if isinstance(i, str)]
                elif name == "MARK_MEDIA":
                    self.queue.append(str(command["correlation_id"]))
                elif name == "HANGUP":
                    await ws.close(code=1000)
        player.cancel()
        self.done.set()
        return ws


async def fake_server(fake: FakeChanWebsocket) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/media/{cid}", fake.handler)
    server = TestServer(app)
    await server.start_server()
    try:
        yield f"ws://127.0.0.1:{server.port}"
    finally:
        await server.close()


def test_parse_media_start_both_forms() -> None:
    fake = FakeChanWebsocket(b"")
    as_json = parse_media_start(fake.media_start())
    fake.json_form = False
    plain = parse_media_start(fake.media_start())
    assert as_json.connection_id == plain.connection_id == CONNECTION_ID
    assert (as_json.optimal_frame_size, plain.optimal_frame_size) == (640, 640)
    assert as_json.channel_variables["MEDIA_WEBSOCKET_CONNECTION_ID"] == CONNECTION_ID
    assert as_json.json_form and not plain.json_form
    with pytest.raises(MediaError):
        parse_media_start('{"event":"MEDIA_XOFF"}')


def test_commands_are_short_and_in_asterisks_form() -> None:
    assert json.loads(format_command("MARK_MEDIA", True, "m1")) == {
        "command": "MARK_MEDIA",
        "correlation_id": "m1",
    }
    assert format_command("FLUSH_MEDIA", False) == "FLUSH_MEDIA"
    with pytest.raises(MediaError):
        format_command("MARK_MEDIA", True, "x" * 200)


@pytest.mark.parametrize("json_form", [True, False])
async def test_real_audio_both_ways_with_xoff_mark_and_hangup(json_form: bool) -> None:
    caller = read_wav_16k(AUDIO_DIR / "human_fr" / "wt_bonjour.wav")
    bot = read_wav_16k(AUDIO_DIR / "fr_ca_prompts" / "vm-intro.wav") * 3  # 21 s > 900 frames: forces XOFF
    fake = FakeChanWebsocket(caller, json_form=json_form)
    async for base in fake_server(fake):
        leg = await connect_websocket_media(base, CONNECTION_ID)
        got = b""
        async for frame in leg.frames():
            assert len(frame) == FRAME_BYTES
            got += frame
            if len(got) >= len(frames_of(caller)) * FRAME_BYTES:
                break
        assert got[: len(caller)] == caller
        await leg.send(bot)
        played = await leg.mark("end")
        await fake.bot_audio_seen.wait()
        fake.play.set()
        assert await played is True
        assert fake.xoff_sent == 1
        assert bytes(fake.played)[: len(bot)] == bot
        await leg.close()
        await fake.done.wait()
        assert any("HANGUP" in c for c in fake.commands), fake.commands


async def test_flush_drops_queued_audio_and_resolves_marks_false() -> None:
    fake = FakeChanWebsocket(b"")
    async for base in fake_server(fake):
        leg = await connect_websocket_media(base, CONNECTION_ID)
        await leg.send(bytes(FRAME_BYTES * 50))
        pending = await leg.mark("prompt-1")
        await fake.bot_audio_seen.wait()
        await leg.flush()
        assert await pending is False
        await leg.close()
        await fake.done.wait()
        assert any("FLUSH_MEDIA" in c for c in fake.commands)


async def test_remote_close_1000_is_a_hangup() -> None:
    fake = FakeChanWebsocket(bytes(FRAME_BYTES * 2))
    async for base in fake_server(fake):
        leg = await connect_websocket_media(base, CONNECTION_ID)
        await leg._command("HANGUP")  # the fake closes with 1000, as Asterisk does on channel hangup
        frames = [f async for f in leg.frames()]
        assert len(frames) == 2
        await leg.wait_closed()
        assert leg.remote_hangup


async def test_unknown_connection_id_is_a_clear_error() -> None:
    fake = FakeChanWebsocket(b"")
    async for base in fake_server(fake):
        with pytest.raises(MediaError, match="404"):
            await connect_websocket_media(base, "nope")


async def test_client_mode_server_route_hands_leg_to_waiting_call() -> None:
    media = WebSocketMediaServer()
    app = web.Application()
    media.add_routes(app)
    server = TestServer(app)
    await server.start_server()
    fake = FakeChanWebsocket(b"")
    try:
        waiting = media.expect("1700000000.1")
        import aiohttp

        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"ws://127.0.0.1:{server.port}/media", protocols=("media",)) as ws,
        ):
            assert ws.protocol == "media"
            await ws.send_str(fake.media_start())
            leg = await waiting
            assert isinstance(leg, MediaLeg)
            await ws.send_bytes(bytes(range(256)) * 5)
            frame = await anext(leg.frames())
            assert frame == (bytes(range(256)) * 5)[:FRAME_BYTES]
            await leg.send(b"\x01\x02" * 320)
            msg = await ws.receive()
            assert msg.type == WSMsgType.BINARY and bytes(msg.data) == b"\x01\x02" * 320
            await leg.close()
    finally:
        await server.close()
