"""`MediaCallSession`: on answer, bridge the callee with an ExternalMedia channel and run the conversation.

The media path follows ASTERISK_FACTS.md: a mixing bridge holds the callee's channel and an
ExternalMedia channel (format ``slin16``). With the WebSocket transport (Asterisk 22.8+/20.18+,
the default) MiniBot connects to Asterisk's ``/media/{MEDIA_WEBSOCKET_CONNECTION_ID}``, so the
robot needs no inbound port.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from calls.controller import LiveCall
from calls.outcomes import ConversationResult
from services.ari.port import AriPort
from services.errors import AriError, MediaError
from services.media.leg import MediaLeg
from services.media.websocket import connect_websocket_media

log = logging.getLogger("minibot.session")


Conversation = Callable[[LiveCall, MediaLeg], Awaitable[ConversationResult]]
"""Runs the dialogue over an open media leg; returns when the bot is done talking."""


def media_ws_base(ari_url: str) -> str:
    """The WebSocket base URL of Asterisk's HTTP server, from the ARI URL (http→ws, https→wss)."""
    if ari_url.startswith("https://"):
        return "wss://" + ari_url.removeprefix("https://").rstrip("/")
    return "ws://" + ari_url.removeprefix("http://").rstrip("/")


class MediaCallSession:
    """Owns one answered call: bridge, ExternalMedia channel, media leg, conversation."""

    def __init__(self, live: LiveCall, ari: AriPort, ari_url: str, conversation: Conversation) -> None:
        self.live = live
        self.ari = ari
        self.ari_url = ari_url
        self.conversation = conversation
        self.bridge_id = f"{live.channel_id}-bridge"
        self.media_channel_id = f"{live.channel_id}-media"
        self.leg: MediaLeg | None = None
        self.result = ConversationResult()

    async def run(self) -> None:
        """Set up media, then hold the conversation."""
        await self.ari.create_bridge(self.bridge_id, "mixing")
        await self.ari.add_channel(self.bridge_id, self.live.channel_id)
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
        self.leg = await connect_websocket_media(media_ws_base(self.ari_url), connection_id)
        await self.ari.add_channel(self.bridge_id, self.media_channel_id)
        self.result = await self.conversation(self.live, self.leg)

    async def close(self) -> None:
        """Close the media leg, hang up the media channel and destroy the bridge (best effort)."""
        if self.leg is not None:
            await self.leg.close()
        await _quietly(self.ari.hangup(self.media_channel_id, "normal"))
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
