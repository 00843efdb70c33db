"""The robot picks its ExternalMedia transport from MINIBOT_MEDIA_TRANSPORT and starts what it needs."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from calls.runner import media_transport, scenario_conversation
from services.config import load_settings
from services.errors import MediaError

pytestmark = pytest.mark.unit


async def test_websocket_is_the_default_and_needs_no_listener() -> None:
    async with AsyncExitStack() as stack:
        media = await media_transport(stack, load_settings({}))
    assert media.transport == "websocket" and media.audiosocket is None and media.rtp_ports is None


async def test_audiosocket_starts_a_server_that_the_robot_stops() -> None:
    settings = load_settings({"MINIBOT_MEDIA_TRANSPORT": "audiosocket", "MINIBOT_MEDIA_PORT": "0"})
    async with AsyncExitStack() as stack:
        media = await media_transport(stack, settings)
        assert media.audiosocket is not None and media.advertise_host == "127.0.0.1"


async def test_rtp_gets_the_port_range_and_unknown_transports_are_refused() -> None:
    settings = load_settings(
        {"MINIBOT_MEDIA_TRANSPORT": "rtp", "MINIBOT_RTP_PORT_MIN": "30000", "MINIBOT_RTP_PORT_MAX": "30010"}
    )
    async with AsyncExitStack() as stack:
        media = await media_transport(stack, settings)
        assert media.rtp_ports is not None
        with pytest.raises(MediaError, match="media transport must be one of"):
            await media_transport(stack, load_settings({"MINIBOT_MEDIA_TRANSPORT": "sip"}))


async def test_the_robot_warms_its_speech_recognizers_on_the_bots_own_voice(tmp_path: Path) -> None:
    factory = scenario_conversation(load_settings({}, tts_cache_dir=tmp_path))
    await factory.warm_up_asr(0)
    assert factory.asr.pool.created == 0
    await factory.warm_up_asr(2)
    assert factory.asr.pool.idle == 2 and factory.asr.pool.created == 2
    cached = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert cached  # the warm-up speech came through the TTS cache
