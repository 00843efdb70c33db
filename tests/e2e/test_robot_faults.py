"""Faults from outside while robot subprocesses dial through the simulated PBX: the robot stays up,
keeps its live calls and ends every contact exactly once; two robots share a campaign's cps and cap;
two processes never share a robot id."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import sql

from campaigns.models import CampaignSettings
from services.simulator.pbx import SimError
from services.simulator.server import SimulatedPbx
from tests.e2e import robot_proc
from tests.e2e.helpers import seed_campaign
from tests.e2e.test_robot_lifecycle import ANSWERS, count, finish, seed, until

pytestmark = pytest.mark.e2e

Conn = psycopg.Connection[dict[str, Any]]
ROBOT_CONNECTIONS = "application_name LIKE 'minibot-robot %%' AND datname = current_database()"


def terminate_robot_connections(conn: Conn) -> int:
    """``pg_terminate_backend`` every connection of the robot; return how many."""
    rows = conn.execute(
        f"SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE {ROBOT_CONNECTIONS}"
    ).fetchall()
    return sum(1 for r in rows if r["killed"])


def allow_connections(server_url: str, conn: Conn, allowed: bool) -> None:
    """Open or close the test database to new connections (from the server's maintenance database)."""
    name = conn.execute("SELECT current_database() AS name").fetchone()
    assert name is not None
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(str(name["name"])), sql.Literal(allowed)
            )
        )


def answered(conn: Conn) -> int:
    return count(conn, "SELECT count(*) AS n FROM calls WHERE status = 'answered'")


def done(conn: Conn) -> int:
    return count(conn, "SELECT count(*) AS n FROM call_queue WHERE status = 'done'")


async def test_terminated_connections_and_a_database_away_lose_no_contact(
    conn: Conn, db_url: str, pg_server_url: str
) -> None:
    seed(conn, "db-faults", 40, 8)
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        pbx.engine.keep_event_log = True
        robot = await robot_proc.spawn(
            pbx.url, db_url, "robot-db", minibot_test_prompt_ms="800", minibot_global_max_calls="8"
        )
        killed = 0
        for target in (2, 8, 14):  # mid-campaign, calls live each time
            await until(lambda target=target: answered(conn) + done(conn) >= target)  # type: ignore[misc]
            killed += terminate_robot_connections(conn)
            await asyncio.sleep(0.3)
        assert killed > 0

        await until(lambda: answered(conn) >= 1 and done(conn) >= 16)
        allow_connections(pg_server_url, conn, False)  # the database goes away: no connection for 4 s
        try:
            terminate_robot_connections(conn)
            await asyncio.sleep(4)
            assert robot.returncode is None  # still up
        finally:
            allow_connections(pg_server_url, conn, True)

        await until(lambda: done(conn) == 40, timeout_s=90)
        output = await finish(robot, signal.SIGTERM)
        assert robot.returncode == 0, output

    assert "database unavailable" in output
    rows = conn.execute(
        "SELECT q.status, q.attempt, q.last_result, count(c.id) AS dials,"
        " count(c.id) FILTER (WHERE c.status <> 'ended') AS open"
        " FROM call_queue q LEFT JOIN calls c ON c.queue_id = q.id GROUP BY q.id"
    ).fetchall()
    assert len(rows) == 40
    assert all(r["status"] == "done" and r["last_result"] == "answered" for r in rows), rows
    assert all(r["dials"] == r["attempt"] == 1 and r["open"] == 0 for r in rows), rows  # exactly once
    dialled = [e["peer"]["id"] for e in pbx.engine.event_log if e["type"] == "Dial" and e["dialstatus"] == ""]
    assert sorted(dialled) == sorted(set(dialled)) and len(dialled) == 40


def peak_live_callees(event_log: list[dict[str, Any]]) -> int:
    """Most callee channels (``mb-<queue>-<attempt>``) up at once, from the PBX's event order."""
    live: set[str] = set()
    peak = 0
    for event in event_log:
        if event["type"] == "Dial" and event["dialstatus"] == "":
            live.add(event["peer"]["id"])
            peak = max(peak, len(live))
        elif event["type"] == "ChannelDestroyed":
            live.discard(event["channel"]["id"])
    return peak


