"""Migrations apply from zero, are recorded, and are idempotent."""

from __future__ import annotations

import pytest

from services import db

pytestmark = pytest.mark.integration


def test_migrate_from_zero_then_idempotent(empty_db_url: str) -> None:
    with db.connect(empty_db_url, autocommit=True) as conn:
        applied = db.migrate(conn)
        assert [m.version for m in applied] == [m.version for m in db.list_migrations()]
        assert db.migrate(conn) == []
        statuses = db.migration_status(conn)
        assert all(s.applied_at is not None and not s.changed for s in statuses)
        tables = {
            r["tablename"]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        }
    assert {"campaigns", "contacts", "dnc", "call_queue", "calls", "turns", "leads", "users"} <= tables


def test_named_queries_are_parsed() -> None:
    for path in (db.SQL_DIR / "queries").glob("*.sql"):
        blocks = db.queries(path.stem)
        assert blocks, f"{path.name} has no named query"
        assert all(text for text in blocks.values()), f"{path.name} has an empty block"
