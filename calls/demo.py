"""`minibot demo`: a small campaign dialled end to end through the simulated PBX, with real audio.

The demo creates (or recreates) the campaign ``demo``, imports contacts whose numbers select the
simulated personas (busy, no answer, invalid number, voicemail, cooperative, interrupting, hanging
up), starts the simulated PBX and a robot in this process, and returns when every contact is settled.
"""

from __future__ import annotations

import asyncio
import csv
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from calls.controller import ControllerOptions
from calls.runner import ConversationFactory, build_controller
from campaigns import importer
from campaigns import store as campaign_store
from campaigns.models import CampaignSettings, ImportReport
from services import db
from services.ari.client import AriClient
from services.config import Settings
from services.errors import NotFoundError
from services.simulator.personas import BUILTIN, PersonaBook, Rule
from services.simulator.server import SimulatedPbx

DEMO_CAMPAIGN = "demo"
# the last two digits choose the persona (see docs/ari.md): 01 busy, 03 no answer, 04 invalid,
# 05 voicemail, 07 interrupts the bot, 08 hangs up; any other ending is a cooperative French speaker
DEMO_CONTACTS = [
    ("+33612345610", "Camille", "Martin"),
    ("+33612345611", "Louis", "Bernard"),
    ("+33612345601", "Emma", "Dubois"),
    ("+33612345603", "Hugo", "Thomas"),
    ("+33612345604", "Léa", "Robert"),
    ("+33612345605", "Jules", "Richard"),
    ("+33612345607", "Chloé", "Petit"),
    ("+33612345608", "Arthur", "Durand"),
]
DEMO_SETTINGS = CampaignSettings(
    endpoint_template="PJSIP/{number}@trunk",
    caller_id="0100000000",
    max_concurrent_calls=8,
    calls_per_second=4.0,
    ring_timeout_s=20,
    retry_policy={"busy": {"max_attempts": 1}, "no_answer": {"max_attempts": 1}},
    compliance_profile="none",  # the demo may run at any hour; real campaigns default to "fr"
    amd_mode="hybrid",
)


# the voicemail waits long enough for AMD and the bot's message even on a busy machine
DEMO_PERSONAS = PersonaBook(rules=(Rule(re.compile(r"05$"), replace(BUILTIN["05"], hangup_after_s=60.0)),))


@dataclass(frozen=True)
class DemoResult:
    """What the demo did, for the command to print."""

    imported: ImportReport
    outcomes: list[dict[str, Any]]
    leads: list[dict[str, Any]]


Contact = tuple[str, str, str, str]  # phone, first name, last name, consent


def prepare_campaign(
    url: str, name: str, settings: CampaignSettings, contacts: list[Contact], workdir: Path
) -> tuple[int, ImportReport]:
    """(Re)create campaign ``name``, import ``contacts`` through a CSV file and start it.

    Used by the demo and by ``minibot simulate call``; returns the campaign id and the import report.
    """
    with db.connect(url, autocommit=True) as conn:
        db.migrate(conn)
        try:
            campaign_store.stop(conn, name)
            campaign_store.delete(conn, name)
        except NotFoundError:
            pass
        campaign = campaign_store.create(conn, name, settings)
        path = workdir / f"{name}_contacts.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["phone", "first_name", "last_name", "consent"])
            writer.writerows(contacts)
        report = importer.import_contacts(conn, path, campaign.id)
        campaign_store.start(conn, name)
    return campaign.id, report


def summarize(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Outcome of every demo call and the demo leads."""
    with db.connect(url) as conn:
        outcomes = conn.execute(db.query("calls", "demo_outcomes"), {"name": DEMO_CAMPAIGN}).fetchall()
        leads = conn.execute(db.query("calls", "demo_leads"), {"name": DEMO_CAMPAIGN}).fetchall()
    return [dict(r) for r in outcomes], [dict(r) for r in leads]


async def run_demo(
    settings: Settings, conversation: ConversationFactory, progress: Callable[[int, int], None]
) -> DemoResult:
    """Run the demo campaign to completion; ``progress(settled, total)`` after each call."""
    url = db.database_url(settings)
    with tempfile.TemporaryDirectory() as tmp:
        contacts = [(phone, first, last, "demo") for phone, first, last in DEMO_CONTACTS]
        _, report = await asyncio.to_thread(
            prepare_campaign, url, DEMO_CAMPAIGN, DEMO_SETTINGS, contacts, Path(tmp)
        )
    pool = await db.open_pool(url, max_size=10)
    try:
        async with (
            SimulatedPbx(time_scale=0.5, personas=DEMO_PERSONAS) as pbx,
            AriClient(pbx.url, pbx.user, pbx.password, settings.ari_app) as ari,
        ):
            controller = build_controller(
                pool,
                ari,
                pbx.url,
                conversation(pool),
                ControllerOptions(robot_id="demo-robot", poll_interval_s=0.2),
            )
            task = asyncio.create_task(controller.run())
            total = report.imported
            for settled in range(1, total + 1):
                await controller.wait_settled(settled)
                progress(settled, total)
            controller.stop()
            await task
    finally:
        await pool.close()
    outcomes, leads = summarize(url)
    return DemoResult(report, outcomes, leads)
