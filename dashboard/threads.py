"""Synchronous domain work (campaign rules, bcrypt) run in a worker thread on its own connection."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from dashboard.keys import DB_URL
from services import db

T = TypeVar("T")


def _in_connection(url: str, action: Callable[..., T], *args: Any) -> T:
    with db.connect(url, autocommit=True) as conn:
        return action(conn, *args)


async def in_thread(app: web.Application, action: Callable[..., T], *args: Any) -> T:
    """Run ``action(conn, *args)`` in a worker thread with a fresh autocommit connection."""
    return await asyncio.to_thread(_in_connection, app[DB_URL], action, *args)
