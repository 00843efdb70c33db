"""One process per robot id: register at start, heartbeat, refuse to start beside a live twin.

The robot id names the lease owner and the calls of a robot; two processes with one id would settle
each other's live calls. The ``robots`` table holds, per id, the process using it and its heartbeat
(every :data:`HEARTBEAT_S`). A process may take an id when nobody holds it, when its holder has
been silent for :data:`STALE_S`, or when its holder was on this host and its pid is gone (a restart
of the same service, e.g. after a crash, is immediate). The claim treats a call of a robot seen in
the last 30 s as live (sql/queries/queue.sql).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from services import db
from services.config import Settings
from services.errors import ConfigError

log = logging.getLogger("minibot.robots")

HEARTBEAT_S = 5.0
STALE_S = 30.0  # the claim's liveness window (sql/queries/queue.sql) is the same


def default_robot_id(settings: Settings) -> str:
    """``MINIBOT_ROBOT_ID``, else ``<host>-<metrics port>``: stable across restarts of one service,
    and unique per process on a host (two processes cannot serve the same metrics port)."""
    return settings.robot_id or f"{socket.gethostname()}-{settings.metrics_port}"


def _pid_gone(pid: int) -> bool:
    if pid == os.getpid():
        return True  # our own pid: the previous holder (same container, same pid) has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class RobotRegistration:
    """This process's hold on its robot id."""

    def __init__(self, pool: AsyncConnectionPool, robot_id: str) -> None:
        self.pool = pool
        self.robot_id = robot_id
        self.instance = uuid.uuid4().hex
        self.host = socket.gethostname()

    async def _one(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(db.query("robots", name), params)
            row = await cur.fetchone() if cur.description else None
            return dict(row) if row else None

    async def register(self) -> None:
        """Take the id; ConfigError when a live process holds it."""
        holder = await self._one("get", {"id": self.robot_id})
        if holder is not None:
            same_host = holder["host"] == self.host
            if float(holder["silent_s"]) < STALE_S and not (same_host and _pid_gone(int(holder["pid"]))):
                raise ConfigError(
                    f"robot id {self.robot_id!r} is in use by a live robot (host {holder['host']}, pid "
                    f"{holder['pid']}, seen {float(holder['silent_s']):.0f} s ago); give each robot its own "
                    "MINIBOT_ROBOT_ID (or MINIBOT_METRICS_PORT), or stop the other one first"
                )
        params = {"id": self.robot_id, "instance": self.instance, "host": self.host, "pid": os.getpid()}
        taken = await self._one("take", params | {"seen": holder["instance"] if holder else ""})
        if taken is None:
            raise ConfigError(
                f"robot id {self.robot_id!r} was taken by another robot starting at the same time"
            )
        log.info("robot id %s registered (pid %d)", self.robot_id, os.getpid())

    async def heartbeats(self, lost: Callable[[], None]) -> None:
        """Beat every few seconds until cancelled; call ``lost`` if another process took the id."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                alive = await self._one("heartbeat", {"id": self.robot_id, "instance": self.instance})
            except psycopg.OperationalError as exc:
                log.warning("robot heartbeat skipped, database unavailable: %s", str(exc).strip())
                continue
            if alive is None:
                log.error("robot id %s was taken by another process: stopping", self.robot_id)
                lost()
                return

    async def release(self) -> None:
        """Give the id up (clean exit)."""
        try:
            await self._one("release", {"id": self.robot_id, "instance": self.instance})
        except psycopg.OperationalError as exc:
            log.warning("robot id not released, database unavailable: %s", str(exc).strip())
