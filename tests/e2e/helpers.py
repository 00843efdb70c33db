"""Shared pieces of the end-to-end tests: a manual clock, campaign seeding, event recording, the bot-side
media transports and a spy on what each simulated callee says and hears."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

from calls.session import MediaTransportConfig
from campaigns import store as campaign_store
from campaigns.models import CampaignSettings
from services.ari.events import AriEvent, ChannelDestroyed, Dial
from services.media.audiosocket import AudioSocketServer
from services.media.frames import read_wav
from services.media.rtp import PortAllocator
from services.simulator.media_leg import CalleeAudio
from services.simulator.server import SimulatedPbx

AUDIO = Path(__file__).resolve().parents[3] / "shared" / "audio"


@dataclass
class ManualClock:
    """A wall clock the test moves by hand (retry delays elapse instantly)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def seed_campaign(
    conn: psycopg.Connection[dict[str, object]],
    name: str,
    phones: list[str],
    settings: CampaignSettings,
    now: datetime,
) -> int:
    """Create a campaign with these contacts and start it; returns the campaign id."""
    campaign = campaign_store.create(conn, name, settings)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO contacts (campaign_id, phone, first_name, consent) VALUES (%s, %s, 'Jean', 'optin')",
            [(campaign.id, phone) for phone in phones],
        )
    campaign_store.start(conn, name, now=now)
    return campaign.id


@dataclass
class EventRecorder:
    """Wraps the ARI event stream and keeps the live set of dialled channels, to check caps from events."""

    source: AsyncIterable[AriEvent]
    live: set[str] = field(default_factory=set)
    peak: int = 0
    destroyed: list[ChannelDestroyed] = field(default_factory=list)
    dialled: list[str] = field(default_factory=list)

    async def __aiter__(self) -> AsyncIterator[AriEvent]:
        async for event in self.source:
            if isinstance(event, Dial) and event.dialstatus == "" and event.peer.id.startswith("mb-"):
                self.live.add(event.peer.id)
                self.dialled.append(event.peer.id)
                self.peak = max(self.peak, len(self.live))
            elif isinstance(event, ChannelDestroyed) and event.channel.id in self.live:
                self.live.discard(event.channel.id)
                self.destroyed.append(event)
            yield event


def prompt_pcm(name: str = "fr_fr_prompts/hello-world.wav") -> bytes:
    """A real French prompt as 16 kHz LE PCM."""
    return read_wav(AUDIO / name).to_mono_16k()


def is_speech(frame: bytes) -> bool:
    return float(np.sqrt(np.mean(np.frombuffer(frame, "<i2").astype(np.float64) ** 2))) > 300


@dataclass
class Timeline:
    """Per 20 ms tick of one media channel: is the persona speaking, is the bot heard."""

    caller: list[bool] = field(default_factory=list)
    bot: list[bool] = field(default_factory=list)


class _Spy:
    """Wraps a persona's CalleeAudio to log what it says and hears, tick by tick."""

    def __init__(self, inner: CalleeAudio, timeline: Timeline) -> None:
        self.inner, self.timeline = inner, timeline

    def next_frame(self) -> bytes:
        frame = self.inner.next_frame()
        self.timeline.caller.append(is_speech(frame))
        return frame

    def hear(self, frame: bytes) -> None:
        self.timeline.bot.append(is_speech(frame))
        self.inner.hear(frame)


def spy_on(pbx: SimulatedPbx) -> dict[str, Timeline]:
    """Timelines by media channel id (the media channel id starts with the callee's channel id)."""
    timelines: dict[str, Timeline] = {}
    original = pbx.engine.callee_audio

    def callee_audio(media_channel_id: str) -> CalleeAudio | None:
        inner = original(media_channel_id)
        if inner is None:
            return None
        return _Spy(inner, timelines.setdefault(media_channel_id, Timeline()))

    pbx.engine.callee_audio = callee_audio  # type: ignore[method-assign]
    return timelines


@asynccontextmanager
async def media_config(transport: str) -> AsyncIterator[MediaTransportConfig]:
    """The bot-side transport pieces for ``transport``."""
    if transport == "audiosocket":
        server = AudioSocketServer()
        await server.start()
        try:
            yield MediaTransportConfig("audiosocket", audiosocket=server)
        finally:
            await server.stop()
    elif transport == "rtp":
        yield MediaTransportConfig("rtp", rtp_ports=PortAllocator(31000, 31099))
    else:
        yield MediaTransportConfig()
