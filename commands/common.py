"""Helpers shared by the command groups: settings, database URL, console, exit codes."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from enum import IntEnum
from typing import Any, TypeVar

from rich.console import Console

from services import db
from services.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


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
