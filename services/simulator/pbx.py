"""The simulated PBX engine: channels, call flows per persona, bridges, playbacks and the event bus.

Event order and hangup causes follow ASTERISK_FACTS.md (observed on Asterisk 22.10.1). Delays from
personas and ring timeouts are multiplied by ``time_scale``; media pacing has its own ``media_time_scale``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from services.simulator.media_leg import CalleeAudio
from services.simulator.personas import Persona, PersonaBook
from services.simulator.shapes import CAUSES, SimBridge, SimChannel, SimPlayback, ari_time
from services.simulator.voice import HumanVoice, VoiceLibrary

log = logging.getLogger(__name__)

KNOWN_TECHS = frozenset({"PJSIP", "SIP", "Local", "IAX2", "DAHDI"})
SOUND_SECONDS = {"hello-world": 1.4, "beep": 0.3, "silence/1": 1.0, "demo-congrats": 5.0, "tt-monkeys": 7.0}
DEFAULT_SOUND_S = 2.0
AMD_CONTEXT = "minibot-amd"  # see asterisk_conf/extensions.conf
AMD_SECONDS = 2.5


def amd_verdict(persona: Persona) -> tuple[str, str]:
    """What Asterisk's AMD() would say about a persona: (AMDSTATUS, AMDCAUSE)."""
    if persona.outcome == "voicemail":
        return "MACHINE", "LONGGREETING-2500-1500"
    if persona.behaviour == "silent" or persona.greeting is None:
        return "NOTSURE", "TOOLONG-5000"
    return "HUMAN", "HUMAN-800-800"


