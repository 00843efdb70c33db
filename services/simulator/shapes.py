"""Simulator state objects and their JSON in the ARI spec's shapes (Channel, Bridge, Playback...)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.simulator.media_leg import CalleeAudio
from services.simulator.personas import Persona

CAUSES = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    34: "Circuit/channel congestion",
}
HANGUP_REASONS = {"normal": 16, "busy": 17, "noanswer": 19, "no_answer": 19, "answered_elsewhere": 26,
                  "congestion": 34, "rejected": 21}  # fmt: skip


def ari_time(moment: datetime | None = None) -> str:
    """Asterisk's timestamp format, e.g. ``2026-11-23T11:00:00.123+0000``."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@dataclass
class SimChannel:
    """One simulated channel: a dialled callee or an ExternalMedia channel."""

    id: str
    name: str
    app: str
    kind: str = "callee"  # "callee" | "media"
    state: str = "Down"
    number: str = ""
    dialstring: str = ""
    app_args: tuple[str, ...] = ()
    caller_number: str = ""
    caller_name: str = ""
    context: str = "default"
    variables: dict[str, str] = field(default_factory=dict)
    channelvars: dict[str, str] = field(default_factory=dict)  # returned in the Channel JSON
    creationtime: str = field(default_factory=ari_time)
    in_stasis: bool = False
    bridge_id: str | None = None
    persona: Persona | None = None
    voice: CalleeAudio | None = None
    task: asyncio.Task[None] | None = None
    playbacks: set[str] = field(default_factory=set)
    transport: str = ""  # ExternalMedia transport key
    amd: bool = False  # originated into the [minibot-amd] dialplan context
    gone: bool = False

    def to_json(self) -> dict[str, Any]:
        """The spec's Channel model."""
        data: dict[str, Any] = {
            "id": self.id,
            "protocol_id": "",
            "name": self.name,
            "state": self.state,
            "caller": {"name": self.caller_name, "number": self.caller_number},
            "connected": {"name": "", "number": self.number},
            "accountcode": "",
            "dialplan": {"context": self.context, "exten": self.number or "s", "priority": 1,
                         "app_name": "Stasis" if self.in_stasis else "", "app_data": self.app},
            "creationtime": self.creationtime,
            "language": "fr",
        }  # fmt: skip
        if self.channelvars:
            data["channelvars"] = dict(self.channelvars)
        return data


@dataclass
class SimBridge:
    """A simulated mixing bridge."""

    id: str
    bridge_type: str = "mixing"
    channels: list[str] = field(default_factory=list)
    creationtime: str = field(default_factory=ari_time)

    def to_json(self) -> dict[str, Any]:
        """The spec's Bridge model."""
        return {
            "id": self.id,
            "technology": "simple_bridge",
            "bridge_type": self.bridge_type,
            "bridge_class": "stasis",
            "creator": "Stasis",
            "name": "",
            "channels": list(self.channels),
            "video_mode": "none",
            "creationtime": self.creationtime,
        }


@dataclass
class SimPlayback:
    """A simulated playback on a channel."""

    id: str
    media_uri: str
    channel_id: str
    language: str = "fr"
    state: str = "queued"
    task: asyncio.Task[None] | None = None

    def to_json(self) -> dict[str, Any]:
        """The spec's Playback model."""
        return {
            "id": self.id,
            "media_uri": self.media_uri,
            "target_uri": f"channel:{self.channel_id}",
            "language": self.language,
            "state": self.state,
        }
