"""A robot subprocess is SIGKILLed mid-campaign and restarted; another is stopped with SIGTERM.

Crash safety: no contact lost, no attempt dialled twice, no number rung twice at once, attempts
counted once per dial. Graceful stop: no new claims, live calls finish (or are hung up after the
drain timeout), exit status 0, queue consistent.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from campaigns.models import CampaignSettings
from services.simulator.personas import Persona, PersonaBook
from services.simulator.server import SimulatedPbx
from tests.e2e import robot_proc
from tests.e2e.helpers import seed_campaign

pytestmark = pytest.mark.e2e

Conn = psycopg.Connection[dict[str, Any]]
# answers after 1 simulated second, silent, never hangs up by itself (the robot hangs up after its prompt)
ANSWERS = PersonaBook(
    default=Persona(name="answers", outcome="answer", greeting=None, lines=()), builtin=False
)


async def until(check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Poll a state check (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def count(conn: Conn, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row["n"])


def seed(conn: Conn, name: str, n: int, max_calls: int) -> None:
    settings = CampaignSettings(
        max_concurrent_calls=max_calls,
        calls_per_second=100.0,
        compliance_profile="none",
        retry_policy={"failed": {"max_attempts": 3, "delay_s": 0}},
    )
    seed_campaign(conn, name, [f"+3361200{i:04d}" for i in range(n)], settings, datetime.now(UTC))


async def finish(robot: asyncio.subprocess.Process, sig: signal.Signals, timeout_s: float = 30.0) -> str:
    robot.send_signal(sig)
    output, _ = await asyncio.wait_for(robot.communicate(), timeout_s)
    return output.decode()


def rang_at_once(event_log: list[dict[str, Any]]) -> list[str]:
    """Queue rows whose number had two channels up at the same time (event order as the timeline)."""
    live: dict[str, str] = {}  # queue id -> channel id ringing/up
    overlaps = []
    for event in event_log:
        if event["type"] == "Dial" and event["dialstatus"] == "":
            channel_id = event["peer"]["id"]
            queue_id = channel_id.split("-")[1]
            if queue_id in live:
                overlaps.append(queue_id)
            live[queue_id] = channel_id
        elif event["type"] == "ChannelDestroyed" and event["channel"]["id"].startswith("mb-"):
            channel_id = event["channel"]["id"]
            if channel_id.count("-") == 2:  # the callee, not its -media/-bridge companions
                live.pop(channel_id.split("-")[1], None)
    return overlaps


async def test_sigkill_then_restart_loses_no_contact_and_never_rings_twice(conn: Conn, db_url: str) -> None:
    seed(conn, "crash", 30, 10)
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        pbx.engine.keep_event_log = True
        env = {"minibot_test_prompt_ms": "1000", "minibot_global_max_calls": "10"}
        first = await robot_proc.spawn(pbx.url, db_url, "robot-k", **env)
        await until(lambda: count(conn, "SELECT count(*) AS n FROM calls WHERE status = 'answered'") >= 5)
        first.kill()
        assert await asyncio.wait_for(first.wait(), 10) == -signal.SIGKILL
        interrupted = count(conn, "SELECT count(*) AS n FROM calls WHERE status <> 'ended'")
        assert interrupted >= 5
        assert count(conn, "SELECT count(*) AS n FROM call_queue WHERE status = 'done'") < 30

        second = await robot_proc.spawn(pbx.url, db_url, "robot-k", **env)
        await until(lambda: count(conn, "SELECT count(*) AS n FROM call_queue WHERE status = 'done'") == 30)
        output = await finish(second, signal.SIGTERM)
        assert second.returncode == 0, output

    rows = conn.execute(
        "SELECT q.id, q.status, q.attempt, q.last_result, count(c.id) AS dials,"
        " count(c.id) FILTER (WHERE c.status <> 'ended') AS open"
        " FROM call_queue q LEFT JOIN calls c ON c.queue_id = q.id GROUP BY q.id"
    ).fetchall()
    assert len(rows) == 30
    assert all(r["status"] == "done" and r["last_result"] == "answered" for r in rows)  # no contact lost
    assert all(r["attempt"] == r["dials"] and r["open"] == 0 for r in rows)  # one attempt per dial
    restarted = count(conn, "SELECT count(*) AS n FROM calls WHERE hangup_cause_text = 'robot restarted'")
    assert restarted == interrupted  # the calls the crash left open were settled by the restart
    assert sum(r["attempt"] for r in rows) == 30 + restarted

    log = pbx.engine.event_log
    dialled = [e["peer"]["id"] for e in log if e["type"] == "Dial" and e["dialstatus"] == ""]
    assert len(dialled) == len(set(dialled))  # every attempt's channel id rang at most once
    call_ids = {r["channel_id"] for r in conn.execute("SELECT channel_id FROM calls").fetchall()}
    assert set(dialled) <= call_ids
    assert rang_at_once(log) == []


async def test_sigterm_stops_claiming_and_lets_live_calls_finish(conn: Conn, db_url: str) -> None:
    seed(conn, "graceful", 40, 5)
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        robot = await robot_proc.spawn(pbx.url, db_url, "robot-g", minibot_test_prompt_ms="1500")
        await until(lambda: count(conn, "SELECT count(*) AS n FROM calls WHERE status = 'answered'") >= 3)
        output = await finish(robot, signal.SIGTERM)

    assert robot.returncode == 0, output
    assert "drain timeout" not in output
    rows = conn.execute(
        "SELECT q.status, q.attempt, q.lease_owner, count(c.id) AS dials,"
        " count(c.id) FILTER (WHERE c.outcome = 'answered') AS answered"
        " FROM call_queue q LEFT JOIN calls c ON c.queue_id = q.id GROUP BY q.id"
    ).fetchall()
    done = [r for r in rows if r["status"] == "done"]
    pending = [r for r in rows if r["status"] == "pending"]
    assert len(done) + len(pending) == 40 and len(pending) > 0  # nothing left leased, claiming stopped
    assert all(r["dials"] == r["answered"] == r["attempt"] == 1 for r in done)  # live calls finished
    assert all(r["dials"] == r["attempt"] == 0 and r["lease_owner"] is None for r in pending)


async def test_sigterm_hangs_up_calls_still_live_after_the_drain_timeout(conn: Conn, db_url: str) -> None:
    seed(conn, "drain", 10, 3)
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        robot = await robot_proc.spawn(
            pbx.url, db_url, "robot-d", minibot_test_prompt_ms="60000", minibot_drain_timeout_s="0.5"
        )
        await until(lambda: count(conn, "SELECT count(*) AS n FROM calls WHERE status = 'answered'") == 3)
        output = await finish(robot, signal.SIGTERM)
        assert pbx.engine.channels == {}  # callees, media channels: all hung up

    assert robot.returncode == 0, output
    assert "drain timeout: hanging up 3 live calls" in output
    calls = conn.execute("SELECT status, outcome, hangup_cause FROM calls").fetchall()
    assert calls == [{"status": "ended", "outcome": "answered", "hangup_cause": 16}] * 3
    assert count(conn, "SELECT count(*) AS n FROM call_queue WHERE status = 'done'") == 3
    assert count(conn, "SELECT count(*) AS n FROM call_queue WHERE status = 'pending' AND attempt = 0") == 7
