"""Typed ARI events (frozen dataclasses) parsed from the event WebSocket JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.ari.models import Channel, Playback
from services.errors import AriError


@dataclass(frozen=True, kw_only=True)
class AriEvent:
    """Fields every ARI event carries."""

    type: str
    application: str = ""
    timestamp: str = ""


@dataclass(frozen=True, kw_only=True)
class StasisStart(AriEvent):
    """A channel entered the Stasis application (answered); ``args`` are the originate appArgs."""

    channel: Channel
    args: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StasisEnd(AriEvent):
    """A channel left the application (hung up or moved)."""

    channel: Channel


@dataclass(frozen=True, kw_only=True)
class ChannelStateChange(AriEvent):
    """The channel state changed (``channel.state``: Down, Ringing, Up...)."""

    channel: Channel


@dataclass(frozen=True, kw_only=True)
class ChannelDestroyed(AriEvent):
    """The channel is gone; ``cause`` is the Q.850 hangup cause."""

    channel: Channel
    cause: int
    cause_txt: str


@dataclass(frozen=True, kw_only=True)
class ChannelHangupRequest(AriEvent):
    """A hangup was requested on the channel."""

    channel: Channel
    cause: int | None = None
    soft: bool = False


@dataclass(frozen=True, kw_only=True)
class Dial(AriEvent):
    """Dial progress; ``dialstatus`` is '' (started), RINGING, ANSWER, BUSY, NOANSWER, CONGESTION..."""

    peer: Channel
    dialstatus: str
    dialstring: str = ""


@dataclass(frozen=True, kw_only=True)
class PlaybackStarted(AriEvent):
    """A playback began."""

    playback: Playback


@dataclass(frozen=True, kw_only=True)
class PlaybackFinished(AriEvent):
    """A playback ended (``playback.state`` done or failed)."""

    playback: Playback


@dataclass(frozen=True, kw_only=True)
class ChannelVarset(AriEvent):
    """A channel variable changed."""

    variable: str
    value: str
    channel: Channel | None = None


@dataclass(frozen=True, kw_only=True)
class Unknown(AriEvent):
    """Any event MiniBot does not model; the raw JSON is kept."""

    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


def _base(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": str(data["type"]),
        "application": str(data.get("application") or ""),
        "timestamp": str(data.get("timestamp") or ""),
    }


def _channel(data: Mapping[str, Any]) -> Channel:
    return Channel.from_json(data["channel"])


_PARSERS: dict[str, Callable[[Mapping[str, Any]], AriEvent]] = {
    "StasisStart": lambda d: StasisStart(
        **_base(d), channel=_channel(d), args=tuple(str(a) for a in d.get("args") or ())
    ),
    "StasisEnd": lambda d: StasisEnd(**_base(d), channel=_channel(d)),
    "ChannelStateChange": lambda d: ChannelStateChange(**_base(d), channel=_channel(d)),
    "ChannelDestroyed": lambda d: ChannelDestroyed(
        **_base(d), channel=_channel(d), cause=int(d["cause"]), cause_txt=str(d["cause_txt"])
    ),
    "ChannelHangupRequest": lambda d: ChannelHangupRequest(
        **_base(d),
        channel=_channel(d),
        cause=None if d.get("cause") is None else int(d["cause"]),
        soft=bool(d.get("soft", False)),
    ),
    "Dial": lambda d: Dial(
        **_base(d),
        peer=Channel.from_json(d["peer"]),
        dialstatus=str(d["dialstatus"]),
        dialstring=str(d.get("dialstring") or ""),
    ),
    "PlaybackStarted": lambda d: PlaybackStarted(**_base(d), playback=Playback.from_json(d["playback"])),
    "PlaybackFinished": lambda d: PlaybackFinished(**_base(d), playback=Playback.from_json(d["playback"])),
    "ChannelVarset": lambda d: ChannelVarset(
        **_base(d),
        variable=str(d["variable"]),
        value=str(d.get("value") or ""),
        channel=Channel.from_json(d["channel"]) if d.get("channel") else None,
    ),
}

MODELLED_EVENTS = frozenset(_PARSERS)


def parse_event(data: Mapping[str, Any]) -> AriEvent:
    """Turn one decoded event object into its dataclass (``Unknown`` for other types)."""
    try:
        parser = _PARSERS.get(str(data["type"]))
        if parser is None:
            return Unknown(**_base(data), raw=dict(data))
        return parser(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AriError(f"malformed ARI event {str(data)[:200]}: {exc!r}", retryable=False) from exc


def parse_event_text(text: str) -> AriEvent:
    """Parse one WebSocket text message."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AriError(f"ARI event is not JSON: {text[:200]}", retryable=False) from exc
    if not isinstance(data, dict):
        raise AriError(f"ARI event is not an object: {text[:200]}", retryable=False)
    return parse_event(data)
