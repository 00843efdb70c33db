"""`AriPort`: what the call controller needs from Asterisk, plus an in-memory fake driven by scripts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from services.ari.events import AriEvent
from services.ari.models import Bridge, Channel, Playback
from services.errors import AriError, NoSuchChannel


@runtime_checkable
class AriPort(Protocol):
    """The ARI operations the controller uses (AriClient implements it)."""

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str | None = None,
        app_args: str = "",
        caller_id: str | None = None,
        timeout_s: int = 30,
        variables: Mapping[str, str] | None = None,
        context: str | None = None,
    ) -> Channel: ...

    async def list_channels(self) -> list[Channel]: ...

    async def hangup(self, channel_id: str, reason: str = "normal") -> None: ...

    async def play(
        self, channel_id: str, media: str, *, lang: str | None = None, playback_id: str | None = None
    ) -> Playback: ...

    async def stop_playback(self, playback_id: str) -> None: ...

    async def get_variable(self, channel_id: str, variable: str) -> str: ...

    async def set_variable(self, channel_id: str, variable: str, value: str) -> None: ...

    async def create_bridge(self, bridge_id: str | None = None, bridge_type: str = "mixing") -> Bridge: ...

    async def add_channel(self, bridge_id: str, channel_id: str) -> None: ...

    async def destroy_bridge(self, bridge_id: str) -> None: ...

    async def external_media(
        self,
        *,
        channel_id: str | None = None,
        transport: str = "websocket",
        encapsulation: str = "none",
        external_host: str | None = None,
        connection_type: str | None = "server",
        media_format: str = "slin16",
        direction: str | None = None,
        data: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel: ...


Script = Callable[[Channel, str], list[AriEvent]]
"""Given the new channel and its appArgs, the events the fake emits after an originate."""


@dataclass
class FakeAri:
    """In-memory AriPort for unit tests: records calls and emits scripted events on :meth:`events`."""

    scripts: dict[str, Script] = field(default_factory=dict)  # endpoint -> script
    calls: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)
    variables: dict[tuple[str, str], str] = field(default_factory=dict)
    bridges: dict[str, list[str]] = field(default_factory=dict)
    queue: asyncio.Queue[AriEvent] = field(default_factory=asyncio.Queue)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def emit(self, event: AriEvent) -> None:
        """Push one event to the stream."""
        self.queue.put_nowait(event)

    async def events(self) -> AsyncIterator[AriEvent]:
        """The event stream (never ends)."""
        while True:
            yield await self.queue.get()

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str | None = None,
        app_args: str = "",
        caller_id: str | None = None,
        timeout_s: int = 30,
        variables: Mapping[str, str] | None = None,
        context: str | None = None,
    ) -> Channel:
        self.calls.append(("originate", (endpoint, channel_id, app_args)))
        channel_id = channel_id or self._new_id("chan")
        if channel_id in self.channels:
            raise AriError(f"channel {channel_id} exists", status=409, retryable=False)
        channel = Channel(id=channel_id, name=f"{endpoint}-{channel_id}", state="Down")
        self.channels[channel_id] = channel
        for key, value in (variables or {}).items():
            self.variables[(channel_id, key)] = value
        script = self.scripts.get(endpoint)
        for event in script(channel, app_args) if script else ():
            self.emit(event)
        return channel

    async def list_channels(self) -> list[Channel]:
        return list(self.channels.values())

    def _channel(self, channel_id: str) -> Channel:
        if channel_id not in self.channels:
            raise NoSuchChannel(f"channel {channel_id} not found", status=404)
        return self.channels[channel_id]

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self.calls.append(("hangup", (channel_id, reason)))
        self._channel(channel_id)
        del self.channels[channel_id]

    async def play(
        self, channel_id: str, media: str, *, lang: str | None = None, playback_id: str | None = None
    ) -> Playback:
        self.calls.append(("play", (channel_id, media)))
        self._channel(channel_id)
        pid = playback_id or self._new_id("playback")
        return Playback(id=pid, media_uri=media, target_uri=f"channel:{channel_id}", state="queued")

    async def stop_playback(self, playback_id: str) -> None:
        self.calls.append(("stop_playback", (playback_id,)))

    async def get_variable(self, channel_id: str, variable: str) -> str:
        self._channel(channel_id)
        if (channel_id, variable) not in self.variables:
            raise NoSuchChannel(f"variable {variable} not found", status=404)
        return self.variables[(channel_id, variable)]

    async def set_variable(self, channel_id: str, variable: str, value: str) -> None:
        self._channel(channel_id)
        self.variables[(channel_id, variable)] = value

    async def create_bridge(self, bridge_id: str | None = None, bridge_type: str = "mixing") -> Bridge:
        bridge_id = bridge_id or self._new_id("bridge")
        self.bridges[bridge_id] = []
        return Bridge(id=bridge_id, bridge_type=bridge_type)

    async def add_channel(self, bridge_id: str, channel_id: str) -> None:
        self._channel(channel_id)
        if bridge_id not in self.bridges:
            raise NoSuchChannel(f"bridge {bridge_id} not found", status=404)
        self.bridges[bridge_id].append(channel_id)

    async def destroy_bridge(self, bridge_id: str) -> None:
        self.bridges.pop(bridge_id, None)

    async def external_media(
        self,
        *,
        channel_id: str | None = None,
        transport: str = "websocket",
        encapsulation: str = "none",
        external_host: str | None = None,
        connection_type: str | None = "server",
        media_format: str = "slin16",
        direction: str | None = None,
        data: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        self.calls.append(("external_media", (transport, media_format)))
        channel_id = channel_id or self._new_id("media")
        channel = Channel(
            id=channel_id,
            name=f"WebSocket/INCOMING/{channel_id}",
            state="Down",
            channelvars={
                "MEDIA_WEBSOCKET_CONNECTION_ID": channel_id,
                "MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE": "640",
            },
        )
        self.channels[channel_id] = channel
        return channel