async def test_two_robots_hold_the_campaign_cps_and_cap_together(conn: Conn, db_url: str) -> None:
    cps, cap, contacts = 4, 5, 24
    settings = CampaignSettings(
        max_concurrent_calls=cap, calls_per_second=float(cps), compliance_profile="none"
    )
    seed_campaign(conn, "pair", [f"+3361300{i:04d}" for i in range(contacts)], settings, datetime.now(UTC))
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        pbx.engine.keep_event_log = True
        originated: list[float] = []
        originate = pbx.engine.originate

        def stamped(params: Any) -> Any:
            originated.append(time.monotonic())
            return originate(params)

        pbx.engine.originate = stamped  # type: ignore[method-assign]
        robots = [
            await robot_proc.spawn(pbx.url, db_url, name, minibot_test_prompt_ms="300")
            for name in ("robot-a", "robot-b")
        ]
        await until(lambda: done(conn) == contacts, timeout_s=90)
        outputs = [await finish(robot, signal.SIGTERM) for robot in robots]
        assert [robot.returncode for robot in robots] == [0, 0], outputs

    by_robot = conn.execute("SELECT robot_id, count(*) AS n FROM calls GROUP BY robot_id").fetchall()
    assert len(by_robot) == 2  # both robots dialled the campaign
    assert len(originated) == contacts
    # no burst: `cps` + 1 originates always span about a second, the first ones included. The slots
    # are exactly 1/cps apart in the database; 20 % is left for the wake-up and HTTP jitter of two
    # robot processes on a loaded 2-core host (a burst, as two per-robot token buckets gave, spans ~0)
    windows = [originated[i + cps] - originated[i] for i in range(len(originated) - cps)]
    assert min(windows) >= 0.8, windows
    assert peak_live_callees(pbx.engine.event_log) <= cap


async def test_a_second_robot_with_the_same_id_refuses_to_start(conn: Conn, db_url: str) -> None:
    seed(conn, "twins", 3, 1)
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        first = await robot_proc.spawn(pbx.url, db_url, "robot-twin", minibot_test_prompt_ms="300")
        await until(lambda: count(conn, "SELECT count(*) AS n FROM robots WHERE id = 'robot-twin'") == 1)
        second = await robot_proc.spawn(pbx.url, db_url, "robot-twin")
        output, _ = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode != 0
        assert "robot id 'robot-twin' is in use by a live robot" in output.decode()
        await until(lambda: done(conn) == 3)
        first_output = await finish(first, signal.SIGTERM)
        assert first.returncode == 0, first_output
    assert count(conn, "SELECT count(DISTINCT robot_id) AS n FROM calls") == 1
    assert count(conn, "SELECT count(*) AS n FROM robots") == 0  # released at a clean exit


async def test_503_while_asterisk_shuts_down_charges_no_attempt(conn: Conn, db_url: str) -> None:
    seed(conn, "shutdown-503", 30, 5)
    async with SimulatedPbx(personas=ANSWERS, time_scale=0.1) as pbx:
        pbx.engine.keep_event_log = True
        originate = pbx.engine.originate
        refused: list[str] = []

        def shutting_down(params: Any) -> Any:
            refused.append(str(params.get("channelId")))
            raise SimError(503, "Shutdown in progress")

        robot = await robot_proc.spawn(
            pbx.url, db_url, "robot-o", minibot_test_prompt_ms="300", minibot_global_max_calls="5"
        )
        await until(lambda: done(conn) >= 5)
        pbx.engine.originate = shutting_down  # type: ignore[method-assign]
        await until(lambda: len(refused) >= 2)  # refused, held, probed again after the hold
        pbx.engine.originate = originate  # type: ignore[method-assign]
        await until(lambda: done(conn) == 30, timeout_s=90)
        output = await finish(robot, signal.SIGTERM)
        assert robot.returncode == 0, output

    assert "originate refused by Asterisk, attempt given back" in output
    dialled = {e["peer"]["id"] for e in pbx.engine.event_log if e["type"] == "Dial" and e["dialstatus"] == ""}
    calls = {str(r["channel_id"]) for r in conn.execute("SELECT channel_id FROM calls").fetchall()}
    assert calls == dialled  # every attempt counted was really placed: none charged by the 503s
    rows = conn.execute(
        "SELECT q.status, q.attempt, count(c.id) AS dials FROM call_queue q"
        " LEFT JOIN calls c ON c.queue_id = q.id GROUP BY q.id"
    ).fetchall()
    assert all(r["status"] == "done" and r["attempt"] == r["dials"] == 1 for r in rows)
