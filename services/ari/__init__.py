"""Asterisk ARI: typed REST client, typed events, event stream with reconnect, port and fake."""

from services.ari.client import AriClient
from services.ari.events import (
    AriEvent,
    ChannelDestroyed,
    ChannelHangupRequest,
    ChannelStateChange,
    ChannelVarset,
    Dial,
    PlaybackFinished,
    PlaybackStarted,
    StasisEnd,
    StasisStart,
    Unknown,
    parse_event,
)
from services.ari.eventstream import AriEventStream
from services.ari.models import Bridge, Channel, Playback
from services.ari.port import AriPort, FakeAri

__all__ = [
    "AriClient",
    "AriEvent",
    "AriEventStream",
    "AriPort",
    "Bridge",
    "Channel",
    "ChannelDestroyed",
    "ChannelHangupRequest",
    "ChannelStateChange",
    "ChannelVarset",
    "Dial",
    "FakeAri",
    "Playback",
    "PlaybackFinished",
    "PlaybackStarted",
    "StasisEnd",
    "StasisStart",
    "Unknown",
    "parse_event",
]
