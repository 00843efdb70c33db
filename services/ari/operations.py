"""The registry of every ARI REST operation the client can call (checked against the spec by tests)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One REST operation: HTTP method, path template under /ari, and the parameter names we send."""

    method: str
    path: str
    params: frozenset[str] = frozenset()
    body: frozenset[str] = frozenset()  # parameter names sent in the JSON body


def _op(method: str, path: str, *params: str, body: tuple[str, ...] = ()) -> Operation:
    return Operation(method, path, frozenset(params), frozenset(body))


_ORIGINATE = (
    "endpoint",
    "app",
    "appArgs",
    "context",
    "extension",
    "callerId",
    "timeout",
    "channelId",
    "variables",
)
_EXTERNAL_MEDIA = (
    "channelId",
    "app",
    "external_host",
    "encapsulation",
    "transport",
    "connection_type",
    "format",
    "direction",
    "data",
    "variables",
)

OPERATIONS: dict[str, Operation] = {
    "asterisk_info": _op("GET", "/asterisk/info"),
    "asterisk_ping": _op("GET", "/asterisk/ping"),
    "channels_list": _op("GET", "/channels"),
    "channel_originate": _op("POST", "/channels", body=_ORIGINATE),
    "channel_get": _op("GET", "/channels/{channelId}"),
    "channel_hangup": _op("DELETE", "/channels/{channelId}", "reason"),
    "channel_answer": _op("POST", "/channels/{channelId}/answer"),
    "channel_get_var": _op("GET", "/channels/{channelId}/variable", "variable"),
    "channel_set_var": _op("POST", "/channels/{channelId}/variable", "variable", "value"),
    "channel_play": _op("POST", "/channels/{channelId}/play/{playbackId}", "media", "lang"),
    "channel_external_media": _op("POST", "/channels/externalMedia", body=_EXTERNAL_MEDIA),
    "channel_snoop": _op("POST", "/channels/{channelId}/snoop", "app", "spy", "snoopId"),
    "bridge_create": _op("POST", "/bridges", "type", "bridgeId"),
    "bridge_add_channel": _op("POST", "/bridges/{bridgeId}/addChannel", "channel"),
    "bridge_remove_channel": _op("POST", "/bridges/{bridgeId}/removeChannel", "channel"),
    "bridge_destroy": _op("DELETE", "/bridges/{bridgeId}"),
    "playback_stop": _op("DELETE", "/playbacks/{playbackId}"),
}
