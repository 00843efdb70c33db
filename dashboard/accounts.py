"""User management shared by the CLI and the /users page: accounts, sessions, lockouts, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psycopg

from dashboard import passwords, security
from services.db import query
from services.errors import ConfigError, ConflictError, NotFoundError

Conn = psycopg.Connection[dict[str, object]]
Row = dict[str, Any]
TOKEN_SCOPES = ("read", "write")
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366


def _now() -> datetime:
    return datetime.now(UTC)


def _one(conn: Conn, name: str, params: dict[str, Any]) -> Row | None:
    return cast(Row | None, conn.execute(query("users", name), params).fetchone())


def _require(row: Row | None, email: str) -> Row:
    if row is None:
        raise NotFoundError(f"no user {email}")
    return row


def _check_role(role: str) -> None:
    if role not in security.ROLES:
        raise ConfigError(f"role must be one of {', '.join(security.ROLES)}, not {role!r}")


def create_user(conn: Conn, email: str, role: str, password: str) -> Row:
    """Create a dashboard user; PolicyError for a bad email or password, ConflictError when it exists."""
    _check_role(role)
    email = email.strip().lower()
    passwords.check_email(email)
    row = _one(
        conn,
        "create_user",
        {"email": email, "password_hash": passwords.hash_password(password, email), "role": role},
    )
    if row is None:
        raise ConflictError(f"a user {email} already exists")
    return row


def list_users(conn: Conn, now: datetime | None = None) -> list[Row]:
    """Every user with lock, token and session counts (never the password or token hashes)."""
    rows = conn.execute(query("users", "list_users"), {"now": now or _now()}).fetchall()
    return cast(list[Row], rows)


def disable_user(conn: Conn, email: str) -> None:
    """Disable a user: their sessions, open event streams included, and API tokens end at once."""
    _require(_one(conn, "disable_user", {"email": email.lower()}), email)


def set_password(conn: Conn, email: str, password: str) -> None:
    """Replace a password: every session of the user ends; any login lock on the account is lifted."""
    hashed = passwords.hash_password(password, email.lower())
    _require(_one(conn, "set_password", {"email": email.lower(), "password_hash": hashed}), email)
    unlock(conn, email)


def set_role(conn: Conn, email: str, role: str) -> None:
    """Change a user's role; their sessions end (they log in again with the new rights)."""
    _check_role(role)
    _require(_one(conn, "set_role", {"email": email.lower(), "role": role}), email)


def sign_out(conn: Conn, email: str, now: datetime | None = None) -> int:
    """End every session of the user ("sign out everywhere"); the number of sessions ended."""
    _require(_one(conn, "user_id_by_email", {"email": email.lower()}), email)
    rows = conn.execute(
        query("users", "revoke_user_sessions"), {"email": email.lower(), "now": now or _now()}
    )
    return len(rows.fetchall())


def unlock(conn: Conn, email: str) -> int:
    """Lift the login locks on an account, from every address; the number of lock rows removed."""
    return len(conn.execute(query("users", "unlock_email"), {"email": email.lower()}).fetchall())


def issue_token(
    conn: Conn,
    email: str,
    *,
    days: int = DEFAULT_TOKEN_DAYS,
    scope: str = "write",
    now: datetime | None = None,
) -> tuple[int, str]:
    """A new API bearer token (its id, the token); only its hash is stored. Other tokens stay valid."""
    if scope not in TOKEN_SCOPES:
        raise ConfigError(f"scope must be read or write, not {scope!r}")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ConfigError(f"a token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}")
    token, token_hash = security.new_api_token()
    issued = now or _now()
    row = _one(
        conn,
        "create_api_token",
        {
            "email": email.lower(),
            "token_hash": token_hash,
            "scope": scope,
            "now": issued,
            "expires_at": issued + timedelta(days=days),
        },
    )
    return int(_require(row, email)["id"]), token


def list_tokens(conn: Conn, email: str | None = None) -> list[Row]:
    """API tokens (id, owner, scope, created, expiry, last use, revocation), never the token itself."""
    rows = conn.execute(query("users", "list_api_tokens"), {"email": email.lower() if email else None})
    return cast(list[Row], rows.fetchall())


def revoke_token(conn: Conn, token_id: int, now: datetime | None = None) -> None:
    """Revoke one API token by id; NotFoundError when unknown or already revoked."""
    if _one(conn, "revoke_api_token", {"id": token_id, "now": now or _now()}) is None:
        raise NotFoundError(f"no active API token with id {token_id}")


SESSION_KEEP_DAYS = 30


def prune(conn: Conn, now: datetime | None = None) -> tuple[int, int]:
    """Delete sessions ended over 30 days ago and stale login-throttle rows; (sessions, throttle rows)."""
    at = now or _now()
    sessions = conn.execute(query("users", "prune_sessions"), {"now": at, "keep_days": SESSION_KEEP_DAYS})
    throttled = conn.execute(query("users", "prune_throttle"), {"now": at})
    return len(sessions.fetchall()), len(throttled.fetchall())
