"""Roles, session and API tokens, CSRF tokens, the secret key, phone masking."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Role = Literal["admin", "supervisor", "viewer"]
ROLES: tuple[Role, ...] = ("viewer", "supervisor", "admin")  # ordered by power
API_TOKEN_PREFIX = "mbt_"
SECRET_FILE = "dashboard_secret"


def role_at_least(role: str, needed: Role) -> bool:
    """True when ``role`` grants everything ``needed`` grants."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def new_api_token() -> tuple[str, str]:
    """A fresh API token and the SHA-256 hash to store (the token itself is never stored)."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_api_token(token)


def hash_api_token(token: str) -> str:
    """Hash under which an API token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_csrf_token() -> str:
    """Random CSRF token (double-submit: cookie and form field must match)."""
    return secrets.token_urlsafe(24)


def csrf_matches(cookie: str | None, submitted: str | None) -> bool:
    """True when both values are present and equal (constant time)."""
    return bool(cookie) and bool(submitted) and hmac.compare_digest(str(cookie), str(submitted))


Scope = Literal["read", "write"]


@dataclass(frozen=True)
class Session:
    """Who is calling: from a session cookie (``session_hash`` set) or an API token (its scope)."""

    user_id: int
    email: str
    role: Role
    scope: Scope = "write"
    session_hash: str | None = None


def new_session_token() -> str:
    """Random value of a session cookie (only its keyed hash is stored)."""
    return secrets.token_urlsafe(32)


def session_hash(secret: str, token: str) -> str:
    """Keyed hash under which a session is stored: a copy of the table opens no session."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def load_secret_key(configured: str, data_dir: Path) -> str:
    """The configured secret, else one persisted (mode 0600) under ``data_dir``, created on first use."""
    if configured:
        return configured
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def mask_phone(phone: str | None) -> str:
    """``+33612341234`` -> ``+33******1234`` (country code and last 4 digits kept)."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def redact(rows: list[dict[str, object]], role: str) -> list[dict[str, object]]:
    """Rows as the role may see them: viewers get masked phone numbers."""
    if role != "viewer":
        return rows
    return [{**row, "phone": mask_phone(str(row["phone"]) if row.get("phone") else None)} for row in rows]
