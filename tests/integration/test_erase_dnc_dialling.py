"""Data that must not be dialled: a contact erased (RGPD) or added to the DNC list mid-campaign is
never dialled, under every compliance profile, and the rows keep `attempt` = number of dials."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from campaigns import queue
from dashboard.rgpd import erase_contact
from services.ari.events import StasisStart
from tests.e2e.helpers import ManualClock
from tests.unit.test_controller import (
    TUESDAY_MORNING,
    Pbx,
    controller_for,
    queue_row,
    running,
    seed,
    until,
)

pytestmark = pytest.mark.integration

Row = dict[str, object]
KEEP, DNC, ERASED = "+33612345601", "+33612345602", "+33612345603"


@pytest.mark.parametrize("profile", ["fr", "us-tcpa", "none"])
async def test_erase_and_dnc_mid_campaign_are_never_dialled(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool, profile: str
) -> None:
    clock = ManualClock(TUESDAY_MORNING)  # inside every profile's calling hours in Paris
    keep, dnc, erased = seed(conn, [KEEP, DNC, ERASED], clock.now, profile=profile)
    later = clock.now + timedelta(hours=1)  # the two others come later in the campaign
    conn.execute("UPDATE call_queue SET not_before = %s WHERE id IN (%s, %s)", (later, dnc, erased))
    answers = {f"PJSIP/{KEEP}@trunk": lambda ch, args: [StasisStart(type="StasisStart", channel=ch)]}
    ari = Pbx(scripts=answers)
    controller = controller_for(pool, ari, clock)
    async with running(controller):
        await asyncio.wait_for(controller.wait_settled(1), 10)
        conn.execute("INSERT INTO dnc (phone, reason) VALUES (%s, 'added mid-campaign')", (DNC,))
        erased_contact = queue_row(conn, erased)["contact_id"]
        await erase_contact(pool, int(str(erased_contact)), "test")
        clock.advance(hours=2)
        await until(lambda: queue_row(conn, dnc)["status"] == "done")

    assert ari.originated() == [f"mb-{keep}-1"]
    row = queue_row(conn, dnc)
    assert (row["last_result"], row["attempt"]) == ("dnc", 0)  # closed undialled: attempt given back
    row = queue_row(conn, erased)
    assert (row["status"], row["attempt"], row["wait_reason"]) == ("cancelled", 0, "contact erased (RGPD)")
    dials = conn.execute("SELECT queue_id FROM calls").fetchall()
    assert dials == [{"queue_id": keep}]


async def test_the_claim_never_returns_an_erased_contact(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock(TUESDAY_MORNING)
    [erased] = seed(conn, [ERASED], clock.now, profile="none")
    await erase_contact(pool, int(str(queue_row(conn, erased)["contact_id"])), "test")
    # a row put back to pending afterwards (e.g. by the settlement of a call live during the erase)
    conn.execute("UPDATE call_queue SET status = 'pending' WHERE id = %s", (erased,))
    assert await queue.claim(pool, 10, "robot-x", 120, now=clock.now) == []
