"""The simulated PBX is as rude as Asterisk 22: late StasisStart, cause 0 for Local busy/congestion, no
frames while the callee is quiet, a media leg that outlives the callee, late originates, 503 while
shutting down, channels that outlive the app's event socket, TIMEOUT(absolute)."""

from __future__ import annotations

import aiohttp
import pytest

from services.ari import AriClient, ChannelDestroyed, StasisEnd, StasisStart
from services.errors import AriError, NoSuchChannel
from services.simulator import Persona, PersonaBook
from services.simulator.rudeness import Rudeness
from tests.contract.ari_helpers import APP, of_type, running_pbx

pytestmark = pytest.mark.integration

SILENT = PersonaBook(
    default=Persona(name="silent", outcome="answer", greeting=None, lines=(), answer_after_s=0.0),
    builtin=False,
)


async def test_media_stasis_start_comes_after_media_start_and_add_channel_answers_422_until_then() -> None:
    rude = Rudeness(late_stasis_ms=(200.0, 200.0))
    async with running_pbx(rudeness=rude) as (pbx, ari, log), aiohttp.ClientSession() as http:
        media = await ari.external_media(channel_id="m1")
        bridge = await ari.create_bridge()
        url = f"{pbx.url}/media/{media.channelvars['MEDIA_WEBSOCKET_CONNECTION_ID']}"
        async with http.ws_connect(url, protocols=("media",)) as ws:
            first = await ws.receive()
            assert "MEDIA_START" in first.data
            with pytest.raises(AriError) as refused:
                await ari.add_channel(bridge.id, "m1")
            assert refused.value.status == 422
            assert not [e for e in log.about("m1") if isinstance(e, StasisStart)]
            await log.expect(StasisStart, "m1")
            await ari.add_channel(bridge.id, "m1")


@pytest.mark.parametrize(("number", "dialstatus"), [("0612345601", "BUSY"), ("0612345602", "CONGESTION")])
async def test_local_busy_and_congestion_end_with_cause_0_and_the_dial_status_tells(
    number: str, dialstatus: str
) -> None:
    async with running_pbx(rudeness=Rudeness()) as (_pbx, ari, log):
        await ari.originate(f"Local/{number}@callees", channel_id="c1")
        end = await log.expect(ChannelDestroyed, "c1")
        assert (end.cause, end.cause_txt) == (0, "Unknown")
        assert log.names("c1")[-2:] == [f"Dial:{dialstatus}", "ChannelDestroyed"]


async def test_no_frames_while_the_callee_is_quiet_and_the_media_leg_outlives_the_callee() -> None:
    async with (
        running_pbx(rudeness=Rudeness(late_stasis_ms=(0.0, 0.0)), personas=SILENT) as (pbx, ari, log),
        aiohttp.ClientSession() as http,
    ):
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1")
        await log.expect(StasisStart, "c1")
        media = await ari.external_media(channel_id="m1")
        bridge = await ari.create_bridge()
        url = f"{pbx.url}/media/{media.channelvars['MEDIA_WEBSOCKET_CONNECTION_ID']}"
        async with http.ws_connect(url, protocols=("media",)) as ws:
            await ws.receive()  # MEDIA_START
            await ari.add_channel(bridge.id, "c1")
            await ari.add_channel(bridge.id, "m1")
            await ws.send_str('{"command":"MARK_MEDIA","correlation_id":"a"}')
            await ws.receive()  # the mark comes back: the media ticks have run, and sent no frame
            assert pbx.websocket_media.sessions and all(
                s.frames_sent == 0 for s in pbx.websocket_media.sessions.values()
            )
            await pbx.callee_hangup("c1")
            await log.expect(ChannelDestroyed, "c1")
            await ws.send_str('{"command":"MARK_MEDIA","correlation_id":"b"}')
            mark = await ws.receive()
            assert "MEDIA_MARK_PROCESSED" in mark.data  # the media channel is still up, and quiet
            assert (await ari.get_channel("m1")).state == "Up"


async def test_originate_that_stalls_creates_its_channel_after_the_client_gave_up() -> None:
    book = PersonaBook(default=Persona(name="late", originate_stall_s=0.5), builtin=False)
    async with running_pbx(personas=book) as (pbx, _ari, log):
        async with AriClient(pbx.url, pbx.user, pbx.password, APP, timeout_s=0.1) as impatient:
            with pytest.raises(AriError) as timed_out:
                await impatient.originate("PJSIP/0612345678@trunk", channel_id="c1")
            assert timed_out.value.status is None
            with pytest.raises(NoSuchChannel):
                await impatient.get_channel("c1")
        await log.wait_for(of_type("Dial", "c1"))  # created anyway, ringing a callee nobody controls
        assert "c1" in pbx.engine.channels


async def test_originate_answers_503_while_asterisk_shuts_down() -> None:
    async with running_pbx() as (pbx, ari, _log):
        pbx.begin_shutdown()
        with pytest.raises(AriError) as refused:
            await ari.originate("PJSIP/0612345678@trunk", channel_id="c1")
        assert refused.value.status == 503 and "Shutdown in progress" in str(refused.value)
        assert pbx.engine.channels == {}


async def test_channels_in_stasis_outlive_the_apps_event_socket() -> None:
    async with running_pbx(personas=SILENT) as (pbx, ari, log):
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1")
        await log.expect(StasisStart, "c1")
        assert await pbx.drop_event_sockets() == 1
        await log.wait_for(of_type("StasisStart", "c1"))
        assert (await ari.get_channel("c1")).state == "Up"  # nobody hung it up


async def test_absolute_timeout_hangs_the_channel_up_with_cause_0_unless_lifted() -> None:
    async with running_pbx(personas=SILENT, time_scale=0.01) as (pbx, ari, log):
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1", variables={"TIMEOUT(absolute)": "20"})
        await ari.originate("PJSIP/0612345679@trunk", channel_id="c2", variables={"TIMEOUT(absolute)": "10"})
        await log.expect(StasisStart, "c2")
        await ari.set_variable("c2", "TIMEOUT(absolute)", "0")  # lifted (a transferred call)
        end = await log.expect(ChannelDestroyed, "c1")
        assert end.cause == 0
        assert log.names("c1")[-3:] == ["ChannelHangupRequest", "StasisEnd", "ChannelDestroyed"]
        assert isinstance(log.about("c1")[-2], StasisEnd)
        assert "c2" in pbx.engine.channels  # its 10 s would have run out before c1's 20 s
