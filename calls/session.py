"""`MediaCallSession`: on answer, bridge the callee with an ExternalMedia channel and run the conversation.

The media path follows ASTERISK_FACTS.md: a mixing bridge holds the callee's channel and an
ExternalMedia channel (format ``slin16``). With the WebSocket transport (Asterisk 22.8+/20.18+,
the default) MiniBot connects to Asterisk's ``/media/{MEDIA_WEBSOCKET_CONNECTION_ID}``, so the
robot needs no inbound port. ``audiosocket`` (Asterisk 18+, slin16 both ways) has Asterisk connect to
MiniBot's `AudioSocketServer`; ``rtp`` (any version, 8 kHz ulaw both ways: slin16 from the app is
dropped by Asterisk) binds one UDP port per call from a `PortAllocator`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from calls.controller import LiveCall
from calls.outcomes import ConversationResult
from services.ari.port import AriPort
from services.errors import AriError, MediaError
from services.media.audiosocket import AudioSocketServer
from services.media.leg import MediaLeg
from services.media.rtp import PortAllocator, open_rtp_leg
from services.media.websocket import connect_websocket_media

log = logging.getLogger("minibot.session")


Conversation = Callable[[LiveCall, MediaLeg], Awaitable[ConversationResult]]
"""Runs the dialogue over an open media leg; returns when the bot is done talking."""


def media_ws_base(ari_url: str) -> str:
    """The WebSocket base URL of Asterisk's HTTP server, from the ARI URL (http→ws, https→wss)."""
    if ari_url.startswith("https://"):
        return "wss://" + ari_url.removeprefix("https://").rstrip("/")
    return "ws://" + ari_url.removeprefix("http://").rstrip("/")


TRANSPORTS = ("websocket", "audiosocket", "rtp")
CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class MediaTransportConfig:
    """Which ExternalMedia transport calls use, and what the bot-side transports need."""

    transport: str = "websocket"  # websocket | audiosocket | rtp
    audiosocket: AudioSocketServer | None = None  # started server (audiosocket)
    rtp_ports: PortAllocator | None = None  # per-call UDP ports (rtp)
    advertise_host: str = "127.0.0.1"  # the address Asterisk reaches MiniBot on (audiosocket, rtp)
    rtp_codec: str = "ulaw"  # ulaw | slin (8 kHz; slin16 does not work app→Asterisk over RTP)

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            choices = ", ".join(TRANSPORTS)
            raise MediaError(f"media transport must be one of {choices}, not {self.transport!r}")
        if self.transport == "audiosocket" and self.audiosocket is None:
            raise MediaError("the audiosocket transport needs a started AudioSocketServer")
        if self.transport == "rtp" and self.rtp_ports is None:
            raise MediaError("the rtp transport needs a PortAllocator (MINIBOT_RTP_PORT_MIN/MAX)")


class MediaCallSession:
    """Owns one answered call: bridge, ExternalMedia channel, media leg, conversation."""

    def __init__(
        self,
        live: LiveCall,
        ari: AriPort,
        ari_url: str,
        conversation: Conversation,
        media: MediaTransportConfig | None = None,
    ) -> None:
        self.live = live
        self.ari = ari
        self.ari_url = ari_url
        self.conversation = conversation
        self.media = media or MediaTransportConfig()
        self.bridge_id = f"{live.channel_id}-bridge"
        self.media_channel_id = f"{live.channel_id}-media"
        self.leg: MediaLeg | None = None
        self.result = ConversationResult()

    async def run(self) -> None:
        """Set up media, then hold the conversation."""
        await self.ari.create_bridge(self.bridge_id, "mixing")
        self.live.bridge_id = self.bridge_id
        await self.ari.add_channel(self.bridge_id, self.live.channel_id)
        if self.media.transport == "audiosocket":
            self.leg = await self._open_audiosocket()
        elif self.media.transport == "rtp":
            self.leg = await self._open_rtp()
        else:
            self.leg = await self._open_websocket()
        await self.ari.add_channel(self.bridge_id, self.media_channel_id)
        self.result = await self.conversation(self.live, self.leg)

    async def _open_websocket(self) -> MediaLeg:
        media = await self.ari.external_media(
            channel_id=self.media_channel_id,
            transport="websocket",
            encapsulation="none",
            connection_type="server",
            media_format="slin16",
        )
        connection_id = media.channelvars.get("MEDIA_WEBSOCKET_CONNECTION_ID", "")
        if not connection_id:
            raise MediaError(
                "externalMedia answered without MEDIA_WEBSOCKET_CONNECTION_ID (Asterisk too old?)"
            )
        # connect first: the media channel is answered (and fully in Stasis) once its socket is up
        return await connect_websocket_media(media_ws_base(self.ari_url), connection_id)

    async def _open_audiosocket(self) -> MediaLeg:
        server = self.media.audiosocket
        assert server is not None  # checked by MediaTransportConfig
        call_uuid = uuid.uuid4()
        waiting = server.expect(call_uuid)  # Asterisk connects while handling the request
        try:
            await self.ari.external_media(
                channel_id=self.media_channel_id,
                transport="tcp",
                encapsulation="audiosocket",
                external_host=f"{self.media.advertise_host}:{server.port}",
                connection_type=None,
                media_format="slin16",
                data=str(call_uuid),
            )
            return await asyncio.wait_for(waiting, CONNECT_TIMEOUT_S)
        except TimeoutError as exc:
            raise MediaError(
                f"Asterisk did not connect to the AudioSocket server on port {server.port}", retryable=True
            ) from exc
        finally:
            server.registry.cancel(call_uuid)

    async def _open_rtp(self) -> MediaLeg:
        ports = self.media.rtp_ports
        assert ports is not None  # checked by MediaTransportConfig
        leg = await open_rtp_leg(ports, self.media.advertise_host, self.media.rtp_codec)
        self.leg = leg  # closed by close() even if the request fails
        media = await self.ari.external_media(
            channel_id=self.media_channel_id,
            transport="udp",
            encapsulation="rtp",
            external_host=f"{self.media.advertise_host}:{leg.port}",
            connection_type=None,
            media_format=self.media.rtp_codec,
        )
        address = media.channelvars.get("UNICASTRTP_LOCAL_ADDRESS", "")
        port = media.channelvars.get("UNICASTRTP_LOCAL_PORT", "")
        if address and port.isdigit():
            leg.remote = (address, int(port))  # else: answer to wherever Asterisk's RTP comes from
        return leg

    async def close(self) -> None:
        """Close the media leg, hang up the media channel and destroy the bridge (best effort).

        A transferred call keeps its bridge: the callee talks with the adviser there until one hangs up.
        """
        if self.leg is not None:
            await self.leg.close()
        await _quietly(self.ari.hangup(self.media_channel_id, "normal"))
        if self.live.result.transferred_to is None:
            await _quietly(self.ari.destroy_bridge(self.bridge_id))


async def _quietly(operation: Awaitable[None]) -> None:
    """Run a cleanup ARI call; the resource being gone already is fine."""
    try:
        await operation
    except AriError as exc:
        log.debug("cleanup: %s", exc)


def prompt_only_conversation(prompt_pcm: bytes) -> Conversation:
    """A conversation that plays one prompt (16 kHz LE PCM) to the end and returns."""

    async def run(live: LiveCall, leg: MediaLeg) -> ConversationResult:
        await leg.send(prompt_pcm)
        await (await leg.mark(f"{live.channel_id}-prompt"))
        return ConversationResult()

    return run
