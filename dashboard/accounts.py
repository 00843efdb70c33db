"""User management for the CLI: create, list, disable, set passwords, issue API tokens."""

from __future__ import annotations

from typing import Any, cast

import psycopg

from dashboard import security
from services.db import query
from services.errors import ConfigError, ConflictError, NotFoundError

Conn = psycopg.Connection[dict[str, object]]
Row = dict[str, Any]


def _one(conn: Conn, name: str, params: dict[str, Any]) -> Row | None:
    return cast(Row | None, conn.execute(query("users", name), params).fetchone())


def create_user(conn: Conn, email: str, role: str, password: str) -> Row:
    """Create a dashboard user; ConflictError when the email exists."""
    if role not in security.ROLES:
        raise ConfigError(f"role must be one of {', '.join(security.ROLES)}, not {role!r}")
    if "@" not in email:
        raise ConfigError(f"{email!r} is not an email address")
    row = _one(
        conn,
        "create_user",
        {"email": email.lower(), "password_hash": security.hash_password(password), "role": role},
    )
    if row is None:
        raise ConflictError(f"a user {email} already exists")
    return row


def list_users(conn: Conn) -> list[Row]:
    """Every user (never the password or token hashes)."""
    return cast(list[Row], conn.execute(query("users", "list_users")).fetchall())


def _require(row: Row | None, email: str) -> Row:
    if row is None:
        raise NotFoundError(f"no user {email}")
    return row


def disable_user(conn: Conn, email: str) -> None:
    """Disable a user (their sessions and API token stop working at once)."""
    _require(_one(conn, "disable_user", {"email": email.lower()}), email)


def set_password(conn: Conn, email: str, password: str) -> None:
    """Replace a password and clear any lockout."""
    hashed = security.hash_password(password)
    _require(_one(conn, "set_password", {"email": email.lower(), "password_hash": hashed}), email)


def issue_token(conn: Conn, email: str) -> str:
    """A new API bearer token for the user (replacing the previous one); only its hash is stored."""
    token, token_hash = security.new_api_token()
    _require(_one(conn, "set_token_hash", {"email": email.lower(), "token_hash": token_hash}), email)
    return token
