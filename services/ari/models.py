"""Typed views of the ARI resources MiniBot reads (Channel, Bridge, Playback), parsed from the JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


@dataclass(frozen=True, kw_only=True)
class Channel:
    """An ARI Channel (only the fields MiniBot uses)."""

    id: str
    name: str
    state: str
    caller_number: str = ""
    caller_name: str = ""
    creationtime: str = ""
    channelvars: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Channel:
        """Parse the spec's Channel model."""
        caller = data.get("caller") or {}
        variables = data.get("channelvars") or {}
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            state=_str(data, "state"),
            caller_number=_str(caller, "number"),
            caller_name=_str(caller, "name"),
            creationtime=_str(data, "creationtime"),
            channelvars={str(k): "" if v is None else str(v) for k, v in variables.items()},
        )


@dataclass(frozen=True, kw_only=True)
class Bridge:
    """An ARI Bridge."""

    id: str
    bridge_type: str
    channels: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bridge:
        """Parse the spec's Bridge model."""
        return cls(
            id=_str(data, "id"),
            bridge_type=_str(data, "bridge_type"),
            channels=tuple(str(c) for c in data.get("channels") or ()),
        )


@dataclass(frozen=True, kw_only=True)
class Playback:
    """An ARI Playback."""

    id: str
    media_uri: str
    target_uri: str
    state: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Playback:
        """Parse the spec's Playback model."""
        return cls(
            id=_str(data, "id"),
            media_uri=_str(data, "media_uri"),
            target_uri=_str(data, "target_uri"),
            state=_str(data, "state"),
        )
