"""Helpers shared by the command groups: settings, database URL, console, exit codes, options, JSON."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Coroutine
from datetime import datetime
from enum import IntEnum
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from services import db
from services.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")

CampaignRef = Annotated[str, typer.Option("--campaign", "-c", help="Campaign name or id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts (schema in the README).")]


class ExitCode(IntEnum):
    """Exit codes scripts can rely on."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    PARTIAL = 5  # the command finished but some input was rejected


def settings() -> Settings:
    """Settings from the environment."""
    return load_settings()


def database_url() -> str:
    """The database URL from settings (starting the embedded Postgres when unset)."""
    return db.database_url(settings())


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a synchronous command."""
    return asyncio.run(coro)


def print_json(data: Any) -> None:
    """Print ``data`` as one JSON document on standard output (dates as ISO 8601 strings)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def operator() -> str:
    """Who runs this command, for audit rows: ``cli:<login>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def parse_instant(raw: str, tz: str, option: str) -> datetime:
    """An ISO 8601 date or instant typed by an operator; one without an offset is read in ``tz``."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(
            f"{raw!r} is not a date or an ISO 8601 instant (2027-01-14 or 2027-01-14T09:00)",
            param_hint=option,
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
