"""Shared fixtures: a real Postgres database per test, cloned from a migrated template."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from services import db

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
AUDIO_DIR = SHARED / "audio"
ARI_SPEC_DIR = SHARED / "ari-spec"


def _server_url() -> str:
    url = os.environ.get("MINIBOT_TEST_DATABASE_URL", "")
    if url:
        return url
    data = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "minibot-test"
    return db.start_embedded_postgres(data / "postgres")


def _with_dbname(url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(url, dbname=name)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of the Postgres server the tests use (local server or embedded)."""
    return _server_url()


@pytest.fixture(scope="session")
def template_db(pg_server_url: str) -> Iterator[str]:
    """A database migrated once per session, cloned by every test that needs a database."""
    name = f"minibot_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with db.connect(_with_dbname(pg_server_url, name)) as conn:
        db.migrate(conn)
        conn.commit()
    yield name
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db_url(pg_server_url: str, template_db: str) -> Iterator[str]:
    """URL of a fresh, fully migrated database for one test."""
    name = f"minibot_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    yield _with_dbname(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def empty_db_url(pg_server_url: str) -> Iterator[str]:
    """URL of an empty database (no migrations), for migration tests."""
    name = f"minibot_e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_dbname(pg_server_url, name)
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection[dict[str, object]]]:
    """An autocommit connection (dict rows) to the test's fresh database."""
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as c:
        yield c


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[AsyncConnectionPool]:
    """An async pool on the test's fresh database."""
    p = await db.open_pool(db_url, min_size=1, max_size=8)
    try:
        yield p
    finally:
        await p.close()
