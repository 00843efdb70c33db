"""A campaign of 100 contacts with mixed personas dials through the simulated PBX.

Every contact ends as the retry policy says, retries happen when the (injected) clock allows,
and the concurrency cap holds — checked from the ARI events, not from timing.
"""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import Controller, ControllerOptions, LiveCall
from calls.session import MediaCallSession, prompt_only_conversation
from campaigns.models import CampaignSettings
from services.ari.client import AriClient
from services.simulator.server import SimulatedPbx
from tests.e2e.helpers import EventRecorder, ManualClock, prompt_pcm, seed_campaign

pytestmark = pytest.mark.e2e

# last two digits pick the persona: 01 busy, 03 no answer, 04 invalid, 09 answers silently, others human
SUFFIXES = ["01", "03", "04", "09", "09"]
RETRY = {"busy": {"max_attempts": 2, "delay_s": 600}, "no_answer": {"max_attempts": 2, "delay_s": 3600}}


async def test_hundred_contacts_mixed_personas(
    conn: psycopg.Connection[dict[str, object]], pool: AsyncConnectionPool
) -> None:
    clock = ManualClock()
    phones = [f"+336123{i:03d}{SUFFIXES[i % len(SUFFIXES)]}" for i in range(100)]
    settings = CampaignSettings(
        endpoint_template="PJSIP/{number}@trunk",
        max_concurrent_calls=8,
        calls_per_second=200.0,
        ring_timeout_s=30,
        retry_policy=RETRY,
        compliance_profile="none",
    )
    seed_campaign(conn, "e2e-mixed", phones, settings, clock.now)
    prompt = prompt_pcm()[: 640 * 10]  # 200 ms of a real prompt

    async with (
        SimulatedPbx(time_scale=0.002, media_time_scale=0.05) as pbx,
        AriClient(pbx.url, "minibot", "minibot", "minibot") as ari,
    ):
        stream = ari.events()
        recorder = EventRecorder(stream)

        def session(live: LiveCall) -> MediaCallSession:
            return MediaCallSession(live, ari, pbx.url, prompt_only_conversation(prompt))

        controller = Controller(
            pool=pool,
            ari=ari,
            events=recorder,
            events_ready=stream.wait_connected,
            options=ControllerOptions(robot_id="robot-a", global_max_calls=50, poll_interval_s=0.05),
            session_factory=session,
            clock=clock,
        )
        task = asyncio.create_task(controller.run())
        await asyncio.wait_for(controller.wait_settled(100), 120)
        # retries are not due yet: nothing more is dialled until the clock moves
        pending = conn.execute(
            "SELECT last_result, count(*) AS n FROM call_queue WHERE status = 'pending' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert pending == [{"last_result": "busy", "n": 20}, {"last_result": "no_answer", "n": 20}]
        clock.advance(seconds=601)  # busy retries are due, no-answer ones (1 h) are not
        await asyncio.wait_for(controller.wait_settled(120), 60)
        clock.advance(hours=1)
        await asyncio.wait_for(controller.wait_settled(140), 60)
        controller.stop()
        await asyncio.wait_for(task, 30)

    assert controller.stats.outcomes == {"busy": 40, "no_answer": 40, "invalid_number": 20, "answered": 40}
    assert recorder.peak <= 8 and controller.stats.peak_live <= 8
    assert len(recorder.dialled) == len(set(recorder.dialled)) == 140  # every attempt rang once
    rows = conn.execute("SELECT status, attempt, last_result FROM call_queue").fetchall()
    assert all(r["status"] == "done" for r in rows)
    by_result = {(r["last_result"], r["attempt"]) for r in rows}
    assert by_result == {("busy", 2), ("no_answer", 2), ("invalid_number", 1), ("answered", 1)}
    causes = conn.execute(
        "SELECT outcome, hangup_cause, count(*) AS n FROM calls GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    assert {(c["outcome"], c["hangup_cause"]) for c in causes} == {
        ("answered", 16),
        ("busy", 17),
        ("invalid_number", 1),
        ("no_answer", 19),
    }
    timestamps = conn.execute(
        "SELECT count(*) AS n FROM calls WHERE outcome = 'answered'"
        " AND queued_at IS NOT NULL AND originated_at IS NOT NULL AND answered_at IS NOT NULL"
        " AND ended_at IS NOT NULL"
    ).fetchone()
    assert timestamps == {"n": 40}
