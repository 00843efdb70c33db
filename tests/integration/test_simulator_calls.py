"""The simulated PBX driven by the real ARI client: event order and hangup causes per persona outcome."""

from __future__ import annotations

import pytest

from services.ari import (
    ChannelDestroyed,
    ChannelStateChange,
    ChannelVarset,
    PlaybackFinished,
    PlaybackStarted,
    StasisStart,
)
from services.errors import AriError, NoSuchChannel
from services.simulator import Persona, PersonaBook
from tests.contract.ari_helpers import of_type, running_pbx

pytestmark = pytest.mark.integration

ANSWERED = ["Dial:", "ChannelStateChange", "Dial:RINGING", "ChannelStateChange", "Dial:ANSWER",
            "ChannelVarset", "StasisStart"]  # fmt: skip


async def test_answered_call_event_order_and_args() -> None:
    async with running_pbx() as (_pbx, ari, log):
        channel = await ari.originate(
            "PJSIP/0612345678@trunk", channel_id="c1", app_args="call-42", variables={"CAMPAIGN": "c9"}
        )
        assert channel.state == "Down"
        start = await log.wait_for(of_type("StasisStart", "c1"))
        assert isinstance(start, StasisStart) and start.args == ("call-42",)
        assert log.names("c1") == ANSWERED
        states = [e.channel.state for e in log.about("c1") if isinstance(e, ChannelStateChange)]
        assert states == ["Ringing", "Up"]
        assert await ari.get_variable("c1", "CAMPAIGN") == "c9"


@pytest.mark.parametrize(
    ("number", "dialstatus", "cause", "cause_txt"),
    [
        ("0612345601", "BUSY", 17, "User busy"),
        ("0612345602", "CONGESTION", 34, "Circuit/channel congestion"),
        ("0612345604", "CHANUNAVAIL", 1, "Unallocated (unassigned) number"),
        ("0612345603", "NOANSWER", 19, "User alerting, no answer"),
    ],
)
async def test_failed_calls_end_with_their_cause_and_no_stasis(
    number: str, dialstatus: str, cause: int, cause_txt: str
) -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate(f"PJSIP/{number}@trunk", channel_id="c1", timeout_s=3)
        end = await log.expect(ChannelDestroyed, "c1")
        assert isinstance(end, ChannelDestroyed)
        assert (end.cause, end.cause_txt) == (cause, cause_txt)
        names = log.names("c1")
        assert names[0] == "Dial:" and f"Dial:{dialstatus}" in names
        assert "StasisStart" not in names
        assert names[-1] == "ChannelDestroyed"


async def test_persona_answering_after_the_ring_timeout_is_no_answer() -> None:
    book = PersonaBook(default=Persona(answer_after_s=40))
    async with running_pbx(personas=book) as (_pbx, ari, log):
        await ari.originate("PJSIP/0700000000@trunk", channel_id="c1", timeout_s=30)
        end = await log.expect(ChannelDestroyed, "c1")
        assert end.cause == 19


async def test_unknown_technology_is_accepted_then_destroyed_without_stasis() -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate("Bogus/0612345678@nowhere", channel_id="c1")
        await log.expect(ChannelDestroyed, "c1")
        assert log.names("c1") == ["Dial:", "ChannelDestroyed"]


async def test_ari_hangup_gives_cause_16_and_fails_a_running_playback() -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1")
        await log.wait_for(of_type("StasisStart", "c1"))
        playback = await ari.play("c1", "sound:tt-monkeys", lang="fr", playback_id="pb1")
        assert (playback.id, playback.state) == ("pb1", "queued")
        await log.wait_for(lambda e: e.type == "PlaybackStarted")
        await ari.hangup("c1")
        end = await log.expect(ChannelDestroyed, "c1")
        assert end.cause == 16
        tail = [
            e.type
            for e in log.events[log.events.index(await log.wait_for(of_type("ChannelHangupRequest"))) :]
        ]
        assert tail == ["ChannelHangupRequest", "PlaybackFinished", "StasisEnd", "ChannelDestroyed"]
        finished = await log.wait_for(lambda e: isinstance(e, PlaybackFinished))
        assert isinstance(finished, PlaybackFinished) and finished.playback.state == "failed"
        with pytest.raises(NoSuchChannel):
            await ari.hangup("c1")


