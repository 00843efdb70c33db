"""Shared pieces of the end-to-end tests: a manual clock, campaign seeding, event recording."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from campaigns import store as campaign_store
from campaigns.models import CampaignSettings
from services.ari.events import AriEvent, ChannelDestroyed, Dial
from services.media.frames import read_wav

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
