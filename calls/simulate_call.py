"""`minibot simulate call`: one full audio call to a simulated persona through the real robot pipeline.

A throw-away campaign ``simulate-call`` (compliance ``none``, recreated on every run) gets one contact
whose number selects the persona; an in-process `SimulatedPbx` answers as that persona, and the
production controller, media session and conversation hold the call. The transcript is read back
from the ``turns`` table while the call runs (polled, for display only).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from calls.controller import ControllerOptions
from calls.conversation import ScenarioConversation
from calls.demo import prepare_campaign
from calls.runner import ConversationFactory, build_controller
from campaigns.models import CampaignSettings
from scenarios import library
from services import db
from services.ari.client import AriClient
from services.config import Settings
from services.errors import ConfigError
from services.simulator.personas import BUILTIN, PersonaBook
from services.simulator.server import SimulatedPbx

CAMPAIGN = "simulate-call"
NUMBER_PREFIX = "+336123456"  # + the two-digit persona suffix
HUMAN_NUMBER = NUMBER_PREFIX + "10"  # no built-in suffix: the book's default (a cooperative human)
POLL_S = 0.2
NO_RETRY = {o: {"max_attempts": 1} for o in ("busy", "no_answer", "congestion", "failed", "machine")}

Row = dict[str, Any]


@dataclass(frozen=True)
class SimulatedCall:
    """What the call did: the call row, the transcript, the lead (if any) and the queue row."""

    call: Row
    turns: list[Row]
    lead: Row | None
    queue: Row | None


def persona_number(persona: str, book: PersonaBook, number: str | None = None) -> str:
    """The number to dial for ``persona``: ``number`` when given, else the built-in suffix of that name."""
    if number:
        return number
    for suffix, builtin in BUILTIN.items():
        if builtin.name == persona and book.builtin:
            return NUMBER_PREFIX + suffix
    if persona in (book.default.name, "human"):
        return HUMAN_NUMBER
    if any(rule.persona.name == persona for rule in book.rules):
        raise ConfigError(f"persona {persona!r} comes from a rule: pass --number with a number it matches")
    names = sorted({p.name for p in BUILTIN.values()} | {"human"} | {r.persona.name for r in book.rules})
    raise ConfigError(f"unknown persona {persona!r}; choose one of {', '.join(names)}")


def _prepare(url: str, scenario: str, number: str, workdir: Path) -> int:
    """(Re)create the throw-away campaign with one contact at ``number`` and start it; its id."""
    settings = CampaignSettings(
        scenario=scenario, compliance_profile="none", amd_mode="hybrid", retry_policy=NO_RETRY
    )
    contact = (number, "Marie", "Martin", "simulation")
    campaign_id, report = prepare_campaign(url, CAMPAIGN, settings, [contact], workdir)
    if report.imported != 1:
        raise ConfigError(f"number {number!r} was not accepted as a contact: {report}")
    return campaign_id


async def _fetch(pool: AsyncConnectionPool, name: str, **params: object) -> list[Row]:
    async with pool.connection() as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(db.query("simulate", name), params)
        return await cur.fetchall()


@dataclass
class TurnFeed:
    """Reports each turn stored for the campaign once, in order (read from the turns table)."""

    pool: AsyncConnectionPool
    campaign_id: int
    on_turn: Callable[[Row], None]
    last_id: int = 0

    async def poll(self) -> None:
        """Report the turns stored since the last poll."""
        for row in await _fetch(self.pool, "turns_after", campaign_id=self.campaign_id, after=self.last_id):
            self.last_id = int(row["id"])
            self.on_turn(row)

    async def follow(self) -> None:
        """Poll until cancelled."""
        while True:
            await self.poll()
            await asyncio.sleep(POLL_S)  # display refresh rate, not synchronisation


async def simulate_call(
    settings: Settings,
    conversation: ConversationFactory,
    *,
    scenario: str,
    number: str,
    personas: PersonaBook,
    on_turn: Callable[[Row], None] = lambda _: None,
    time_scale: float = 1.0,
) -> SimulatedCall:
    """Dial ``number`` once through an in-process simulated PBX and return what happened."""
    library.resolve(scenario)  # a bad scenario name fails before anything starts
    url = db.database_url(settings)
    with tempfile.TemporaryDirectory() as tmp:
        campaign_id = await asyncio.to_thread(_prepare, url, scenario, number, Path(tmp))
    pool = await db.open_pool(url, max_size=4)
    try:
        async with (
            SimulatedPbx(personas=personas, time_scale=time_scale) as pbx,
            AriClient(pbx.url, pbx.user, pbx.password, settings.ari_app) as ari,
        ):
            talk = conversation(pool)
            controller = build_controller(
                pool, ari, pbx.url, talk, ControllerOptions(robot_id="simulate-call", poll_interval_s=POLL_S)
            )
            running = asyncio.create_task(controller.run())
            feed = TurnFeed(pool, campaign_id, on_turn)
            watcher = asyncio.create_task(feed.follow())
            try:
                await controller.wait_settled(1)
                if isinstance(talk, ScenarioConversation):
                    await asyncio.gather(*talk.deps.background)  # post-call summary
            finally:
                controller.stop()
                await running
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
        await feed.poll()  # the last turns
        turns = await _fetch(pool, "turns_after", campaign_id=campaign_id, after=0)
        [call] = await _fetch(pool, "call_result", campaign_id=campaign_id)
        leads = await _fetch(pool, "lead", campaign_id=campaign_id)
        queue_rows = await _fetch(pool, "queue_row", campaign_id=campaign_id)
    finally:
        await pool.close()
    return SimulatedCall(call, turns, leads[0] if leads else None, queue_rows[0] if queue_rows else None)
