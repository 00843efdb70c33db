"""Test helpers: a simulated PBX with a connected client and a log of the events received."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from services.ari import AriClient, AriEvent, AriEventStream
from services.simulator import SimulatedPbx

APP = "minibot"
E = TypeVar("E", bound=AriEvent)


@dataclass
class EventLog:
    """Every event received, with a way to wait for one."""

    events: list[AriEvent] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def consume(self, stream: AriEventStream) -> None:
        """Append every event of ``stream``."""
        async for event in stream:
            async with self.changed:
                self.events.append(event)
                self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[AriEvent], bool], timeout_s: float = 10.0) -> AriEvent:
        """The first event (already received or coming) matching ``predicate``."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: any(map(predicate, self.events))), timeout_s)
            return next(e for e in self.events if predicate(e))

    async def expect(
        self, cls: type[E], channel_id: str | None = None, where: Callable[[E], bool] = lambda e: True
    ) -> E:
        """The first event of class ``cls`` (about ``channel_id`` when given) satisfying ``where``."""

        def match(event: AriEvent) -> bool:
            if not isinstance(event, cls):
                return False
            channel = getattr(event, "channel", None) or getattr(event, "peer", None)
            return (channel_id is None or (channel is not None and channel.id == channel_id)) and where(event)

        event = await self.wait_for(match)
        assert isinstance(event, cls)
        return event

    def about(self, channel_id: str) -> list[AriEvent]:
        """Events whose channel (or Dial peer) is ``channel_id``."""
        result = []
        for event in self.events:
            channel = getattr(event, "channel", None) or getattr(event, "peer", None)
            if channel is not None and channel.id == channel_id:
                result.append(event)
        return result

    def names(self, channel_id: str) -> list[str]:
        """Event type names for a channel, Dial events with their status (``Dial:RINGING``)."""
        out = []
        for event in self.about(channel_id):
            status = getattr(event, "dialstatus", None)
            out.append(f"Dial:{status}" if status is not None else event.type)
        return out


def of_type(event_type: str, channel_id: str | None = None) -> Callable[[AriEvent], bool]:
    """Predicate: an event of ``event_type`` (for ``channel_id`` when given)."""

    def check(event: AriEvent) -> bool:
        channel = getattr(event, "channel", None) or getattr(event, "peer", None)
        return event.type == event_type and (
            channel_id is None or (channel is not None and channel.id == channel_id)
        )

    return check


@contextlib.asynccontextmanager
async def running_pbx(**options: Any) -> AsyncIterator[tuple[SimulatedPbx, AriClient, EventLog]]:
    """A started simulator, a client for app ``minibot`` and a live event log (socket connected)."""
    options.setdefault("time_scale", 0.01)
    async with SimulatedPbx(**options) as pbx, AriClient(pbx.url, pbx.user, pbx.password, APP) as ari:
        log = EventLog()
        stream = ari.events(backoff_initial_s=0.01, backoff_max_s=0.05)
        task = asyncio.create_task(log.consume(stream))
        await stream.wait_connected()
        try:
            yield pbx, ari, log
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
