"""The ARI event socket drops while calls are live; calls that end during the outage are settled by
the reconciliation the stream runs on reconnect, the others by their own events — none lost or doubled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import Controller, ControllerOptions, LiveCall
from calls.outcomes import ConversationResult
from calls.session import MediaCallSession
from campaigns.models import CampaignSettings
from services.ari.client import AriClient
from services.media.leg import MediaLeg
from services.simulator.personas import Persona, PersonaBook
from services.simulator.server import SimulatedPbx
from tests.e2e.helpers import seed_campaign

pytestmark = pytest.mark.e2e

# answers after 0.5 simulated seconds, says nothing and never hangs up by itself
HOLDER = PersonaBook(default=Persona(name="holder", outcome="answer", greeting=None, lines=()), builtin=False)


async def hold_the_line(live: LiveCall, leg: MediaLeg) -> ConversationResult:
    """A conversation that keeps the call until the callee hangs up (the controller cancels it)."""
    await asyncio.Event().wait()
    return ConversationResult()


async def until(check: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Poll a state check (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_calls_ending_during_an_event_outage_are_reconciled(
    conn: psycopg.Connection[dict[str, object]], pool: AsyncConnectionPool
) -> None:
    phones = [f"+3361234{i:04d}" for i in range(10)]
    settings = CampaignSettings(max_concurrent_calls=10, calls_per_second=100.0, compliance_profile="none")
    seed_campaign(conn, "reconnect", phones, settings, datetime.now(UTC))

    async with (
        SimulatedPbx(personas=HOLDER, time_scale=0.05) as pbx,
        AriClient(pbx.url, "minibot", "minibot", "minibot") as ari,
    ):
        pbx.engine.keep_event_log = True
        stream = ari.events()

        def session(live: LiveCall) -> MediaCallSession:
            return MediaCallSession(live, ari, pbx.url, hold_the_line)

        controller = Controller(
            pool=pool,
            ari=ari,
            events=stream,
            events_ready=stream.wait_connected,
            options=ControllerOptions(robot_id="robot-r", poll_interval_s=0.05),
            session_factory=session,
        )
        stream.on_reconnect = controller.reconcile
        task = asyncio.create_task(controller.run())
        await until(
            lambda: len(controller.calls) == 10 and all(c.answered for c in controller.calls.values())
        )
        callees = sorted(controller.calls)

        assert await pbx.drop_event_sockets() == 1
        for channel_id in callees[:5]:  # these end while nobody listens
            await pbx.callee_hangup(channel_id)
        await until(lambda: stream.connections == 2)
        await until(lambda: controller.stats.settled == 5)
        assert sorted(controller.calls) == callees[5:]  # the live ones were left alone
        for channel_id in callees[5:]:
            await pbx.callee_hangup(channel_id)
        await asyncio.wait_for(controller.wait_settled(10), 20)
        controller.stop()
        await asyncio.wait_for(task, 20)

    dials = [e["peer"]["id"] for e in pbx.engine.event_log if e["type"] == "Dial" and e["dialstatus"] == ""]
    assert sorted(dials) == callees and len(set(dials)) == 10  # every contact rang exactly once
    assert controller.stats.outcomes == {"answered": 10}
    texts = conn.execute(
        "SELECT hangup_cause_text AS t, count(*) AS n FROM calls GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert {(r["t"], r["n"]) for r in texts} == {
        ("channel vanished during an ARI outage", 5),
        ("Normal Clearing", 5),
    }
    rows = conn.execute("SELECT status, attempt, last_result FROM call_queue").fetchall()
    assert rows == [{"status": "done", "attempt": 1, "last_result": "answered"}] * 10
