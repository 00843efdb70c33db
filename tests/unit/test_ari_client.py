"""AriClient against the simulated PBX: error mapping, registry discipline, reconnecting event stream."""

from __future__ import annotations

import asyncio
import random
import socket

import pytest

from services.ari import AriClient, AriEventStream, StasisStart
from services.errors import AriError, NoSuchChannel
from services.simulator import SimulatedPbx
from tests.contract.ari_helpers import APP, of_type, running_pbx

pytestmark = pytest.mark.unit


async def test_unknown_channel_is_no_such_channel() -> None:
    async with running_pbx() as (_pbx, ari, _log):
        with pytest.raises(NoSuchChannel) as caught:
            await ari.hangup("does-not-exist")
        assert caught.value.status == 404 and not caught.value.retryable
        with pytest.raises(NoSuchChannel):
            await ari.get_channel("does-not-exist")


async def test_reoriginating_the_same_channel_id_is_refused_with_409() -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate("PJSIP/0611111111@trunk", channel_id="attempt-1", app_args="1")
        with pytest.raises(AriError) as caught:
            await ari.originate("PJSIP/0611111111@trunk", channel_id="attempt-1", app_args="1")
        assert caught.value.status == 409
        assert caught.value.retryable is False
        await log.wait_for(of_type("StasisStart", "attempt-1"))
        assert len([e for e in log.events if isinstance(e, StasisStart)]) == 1


async def test_wrong_credentials_give_a_clear_401() -> None:
    async with SimulatedPbx() as pbx, AriClient(pbx.url, "minibot", "wrong", APP) as ari:
        with pytest.raises(AriError) as caught:
            await ari.ping()
    assert caught.value.status == 401
    assert "MINIBOT_ARI_PASSWORD" in str(caught.value)
    assert not caught.value.retryable


async def test_wrong_credentials_on_the_event_socket_are_not_retried() -> None:
    async with SimulatedPbx() as pbx:
        stream = AriEventStream(pbx.url, "minibot", "wrong", APP, backoff_initial_s=0.01)
        with pytest.raises(AriError) as caught:
            async for _event in stream:
                pass
    assert caught.value.status == 401


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_asterisk_is_retryable() -> None:
    async with AriClient(f"http://127.0.0.1:{_free_port()}", "u", "p", APP) as ari:
        with pytest.raises(AriError) as caught:
            await ari.ping()
    assert caught.value.retryable
    assert "cannot reach" in str(caught.value)


async def test_api_key_authentication_is_accepted() -> None:
    async with SimulatedPbx() as pbx, AriClient(pbx.url, "x", "y", APP) as ari:
        session = ari._http()
        async with session.get(f"{pbx.url}/ari/asterisk/ping", params={"api_key": "minibot:minibot"}) as r:
            assert r.status == 200


async def test_only_registered_parameters_can_be_sent() -> None:
    async with AriClient("http://127.0.0.1:1", "u", "p", APP) as ari:
        with pytest.raises(ValueError, match="not registered"):
            await ari.call("channel_hangup", {"channelId": "x"}, reason_cod=3)


async def test_event_stream_reconnects_and_calls_on_reconnect() -> None:
    reconnected = asyncio.Event()
    seen: list[str] = []

    async def on_reconnect() -> None:
        seen.append("reconcile")
        reconnected.set()

    async with SimulatedPbx(time_scale=0.01) as pbx, AriClient(pbx.url, pbx.user, pbx.password, APP) as ari:
        stream = ari.events(on_reconnect=on_reconnect, backoff_initial_s=0.01, backoff_max_s=0.02)
        starts: asyncio.Queue[str] = asyncio.Queue()

        async def consume() -> None:
            async for event in stream:
                if isinstance(event, StasisStart):
                    starts.put_nowait(event.channel.id)

        task = asyncio.create_task(consume())
        await stream.wait_connected()
        assert await pbx.drop_event_sockets() == 1
        await asyncio.wait_for(reconnected.wait(), 5)
        await stream.wait_connected()
        await ari.originate("PJSIP/0622222222@trunk", channel_id="after-reconnect")
        assert await asyncio.wait_for(starts.get(), 5) == "after-reconnect"
        assert seen == ["reconcile"]
        assert stream.connections == 2
        task.cancel()


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    stream = AriEventStream(
        "http://x", "u", "p", APP, backoff_initial_s=1, backoff_max_s=8, rng=random.Random(1)
    )
    delays = [stream.backoff(n) for n in range(1, 7)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(8, 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) == len(delays)  # jittered
