"""Parsing ARI event JSON into typed dataclasses."""

from __future__ import annotations

import pytest

from services.ari import (
    ChannelDestroyed,
    ChannelHangupRequest,
    ChannelVarset,
    Dial,
    PlaybackFinished,
    StasisStart,
    Unknown,
    parse_event,
)
from services.ari.events import parse_event_text
from services.errors import AriError

pytestmark = pytest.mark.unit

CHANNEL = {
    "id": "1700000000.12",
    "name": "PJSIP/trunk-00000001",
    "state": "Up",
    "protocol_id": "",
    "caller": {"name": "MiniBot", "number": "0600000000"},
    "connected": {"name": "", "number": ""},
    "accountcode": "",
    "dialplan": {"context": "minibot", "exten": "s", "priority": 1, "app_name": "Stasis", "app_data": ""},
    "creationtime": "2026-11-23T11:00:00.000+0000",
    "language": "fr",
    "channelvars": {"MEDIA_WEBSOCKET_CONNECTION_ID": "abc"},
}
BASE = {"application": "minibot", "timestamp": "2026-11-23T11:00:01.000+0000"}


def test_stasis_start_carries_args_and_channel() -> None:
    event = parse_event({"type": "StasisStart", **BASE, "args": ["call-7", "x"], "channel": CHANNEL})
    assert isinstance(event, StasisStart)
    assert event.args == ("call-7", "x")
    assert event.channel.id == "1700000000.12"
    assert event.channel.caller_number == "0600000000"
    assert event.channel.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"] == "abc"
    assert event.application == "minibot"


def test_channel_destroyed_cause() -> None:
    event = parse_event(
        {
            "type": "ChannelDestroyed",
            **BASE,
            "cause": 19,
            "cause_txt": "User alerting, no answer",
            "channel": CHANNEL,
        }
    )
    assert isinstance(event, ChannelDestroyed)
    assert (event.cause, event.cause_txt) == (19, "User alerting, no answer")


def test_dial_uses_peer_and_status() -> None:
    event = parse_event(
        {"type": "Dial", **BASE, "peer": CHANNEL, "dialstatus": "BUSY", "dialstring": "06@trunk"}
    )
    assert isinstance(event, Dial)
    assert (event.peer.id, event.dialstatus, event.dialstring) == ("1700000000.12", "BUSY", "06@trunk")


def test_optional_fields_default() -> None:
    hangup = parse_event({"type": "ChannelHangupRequest", **BASE, "channel": CHANNEL})
    assert isinstance(hangup, ChannelHangupRequest)
    assert hangup.cause is None and hangup.soft is False
    varset = parse_event({"type": "ChannelVarset", **BASE, "variable": "AMDSTATUS", "value": "HUMAN"})
    assert isinstance(varset, ChannelVarset)
    assert varset.channel is None and varset.value == "HUMAN"


def test_playback_finished_state() -> None:
    playback = {"id": "p1", "media_uri": "sound:beep", "target_uri": "channel:c1", "state": "failed"}
    event = parse_event({"type": "PlaybackFinished", **BASE, "playback": playback})
    assert isinstance(event, PlaybackFinished)
    assert event.playback.state == "failed"


def test_other_types_are_unknown_with_raw_json() -> None:
    event = parse_event({"type": "ChannelDtmfReceived", **BASE, "digit": "5", "channel": CHANNEL})
    assert isinstance(event, Unknown)
    assert event.raw["digit"] == "5"


def test_malformed_events_raise_ari_error() -> None:
    with pytest.raises(AriError, match="malformed"):
        parse_event({"type": "ChannelDestroyed", **BASE, "channel": CHANNEL})
    with pytest.raises(AriError, match="not JSON"):
        parse_event_text("{nope")
    with pytest.raises(AriError, match="not an object"):
        parse_event_text("[1]")


def test_events_are_frozen() -> None:
    event = parse_event({"type": "StasisEnd", **BASE, "channel": CHANNEL})
    with pytest.raises(AttributeError):
        event.type = "x"  # type: ignore[misc]