class SimError(Exception):
    """An ARI error response: HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class MediaTransport(Protocol):
    """A simulated ExternalMedia transport (WebSocket here; AudioSocket/RTP can be added alongside)."""

    def add_routes(self, app: web.Application) -> None:
        """Add any HTTP routes the transport serves on the ARI port."""
        ...

    async def open(self, channel: SimChannel, params: Mapping[str, str]) -> None:
        """Set up the channel (name, channelvars) or raise SimError(400)."""
        ...

    async def close(self, channel: SimChannel) -> None:
        """The channel is being destroyed: end its media."""
        ...


class PbxEngine:
    """State and behaviour of the simulated Asterisk, independent of HTTP."""

    def __init__(
        self,
        personas: PersonaBook | None = None,
        *,
        time_scale: float = 1.0,
        media_time_scale: float = 1.0,
        voice_cache_dir: Path | None = None,
        sound_seconds: Mapping[str, float] | None = None,
    ) -> None:
        self.personas = personas or PersonaBook()
        self.dialplan_app = "minibot"  # the app [minibot-amd] enters (MINIBOT_APP in extensions.conf)
        self.time_scale = time_scale
        self.media_time_scale = media_time_scale
        self.asterisk_id = "02:42:ac:11:00:02"
        self.channels: dict[str, SimChannel] = {}
        self.bridges: dict[str, SimBridge] = {}
        self.playbacks: dict[str, SimPlayback] = {}
        self.transports: dict[str, MediaTransport] = {}
        self.subscribers: dict[str, set[asyncio.Queue[str]]] = {}
        self.sound_seconds = {**SOUND_SECONDS, **(sound_seconds or {})}
        self.voices = VoiceLibrary(voice_cache_dir)
        self.event_log: list[dict[str, Any]] = []  # every event emitted (for contract tests)
        self.keep_event_log = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._serial = 0

    # -- plumbing -------------------------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of simulated call time."""
        await asyncio.sleep(max(0.0, seconds * self.time_scale))

    def spawn(self, coro: Any) -> asyncio.Task[None]:
        """Run a background task owned by the engine."""
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def shutdown(self) -> None:
        """Cancel every running flow."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.voices.close()

    def subscribe(self, apps: list[str]) -> asyncio.Queue[str]:
        """A queue receiving the JSON text of every event for ``apps``."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        for app in apps:
            self.subscribers.setdefault(app, set()).add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        """Stop delivering events to ``queue``."""
        for queues in self.subscribers.values():
            queues.discard(queue)

    def emit(self, app: str, event_type: str, **fields: Any) -> None:
        """Emit one event to the app's subscribers."""
        event = {"type": event_type, "timestamp": ari_time(), "application": app,
                 "asterisk_id": self.asterisk_id, **fields}  # fmt: skip
        if self.keep_event_log:
            self.event_log.append(event)
        text = json.dumps(event)
        for queue in self.subscribers.get(app, ()):
            queue.put_nowait(text)

    def _next_hex(self) -> str:
        self._serial += 1
        return f"0x{0x7F0000 + self._serial:x}"

    def channel(self, channel_id: str) -> SimChannel:
        """A live channel or SimError(404)."""
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SimError(404, "Channel not found")
        return channel

    def _emit_channel(self, channel: SimChannel, event_type: str, **fields: Any) -> None:
        self.emit(channel.app, event_type, channel=channel.to_json(), **fields)

    # -- originate and call flows ---------------------------------------------------------------
    def originate(self, params: Mapping[str, Any]) -> SimChannel:
        """POST /channels: create the channel and start its call flow (events follow asynchronously)."""
        endpoint = str(params.get("endpoint") or "")
        app = str(params.get("app") or "")
        dialplan = str(params.get("context") or "")
        if dialplan == AMD_CONTEXT:
            app = self.dialplan_app
        if not endpoint or not app:
            raise SimError(400, f"endpoint and app (or context={AMD_CONTEXT}) are required")
        tech, _, resource = endpoint.partition("/")
        if not resource:
            raise SimError(400, "Invalid endpoint")
        channel_id = str(params.get("channelId") or f"{ari_time()[:10]}-{uuid.uuid4().hex[:12]}")
        if channel_id in self.channels:
            raise SimError(409, "Channel with given unique ID already exists.")
        number, _, context = resource.partition("@")
        variables = {str(k): str(v) for k, v in (params.get("variables") or {}).items()}
        caller_name, caller_number = _parse_caller_id(str(params.get("callerId") or ""))
        caller_number = variables.pop("CALLERID(num)", caller_number)
        caller_name = variables.pop("CALLERID(name)", caller_name)
        app_args = str(params.get("appArgs") or "")
        channel = SimChannel(
            id=channel_id,
            name=f"{tech}/{context or number}-{self._next_hex()[2:]:0>8}",
            app=app,
            number=number,
            dialstring=resource,
            app_args=tuple(a for a in app_args.split(",")) if app_args else (),
            caller_number=caller_number,
            caller_name=caller_name,
            context=context or "default",
            variables=variables,
            persona=self.personas.for_number(number),
            amd=dialplan == AMD_CONTEXT,
        )
        self.channels[channel_id] = channel
        timeout = float(params.get("timeout") or 30)
        channel.task = self.spawn(self._call_flow(channel, tech in KNOWN_TECHS, timeout))
        return channel

    async def _call_flow(self, channel: SimChannel, routable: bool, timeout_s: float) -> None:
        persona = channel.persona
        assert persona is not None
        await asyncio.sleep(0)  # the 200 response goes out before the first event
        self.emit(channel.app, "Dial", peer=channel.to_json(), dialstring=channel.dialstring, dialstatus="")
        if not routable:
            await self.sleep(0.05)
            self.destroy(channel, 0)
            return
        failures = {"busy": ("BUSY", 17), "congestion": ("CONGESTION", 34), "invalid": ("CHANUNAVAIL", 1)}
        if persona.outcome in failures:
            await self.sleep(persona.answer_after_s)
            status, cause = failures[persona.outcome]
            self._dial(channel, status)
            self.destroy(channel, cause)
            return
        self._set_state(channel, "Ringing")
        self._dial(channel, "RINGING")
        if persona.outcome == "no_answer" or persona.answer_after_s >= timeout_s:
            await self.sleep(timeout_s)
            self._dial(channel, "NOANSWER")
            self.destroy(channel, 19)
            return
        await self.sleep(persona.answer_after_s)
        self._set_state(channel, "Up")
        self._dial(channel, "ANSWER")
        self._emit_channel(channel, "ChannelVarset", variable="DIALSTATUS", value="ANSWER")
        channel.in_stasis = True
        if channel.amd:  # the [minibot-amd] dialplan: AMD() then Stasis(app, call, AMDSTATUS, AMDCAUSE)
            await self.sleep(AMD_SECONDS)
            amd_status, amd_cause = amd_verdict(persona)
            channel.variables.update(AMDSTATUS=amd_status, AMDCAUSE=amd_cause)  # as AMD() does
            channel.app_args = (channel.variables.get("MINIBOT_CALL", ""), amd_status, amd_cause)

        def callee_hangs_up() -> None:
            self.spawn(self.hangup(channel.id, 16))

        channel.voice = HumanVoice(persona, self.voices, callee_hangs_up)
        self._emit_channel(channel, "StasisStart", args=list(channel.app_args))
        if persona.hangup_after_s is not None:
            await self.sleep(persona.hangup_after_s)
            await self.hangup(channel.id, 16)

    def _dial(self, channel: SimChannel, status: str) -> None:
        self.emit(
            channel.app, "Dial", peer=channel.to_json(), dialstring=channel.dialstring, dialstatus=status
        )

    def _set_state(self, channel: SimChannel, state: str) -> None:
        channel.state = state
        self._emit_channel(channel, "ChannelStateChange")

    # -- hangup ---------------------------------------------------------------------------------
    async def hangup(self, channel_id: str, cause: int = 16) -> None:
        """Hang a channel up (ARI DELETE, callee hangup or media HANGUP): events then destruction."""
        channel = self.channels.get(channel_id)
        if channel is None or channel.gone:
            return
        self._emit_channel(channel, "ChannelHangupRequest", cause=cause)
        for playback_id in list(channel.playbacks):
            self._finish_playback(playback_id, "failed")
        if channel.bridge_id and channel.bridge_id in self.bridges:
            self.bridges[channel.bridge_id].channels.remove(channel.id)
        channel.bridge_id = None
        if channel.in_stasis:
            channel.in_stasis = False
            self._emit_channel(channel, "StasisEnd")
        self.destroy(channel, cause)
        transport = self.transports.get(channel.transport)
        if channel.kind == "media" and transport is not None:
            await transport.close(channel)

    def destroy(self, channel: SimChannel, cause: int) -> None:
        """Emit ChannelDestroyed and forget the channel (stopping its flow)."""
        channel.gone = True
        self._emit_channel(channel, "ChannelDestroyed", cause=cause, cause_txt=CAUSES.get(cause, "Unknown"))
        self.channels.pop(channel.id, None)
        task = channel.task
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    # -- variables ------------------------------------------------------------------------------
    def get_variable(self, channel_id: str, name: str) -> str:
        """GET /channels/{id}/variable."""
        channel = self.channel(channel_id)
        special = {"CALLERID(num)": channel.caller_number, "CALLERID(name)": channel.caller_name}
        if name in special:
            return special[name]
        if name not in channel.variables:
            raise SimError(404, "Provided variable was not found")
        return channel.variables[name]

    def set_variable(self, channel_id: str, name: str, value: str) -> None:
        """POST /channels/{id}/variable."""
        channel = self.channel(channel_id)
        if name == "CALLERID(num)":
            channel.caller_number = value
        elif name == "CALLERID(name)":
            channel.caller_name = value
        else:
            channel.variables[name] = value
        self._emit_channel(channel, "ChannelVarset", variable=name, value=value)

    # -- playbacks ------------------------------------------------------------------------------
    def play(self, channel_id: str, media: str, playback_id: str | None, lang: str | None) -> SimPlayback:
        """POST /channels/{id}/play: PlaybackStarted, then PlaybackFinished(done) after the media length."""
        channel = self.channel(channel_id)
        if not channel.in_stasis:
            raise SimError(409, "Channel not in a Stasis application")
        scheme, _, name = media.partition(":")
        if scheme not in {"sound", "recording", "tone", "number", "digits", "characters"} or not name:
            raise SimError(400, f"Invalid media URI {media!r}")
        playback_id = playback_id or str(uuid.uuid4())
        if playback_id in self.playbacks:
            raise SimError(409, "Playback with that id already exists")
        playback = SimPlayback(id=playback_id, media_uri=media, channel_id=channel_id, language=lang or "fr")
        self.playbacks[playback_id] = playback
        channel.playbacks.add(playback_id)
        seconds = self.sound_seconds.get(name, DEFAULT_SOUND_S)
        playback.task = self.spawn(self._playback_flow(playback, channel.app, seconds))
        return playback

    async def _playback_flow(self, playback: SimPlayback, app: str, seconds: float) -> None:
        await asyncio.sleep(0)
        playback.state = "playing"
        self.emit(app, "PlaybackStarted", playback=playback.to_json())
        await self.sleep(seconds)
        self._finish_playback(playback.id, "done")

    def stop_playback(self, playback_id: str) -> None:
        """DELETE /playbacks/{id}: ends as PlaybackFinished(done)."""
        if playback_id not in self.playbacks:
            raise SimError(404, "Playback not found")
        self._finish_playback(playback_id, "done")

    def _finish_playback(self, playback_id: str, state: str) -> None:
        playback = self.playbacks.pop(playback_id, None)
        if playback is None:
            return
        channel = self.channels.get(playback.channel_id)
        if channel is not None:
            channel.playbacks.discard(playback_id)
        playback.state = state
        app = channel.app if channel is not None else ""
        self.emit(app, "PlaybackFinished", playback=playback.to_json())
        if playback.task is not None and playback.task is not asyncio.current_task():
            playback.task.cancel()

    # -- bridges --------------------------------------------------------------------------------
    def create_bridge(self, bridge_id: str | None, bridge_type: str | None) -> SimBridge:
        """POST /bridges."""
        bridge_id = bridge_id or str(uuid.uuid4())
        if bridge_id in self.bridges:
            raise SimError(409, "Bridge with the same bridgeId already exists")
        bridge = SimBridge(id=bridge_id, bridge_type=(bridge_type or "mixing").split(",")[0])
        self.bridges[bridge_id] = bridge
        return bridge

    def bridge(self, bridge_id: str) -> SimBridge:
        """A bridge or SimError(404)."""
        if bridge_id not in self.bridges:
            raise SimError(404, "Bridge not found")
        return self.bridges[bridge_id]

    def add_channel(self, bridge_id: str, channel_id: str) -> None:
        """POST /bridges/{id}/addChannel."""
        bridge = self.bridge(bridge_id)
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SimError(400, "Channel not found")
        if not channel.in_stasis:
            raise SimError(422, "Channel not in Stasis application")
        if channel.bridge_id and channel.bridge_id != bridge_id:
            self.bridges[channel.bridge_id].channels.remove(channel_id)
        if channel_id not in bridge.channels:
            bridge.channels.append(channel_id)
        channel.bridge_id = bridge_id

    def remove_channel(self, bridge_id: str, channel_id: str) -> None:
        """POST /bridges/{id}/removeChannel."""
        bridge = self.bridge(bridge_id)
        if channel_id not in bridge.channels:
            raise SimError(422, "Channel not in this bridge")
        bridge.channels.remove(channel_id)
        self.channels[channel_id].bridge_id = None

    def destroy_bridge(self, bridge_id: str) -> None:
        """DELETE /bridges/{id}."""
        bridge = self.bridge(bridge_id)
        for channel_id in bridge.channels:
            if channel_id in self.channels:
                self.channels[channel_id].bridge_id = None
        del self.bridges[bridge_id]

    def callee_audio(self, media_channel_id: str) -> CalleeAudio | None:
        """The callee bridged with an ExternalMedia channel, if any (what its transport talks to)."""
        channel = self.channels.get(media_channel_id)
        if channel is None or channel.bridge_id is None:
            return None
        for other_id in self.bridges[channel.bridge_id].channels:
            other = self.channels.get(other_id)
            if other is not None and other.kind == "callee" and other.voice is not None:
                return other.voice
        return None

    # -- external media -------------------------------------------------------------------------
    async def external_media(self, params: Mapping[str, Any]) -> SimChannel:
        """POST /channels/externalMedia: hand the channel to the transport named by the parameters."""
        app, media_format = str(params.get("app") or ""), str(params.get("format") or "")
        if not app or not media_format:
            raise SimError(400, "app and format are required")
        key = transport_key(params)
        transport = self.transports.get(key)
        if transport is None:
            raise SimError(400, f"ExternalMedia transport {key!r} is not simulated")
        channel_id = str(params.get("channelId") or f"{ari_time()[:10]}-{uuid.uuid4().hex[:12]}")
        if channel_id in self.channels:
            raise SimError(409, "Channel with given unique ID already exists.")
        variables = {str(k): str(v) for k, v in (params.get("variables") or {}).items()}
        channel = SimChannel(id=channel_id, name="", app=app, kind="media", variables=variables)
        await transport.open(channel, params)
        channel.transport = key
        self.channels[channel_id] = channel
        return channel

    def media_connected(self, channel: SimChannel) -> None:
        """The media transport is up: the channel is answered and enters Stasis."""
        if channel.gone or channel.in_stasis:
            return
        self._set_state(channel, "Up")
        channel.in_stasis = True
        self._emit_channel(channel, "StasisStart", args=[])


def transport_key(params: Mapping[str, Any]) -> str:
    """websocket | audiosocket | rtp, from the externalMedia parameters."""
    if str(params.get("transport") or "") == "websocket":
        return "websocket"
    return str(params.get("encapsulation") or "rtp")


def _parse_caller_id(value: str) -> tuple[str, str]:
    """``"Name" <0600000000>`` → (name, number)."""
    if "<" in value and value.endswith(">"):
        name, _, number = value[:-1].partition("<")
        return name.strip().strip('"'), number.strip()
    return "", value.strip()
