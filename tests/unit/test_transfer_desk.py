"""The transfer desk: adviser legs from originate to release, on the in-memory ARI double.

The fake emits the adviser leg's events on its queue when the leg is originated; the test hands
them to the desk as the controller's event loop would.
"""

from __future__ import annotations

import asyncio

from calls.transfer import TransferDesk, TransferResult
from services.ari.events import AriEvent, ChannelDestroyed, Dial, StasisStart
from services.ari.models import Channel
from services.ari.port import FakeAri

CALL = "mb-7-1"
LEG = CALL + "-xfer"
BRIDGE = CALL + "-bridge"
ADVISER = "PJSIP/adv"


def destroyed(channel: Channel, cause: int, text: str) -> ChannelDestroyed:
    return ChannelDestroyed(type="ChannelDestroyed", channel=channel, cause=cause, cause_txt=text)


def answers(channel: Channel, app_args: str) -> list[AriEvent]:
    return [StasisStart(type="StasisStart", channel=channel, args=tuple(app_args.split(",")))]


def is_busy(channel: Channel, app_args: str) -> list[AriEvent]:
    return [Dial(type="Dial", peer=channel, dialstatus="BUSY"), destroyed(channel, 17, "User busy")]


def rings(channel: Channel, app_args: str) -> list[AriEvent]:
    return [Dial(type="Dial", peer=channel, dialstatus="RINGING")]


async def start(ari: FakeAri, desk: TransferDesk) -> asyncio.Task[TransferResult]:
    await ari.create_bridge(BRIDGE)
    return asyncio.create_task(
        desk.connect(
            call_channel_id=CALL, call_id=7, caller_number="+33612345678", bridge_id=BRIDGE, endpoint=ADVISER
        )
    )


async def test_answered_leg_joins_the_bridge_and_its_hangup_ends_the_call() -> None:
    ari = FakeAri(scripts={ADVISER: answers})
    desk = TransferDesk(ari)
    task = await start(ari, desk)
    answered = await ari.queue.get()
    assert ari.calls[-1] == ("originate", (ADVISER, LEG, "transfer,7"))
    assert desk.owns(answered) and desk.on_event(answered) is None
    assert await task == TransferResult(True)
    assert ari.bridges[BRIDGE] == [LEG]
    # the adviser hangs up: the desk names the call to hang up; releasing it destroys the bridge
    assert desk.on_event(destroyed(ari.channels[LEG], 16, "Normal Clearing")) == CALL
    await desk.release(CALL)
    assert BRIDGE not in ari.bridges and not desk.legs


async def test_busy_adviser_fails_the_transfer_with_the_cause() -> None:
    ari = FakeAri(scripts={ADVISER: is_busy})
    desk = TransferDesk(ari)
    task = await start(ari, desk)
    for _ in range(2):
        event = await ari.queue.get()
        assert desk.owns(event) and desk.on_event(event) is None
    assert await task == TransferResult(False, "adviser unreachable: User busy")
    assert ari.bridges[BRIDGE] == [] and not desk.legs


async def test_callee_hanging_up_while_the_adviser_rings_cancels_the_leg() -> None:
    ari = FakeAri(scripts={ADVISER: rings})
    desk = TransferDesk(ari)
    task = await start(ari, desk)
    desk.on_event(await ari.queue.get())
    await desk.release(CALL)
    assert await task == TransferResult(False, "the callee hung up")
    assert ("hangup", (LEG, "normal")) in ari.calls and LEG not in ari.channels
    assert BRIDGE in ari.bridges  # not transferred: the session owns and destroys its bridge


async def test_leg_lost_during_an_ari_outage() -> None:
    ari = FakeAri(scripts={ADVISER: answers})
    desk = TransferDesk(ari)
    task = await start(ari, desk)
    desk.on_event(await ari.queue.get())
    assert (await task).connected
    assert desk.vanished([CALL, LEG]) == []
    assert desk.vanished([CALL]) == [CALL]  # the bridged adviser is gone: hang the callee up
