"""Helpers shared by the benchmark scripts: result lines, percentiles, a scratch database."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from services import db
from services.config import load_settings


def emit(name: str, value: float, unit: str, target: str, ok: bool, **extra: object) -> None:
    """Print one benchmark result as a JSON line."""
    record: dict[str, object] = {"name": name, "value": round(value, 3), "unit": unit, "target": target}
    record["ok"] = bool(ok)
    record.update(extra)
    print(json.dumps(record, ensure_ascii=False), flush=True)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (0 for an empty sequence)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def server_url() -> str:
    """A Postgres server for benchmarks: test URL, then configured URL, then embedded."""
    url = os.environ.get("MINIBOT_TEST_DATABASE_URL") or os.environ.get("MINIBOT_DATABASE_URL")
    if url:
        return url
    return db.start_embedded_postgres(load_settings().data_dir / "postgres-bench")


@contextmanager
def scratch_database() -> Iterator[str]:
    """Create a migrated throw-away database and drop it afterwards; yields its URL."""
    base = server_url()
    name = f"minibot_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(base, dbname=name)
    try:
        with db.connect(url, autocommit=True) as conn:
            db.migrate(conn)
        yield url
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


BENCH_DIR = Path(__file__).resolve().parent
