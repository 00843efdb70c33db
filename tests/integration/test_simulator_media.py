"""WebSocket ExternalMedia (server mode) of the simulated PBX, driven like a bot would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import numpy as np
import pytest

from services.ari import AriClient, ChannelDestroyed, StasisStart
from services.errors import AriError
from services.simulator import FRAME_BYTES, Persona, PersonaBook, SimulatedPbx
from tests.contract.ari_helpers import EventLog, of_type, running_pbx

pytestmark = pytest.mark.integration

TONE = (np.sin(np.arange(16000) * 2 * np.pi * 440 / 16000) * 8000).astype("<i2").tobytes()  # 1 s


async def _media(pbx: SimulatedPbx, ari: AriClient) -> tuple[str, str]:
    channel = await ari.external_media()
    assert channel.name.startswith("WebSocket/INCOMING/0x")
    assert channel.channelvars["MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE"] == "640"
    return channel.id, channel.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"]


async def _control(ws: aiohttp.ClientWebSocketResponse, event: str, timeout_s: float = 10) -> dict[str, Any]:
    """Read until the JSON control event ``event`` arrives."""
    async with asyncio.timeout(timeout_s):
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                data: dict[str, Any] = json.loads(message.data)
                if data["event"] == event:
                    return data
    raise AssertionError(f"socket closed before {event}")


async def _binary(ws: aiohttp.ClientWebSocketResponse, count: int) -> AsyncIterator[bytes]:
    seen = 0
    async for message in ws:
        if message.type == aiohttp.WSMsgType.BINARY:
            yield message.data
            seen += 1
            if seen == count:
                return


async def test_media_start_then_paced_640_byte_frames_and_stasis_start() -> None:
    async with running_pbx(media_time_scale=0.2) as (pbx, ari, log), aiohttp.ClientSession() as http:
        channel_id, connection_id = await _media(pbx, ari)
        async with http.ws_connect(f"{pbx.url}/media/{connection_id}", protocols=("media",)) as ws:
            assert ws.protocol == "media"
            start = json.loads((await ws.receive()).data)
            assert start == {
                "event": "MEDIA_START", "connection_id": connection_id, "channel": start["channel"],
                "channel_id": channel_id, "format": "slin16", "optimal_frame_size": 640, "ptime": 20,
                "channel_variables": {},
            }  # fmt: skip
            sizes = [len(frame) async for frame in _binary(ws, 10)]
            assert sizes == [FRAME_BYTES] * 10
            await log.wait_for(of_type("StasisStart", channel_id))
            second = await http.get(f"{pbx.url}/media/{connection_id}", headers={"Upgrade": "websocket"})
            assert second.status == 409
        unknown = await http.get(f"{pbx.url}/media/00000000-0000-0000-0000-000000000000")
        assert unknown.status == 404


async def test_media_channel_enters_stasis_only_once_the_bot_connects() -> None:
    async with running_pbx() as (pbx, ari, log), aiohttp.ClientSession() as http:
        channel_id, connection_id = await _media(pbx, ari)
        bridge = await ari.create_bridge()
        with pytest.raises(AriError) as caught:
            await ari.add_channel(bridge.id, channel_id)
        assert caught.value.status == 422
        async with http.ws_connect(f"{pbx.url}/media/{connection_id}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await ari.add_channel(bridge.id, channel_id)  # in Stasis as soon as MEDIA_START arrives
            assert await log.expect(StasisStart, channel_id)


async def test_marks_status_drain_and_flush() -> None:
    async with running_pbx(media_time_scale=0.1) as (pbx, ari, _log), aiohttp.ClientSession() as http:
        _channel_id, connection_id = await _media(pbx, ari)
        async with http.ws_connect(f"{pbx.url}/media/{connection_id}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await ws.send_bytes(TONE[: FRAME_BYTES * 5 + 100])  # 5 frames and a dropped partial tail
            await ws.send_str(json.dumps({"command": "GET_STATUS"}))
            status = await _control(ws, "STATUS")
            assert status["queue_length"] <= 5 and status["xoff_level"] == 900
            await ws.send_str("MARK_MEDIA m1")
            await ws.send_str(json.dumps({"command": "REPORT_QUEUE_DRAINED"}))
            marked = await _control(ws, "MEDIA_MARK_PROCESSED")
            assert marked["correlation_id"] == "m1"
            await _control(ws, "QUEUE_DRAINED")
            session = pbx.websocket_media.sessions[connection_id]
            assert session.frames_played == 5
            await ws.send_bytes(TONE * 5)  # 250 frames
            await ws.send_str("FLUSH_MEDIA")
            await ws.send_str("GET_STATUS")
            assert (await _control(ws, "STATUS"))["queue_length"] == 0
            await ws.send_str("NOT_A_COMMAND")
            assert "NOT_A_COMMAND" in (await _control(ws, "ERROR"))["error_text"]


async def test_xoff_and_xon_around_the_queue_limits() -> None:
    async with running_pbx(media_time_scale=0.05) as (pbx, ari, _log), aiohttp.ClientSession() as http:
        _channel_id, connection_id = await _media(pbx, ari)
        async with http.ws_connect(f"{pbx.url}/media/{connection_id}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await ws.send_bytes(bytes(FRAME_BYTES * 1200))
            await _control(ws, "MEDIA_XOFF")
            session = pbx.websocket_media.sessions[connection_id]
            assert session.frames_queued + session.frames_played == 1000  # 200 beyond the queue dropped
            await _control(ws, "MEDIA_XON", timeout_s=20)
            assert pbx.websocket_media.sessions[connection_id].frames_queued < 800


async def test_hangup_command_and_channel_delete_close_the_socket_with_1000() -> None:
    async with running_pbx() as (pbx, ari, log), aiohttp.ClientSession() as http:
        first, first_conn = await _media(pbx, ari)
        second, second_conn = await _media(pbx, ari)
        async with http.ws_connect(f"{pbx.url}/media/{first_conn}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await ws.send_str(json.dumps({"command": "HANGUP"}))
            async for _message in ws:
                pass
            assert ws.close_code == 1000
        end = await log.expect(ChannelDestroyed, first)
        assert end.cause == 16
        async with http.ws_connect(f"{pbx.url}/media/{second_conn}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await log.wait_for(of_type("StasisStart", second))
            await ari.hangup(second)
            async for _message in ws:
                pass
            assert ws.close_code == 1000
        await log.expect(ChannelDestroyed, second)
        assert log.names(second)[-3:] == ["ChannelHangupRequest", "StasisEnd", "ChannelDestroyed"]


def _voiced(frame: bytes) -> bool:
    return float(np.abs(np.frombuffer(frame, dtype="<i2")).mean()) > 100


async def _talk_to_persona(persona: Persona, bot_prompt: bytes) -> tuple[list[bool], EventLog, Any]:
    """Bridge a callee with an ExternalMedia channel, play one bot prompt, return which frames were voiced."""
    async with (
        running_pbx(personas=PersonaBook(default=persona), media_time_scale=0.25) as (pbx, ari, log),
        aiohttp.ClientSession() as http,
    ):
        await ari.originate("PJSIP/0700000000@trunk", channel_id="callee")
        await log.wait_for(of_type("StasisStart", "callee"))
        media_id, connection_id = await _media(pbx, ari)
        bridge = await ari.create_bridge()
        async with http.ws_connect(f"{pbx.url}/media/{connection_id}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await log.wait_for(of_type("StasisStart", media_id))
            await ari.add_channel(bridge.id, "callee")
            await ari.add_channel(bridge.id, media_id)
            await ws.send_bytes(bot_prompt)
            voiced = [_voiced(frame) async for frame in _binary(ws, 400)]
        return voiced, log, pbx.engine


async def test_human_persona_greets_then_answers_after_the_bot_prompt_ends() -> None:
    persona = Persona(answer_after_s=0.1, greeting="Allô ?", lines=("Oui, je vous écoute.",))
    voiced, _log, _engine = await _talk_to_persona(persona, TONE * 2)  # 2 s prompt = frames 0..99
    assert any(voiced[:50]), "the greeting is heard at once"
    # after the greeting, silence while the bot talks, then the reply after the prompt ends (~frame 130+)
    greeting_end = max(i for i in range(100) if voiced[i])
    assert greeting_end < 100
    reply_start = next(i for i in range(100, len(voiced)) if voiced[i])
    assert reply_start >= 100 + 25, "the persona waits for the end of the bot prompt"


async def test_silent_persona_never_speaks() -> None:
    persona = Persona(answer_after_s=0.1, behaviour="silent", greeting="Allô ?", lines=("Oui.",))
    voiced, _log, _engine = await _talk_to_persona(persona, TONE)
    assert not any(voiced)


async def test_hangup_persona_leaves_after_the_bot_prompt() -> None:
    persona = Persona(answer_after_s=0.1, greeting=None, lines=(), behaviour="hangup")
    async with (
        running_pbx(personas=PersonaBook(default=persona), media_time_scale=0.25) as (pbx, ari, log),
        aiohttp.ClientSession() as http,
    ):
        await ari.originate("PJSIP/0700000000@trunk", channel_id="callee")
        await log.expect(StasisStart, "callee")
        media_id, connection_id = await _media(pbx, ari)
        bridge = await ari.create_bridge()
        async with http.ws_connect(f"{pbx.url}/media/{connection_id}", protocols=("media",)) as ws:
            await _control(ws, "MEDIA_START")
            await ari.add_channel(bridge.id, "callee")
            await ari.add_channel(bridge.id, media_id)
            await ws.send_bytes(TONE)
            end = await log.expect(ChannelDestroyed, "callee")
            assert end.cause == 16
            assert log.names("callee")[-3:] == ["ChannelHangupRequest", "StasisEnd", "ChannelDestroyed"]
            assert media_id in {c.id for c in await ari.list_channels()}  # the media channel stays up
