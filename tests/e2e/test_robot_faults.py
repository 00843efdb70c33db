"""Faults from outside while a robot subprocess dials through the simulated PBX: the robot stays up,
keeps its live calls and ends every contact exactly once."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import psycopg
import pytest
from psycopg import sql

from services.simulator.server import SimulatedPbx
from tests.e2e import robot_proc
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
