"""Leases and live calls: a lease below the safe minimum is refused; a row whose call a live robot
holds is neither claimed again nor reaped; the campaign's dial slots are shared and burst-free;
robot ids are registered once."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from calls.controller import ControllerOptions
from calls.robots import RobotRegistration, default_robot_id
from calls.store import CallStore
from campaigns import queue
from campaigns.models import CampaignSettings
from services.config import Settings
from services.errors import ConfigError
from tests.e2e.helpers import seed_campaign

pytestmark = pytest.mark.integration

Row = dict[str, object]


def test_a_lease_below_the_safe_minimum_is_refused() -> None:
    with pytest.raises(ConfigError, match="MINIBOT_LEASE_SECONDS=30 is below the safe minimum of 90 s"):
        ControllerOptions(robot_id="r", lease_seconds=30)
    assert ControllerOptions(robot_id="r", lease_seconds=90).lease_seconds == 90


async def test_a_row_whose_call_a_live_robot_holds_is_not_claimed_again_nor_reaped(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    now = datetime.now(UTC)
    settings = CampaignSettings(compliance_profile="none", max_concurrent_calls=5)
    seed_campaign(conn, "leases", ["+33612345601"], settings, now)
    [call] = await queue.claim(pool, 1, "robot-stalled", 120, now=now)
    await RobotRegistration(pool, "robot-stalled").register()
    await CallStore(pool).insert_call(
        queue_id=call.queue_id,
        campaign_id=call.campaign_id,
        contact_id=call.contact_id,
        attempt=call.attempt,
        channel_id=f"mb-{call.queue_id}-{call.attempt}",
        robot_id="robot-stalled",
        queued_at=None,
        originated_at=now,
    )
    later = now + timedelta(seconds=200)  # the lease ran out while the call goes on
    assert await queue.reap_expired(pool, now=later) == 0
    conn.execute("UPDATE call_queue SET status = 'pending', lease_owner = NULL")  # as an old reaper did
    assert await queue.claim(pool, 1, "robot-other", 120, now=later) == []
    conn.execute("UPDATE robots SET last_seen = now() - interval '1 minute'")  # the robot died
    assert [c.queue_id for c in await queue.claim(pool, 1, "robot-other", 120, now=later)] == [call.queue_id]


async def test_dial_slots_are_shared_and_spaced_without_burst(
    conn: psycopg.Connection[Row], pool: AsyncConnectionPool
) -> None:
    campaign_id = seed_campaign(conn, "cps", ["+33612345601"], CampaignSettings(), datetime.now(UTC))
    assert await queue.reserve_dial_slot(pool, campaign_id, 4.0) == 0.0  # the first dial goes at once
    slots = []
    for _ in range(4):  # the next ones are 1/cps apart on the database clock: no burst
        assert await queue.reserve_dial_slot(pool, campaign_id, 4.0) > 0
        row = conn.execute("SELECT next_dial_at FROM campaign_pacing").fetchone()
        assert row is not None
        slots.append(row["next_dial_at"])
    for earlier, later in itertools.pairwise(slots):
        assert later - earlier == timedelta(seconds=0.25)


async def test_robot_ids_are_registered_once(
    pool: AsyncConnectionPool, conn: psycopg.Connection[Row]
) -> None:
    first = RobotRegistration(pool, "robot-r")
    await first.register()
    conn.execute("UPDATE robots SET pid = %s", (os.getppid(),))  # held by another live process
    with pytest.raises(ConfigError, match="in use by a live robot"):
        await RobotRegistration(pool, "robot-r").register()
    # the holder recorded on this host with a pid that is gone: a restart of the same service
    conn.execute("UPDATE robots SET pid = %s", (dead_pid(),))
    restarted = RobotRegistration(pool, "robot-r")
    await restarted.register()
    first_alive = await first._one("heartbeat", {"id": "robot-r", "instance": first.instance})
    assert first_alive is None  # the old holder's next heartbeat finds the id taken
    await restarted.release()
    assert conn.execute("SELECT count(*) AS n FROM robots").fetchone() == {"n": 0}


def dead_pid() -> int:
    """A pid no process has (the highest pids are free on a test host)."""
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_the_default_robot_id_is_the_host_and_the_metrics_port() -> None:
    assert default_robot_id(Settings(metrics_port=9101)).endswith("-9101")
    assert default_robot_id(Settings(robot_id="robot-7")) == "robot-7"
