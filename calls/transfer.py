"""Hand an answered call to a human: ring the adviser's endpoint, bridge the two on answer.

The adviser's leg is a second channel in our Stasis application, ``{call channel}-xfer`` (appArgs
``transfer,{call_id}``; its caller id is the contact's number, so the adviser sees who is calling).
When it answers (StasisStart) it joins the call's mixing bridge, where the callee already is, and
the bot's ExternalMedia channel leaves as the conversation ends. If the leg ends before it answers
(busy, no answer, unreachable), the transfer failed and the bot keeps the line. Once the two humans
talk, the first one to hang up ends the call: the controller hangs up the other and destroys the bridge.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from services.ari.events import AriEvent, ChannelDestroyed, Dial, StasisStart
from services.ari.port import AriPort
from services.errors import AriError, NoSuchChannel

log = logging.getLogger("minibot.transfer")

LEG_SUFFIX = "-xfer"


@dataclass(frozen=True)
class TransferResult:
    """Whether the adviser now talks with the callee; ``reason`` says why not."""

    connected: bool
    reason: str = ""


@dataclass
class AdviserLeg:
    """The adviser's channel of one call, from the originate to the end of the call."""

    call_channel_id: str
    channel_id: str
    bridge_id: str
    answered: asyncio.Future[TransferResult]
    bridged: bool = False
    gone: bool = False  # its channel was destroyed


class TransferDesk:
    """Originates adviser legs and follows their events for the controller."""

    def __init__(self, ari: AriPort, *, ring_timeout_s: int = 25) -> None:
        self.ari = ari
        self.ring_timeout_s = ring_timeout_s
        self.legs: dict[str, AdviserLeg] = {}  # by adviser channel id

    async def connect(
        self, *, call_channel_id: str, call_id: int, caller_number: str, bridge_id: str, endpoint: str
    ) -> TransferResult:
        """Ring ``endpoint`` and, once it answers, add it to the call's bridge."""
        channel_id = call_channel_id + LEG_SUFFIX
        answered: asyncio.Future[TransferResult] = asyncio.get_running_loop().create_future()
        leg = AdviserLeg(call_channel_id, channel_id, bridge_id, answered)
        self.legs[channel_id] = leg
        try:
            await self.ari.originate(
                endpoint,
                channel_id=channel_id,
                app_args=f"transfer,{call_id}",
                caller_id=caller_number or None,
                timeout_s=self.ring_timeout_s,
                variables={"MINIBOT_CALL_ID": str(call_id)},
            )
        except AriError as exc:
            self.legs.pop(channel_id, None)
            return TransferResult(False, f"originate failed: {exc}")
        result = await answered
        if not result.connected:
            return result
        try:
            await self.ari.add_channel(bridge_id, channel_id)
        except AriError as exc:
            await self._hangup(channel_id)
            return TransferResult(False, f"bridging failed: {exc}")
        leg.bridged = True
        log.info("call transferred to %s", endpoint, extra={"call_id": call_id})
        return result

    def owns(self, event: AriEvent) -> bool:
        """Whether ``event`` concerns an adviser leg."""
        if isinstance(event, Dial):
            return event.peer.id in self.legs
        channel = getattr(event, "channel", None)
        return channel is not None and channel.id in self.legs

    def on_event(self, event: AriEvent) -> str | None:
        """Apply an adviser leg's event; returns the call channel to hang up when a bridged adviser left."""
        if isinstance(event, StasisStart):
            leg = self.legs.get(event.channel.id)
            if leg is not None and not leg.answered.done():
                leg.answered.set_result(TransferResult(True))
        elif isinstance(event, ChannelDestroyed):
            leg = self.legs.get(event.channel.id)
            if leg is not None:
                return self._leg_gone(leg, event.cause_txt or f"cause {event.cause}")
        return None

    def vanished(self, alive: Iterable[str]) -> list[str]:
        """After an ARI outage: legs whose channel is no longer alive ended; returns the calls to hang up."""
        alive_ids = set(alive)
        return [
            call
            for leg in list(self.legs.values())
            if not leg.gone and leg.channel_id not in alive_ids
            if (call := self._leg_gone(leg, "channel vanished during an ARI outage")) is not None
        ]

    def _leg_gone(self, leg: AdviserLeg, reason: str) -> str | None:
        leg.gone = True
        if not leg.answered.done():
            self.legs.pop(leg.channel_id, None)
            leg.answered.set_result(TransferResult(False, f"adviser unreachable: {reason}"))
            return None
        return leg.call_channel_id if leg.bridged else None

    async def release(self, call_channel_id: str) -> None:
        """The call ended: hang up its adviser leg (ringing or talking) and destroy a transferred bridge."""
        leg = self.legs.pop(call_channel_id + LEG_SUFFIX, None)
        if leg is None:
            return
        if not leg.answered.done():
            leg.answered.set_result(TransferResult(False, "the callee hung up"))
        if not leg.gone:
            await self._hangup(leg.channel_id)
        if leg.bridged:
            try:
                await self.ari.destroy_bridge(leg.bridge_id)
            except AriError as exc:
                log.debug("bridge %s already gone: %s", leg.bridge_id, exc)

    async def _hangup(self, channel_id: str) -> None:
        try:
            await self.ari.hangup(channel_id, "normal")
        except NoSuchChannel:
            pass
        except AriError as exc:
            log.warning("hangup of adviser leg %s failed: %s", channel_id, exc)