async def test_playback_runs_to_done_and_can_be_stopped() -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1")
        await log.wait_for(of_type("StasisStart", "c1"))
        await ari.play("c1", "sound:hello-world", playback_id="p1")
        done = await log.wait_for(lambda e: isinstance(e, PlaybackFinished) and e.playback.id == "p1")
        assert isinstance(done, PlaybackFinished) and done.playback.state == "done"
        await ari.play("c1", "sound:tt-monkeys", playback_id="p2")
        await log.expect(PlaybackStarted, where=lambda e: e.playback.id == "p2")
        await ari.stop_playback("p2")
        stopped = await log.wait_for(lambda e: isinstance(e, PlaybackFinished) and e.playback.id == "p2")
        assert isinstance(stopped, PlaybackFinished) and stopped.playback.state == "done"
        with pytest.raises(NoSuchChannel):
            await ari.stop_playback("p2")


async def test_playback_before_answer_is_refused() -> None:
    async with running_pbx(personas=PersonaBook(default=Persona(answer_after_s=20))) as (_pbx, ari, _log):
        await ari.originate("PJSIP/0700000000@trunk", channel_id="c1")
        with pytest.raises(AriError) as caught:
            await ari.play("c1", "sound:beep")
        assert caught.value.status == 409


async def test_callee_hangup_ends_with_stasis_end_and_cause_16() -> None:
    book = PersonaBook(default=Persona(answer_after_s=1, hangup_after_s=2))
    async with running_pbx(personas=book) as (_pbx, ari, log):
        await ari.originate("PJSIP/0700000000@trunk", channel_id="c1")
        end = await log.expect(ChannelDestroyed, "c1")
        assert end.cause == 16
        assert log.names("c1")[-3:] == ["ChannelHangupRequest", "StasisEnd", "ChannelDestroyed"]


async def test_channels_list_variables_and_caller_id() -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate(
            "PJSIP/0612345678@trunk", channel_id="c1", caller_id='"MiniBot" <0100000000>',
            variables={"CALLERID(num)": "0600000000"},
        )  # fmt: skip
        await log.wait_for(of_type("StasisStart", "c1"))
        [listed] = await ari.list_channels()
        assert (listed.id, listed.state, listed.caller_number, listed.caller_name) == (
            "c1",
            "Up",
            "0600000000",
            "MiniBot",
        )
        await ari.set_variable("c1", "RESULT", "qualified")
        assert await ari.get_variable("c1", "RESULT") == "qualified"
        varset = await log.expect(ChannelVarset, where=lambda e: e.variable == "RESULT")
        assert varset.value == "qualified"
        with pytest.raises(NoSuchChannel):
            await ari.get_variable("c1", "MISSING")


async def test_bridge_lifecycle() -> None:
    async with running_pbx() as (pbx, ari, log):
        await ari.originate("PJSIP/0612345678@trunk", channel_id="c1")
        bridge = await ari.create_bridge("b1")
        assert (bridge.id, bridge.bridge_type, bridge.channels) == ("b1", "mixing", ())
        with pytest.raises(AriError) as caught:
            await ari.add_channel("b1", "c1")  # still ringing: not in Stasis
        assert caught.value.status == 422
        await log.wait_for(of_type("StasisStart", "c1"))
        await ari.add_channel("b1", "c1")
        assert pbx.engine.bridges["b1"].channels == ["c1"]
        with pytest.raises(AriError) as conflict:
            await ari.create_bridge("b1")
        assert conflict.value.status == 409
        await ari.remove_channel("b1", "c1")
        await ari.destroy_bridge("b1")
        with pytest.raises(NoSuchChannel):
            await ari.destroy_bridge("b1")


@pytest.mark.parametrize(
    ("number", "verdict"),
    [("0612345678", ("HUMAN", "HUMAN-800-800")), ("0612345605", ("MACHINE", "LONGGREETING-2500-1500"))],
)
async def test_amd_dialplan_context_passes_the_verdict_as_stasis_args(
    number: str, verdict: tuple[str, str]
) -> None:
    async with running_pbx() as (_pbx, ari, log):
        await ari.originate(
            f"PJSIP/{number}@trunk",
            channel_id="c1",
            context="minibot-amd",
            variables={"MINIBOT_CALL": "call-9"},
        )
        start = await log.expect(StasisStart, "c1")
        assert start.args == ("call-9", *verdict)
        assert start.application == "minibot"
