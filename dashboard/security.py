"""Passwords (bcrypt), session tokens (JWT), API tokens, CSRF tokens, the signing key, phone masking."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import bcrypt
import jwt

from services.errors import AuthError

Role = Literal["admin", "supervisor", "viewer"]
ROLES: tuple[Role, ...] = ("viewer", "supervisor", "admin")  # ordered by power
SESSION_SECONDS = 8 * 3600
API_TOKEN_PREFIX = "mbt_"
SECRET_FILE = "dashboard_secret"


def role_at_least(role: str, needed: Role) -> bool:
    """True when ``role`` grants everything ``needed`` grants."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str) -> str:
    """bcrypt hash of a password (at least 8 characters)."""
    if len(password) < 8:
        raise AuthError("the password must have at least 8 characters")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    """Constant-time bcrypt check."""
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


@cache
def _dummy_hash() -> str:
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt()).decode()


def check_password_or_dummy(password: str, password_hash: str | None) -> bool:
    """Like :func:`check_password`; without a hash, spend the same bcrypt time and fail (no enumeration)."""
    if password_hash is None:
        check_password(password, _dummy_hash())
        return False
    return check_password(password, password_hash)


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


@dataclass(frozen=True)
class Session:
    """The identity carried by a session cookie or an API token."""

    user_id: int
    email: str
    role: Role
    issued_at: float
    expires_at: float


def encode_session(secret: str, user_id: int, email: str, role: Role, now: float) -> str:
    """Signed session JWT valid for :data:`SESSION_SECONDS`."""
    claims = {
        "sub": str(user_id),
        "email": email,
        "role": role,
        "iat": int(now),
        "exp": int(now) + SESSION_SECONDS,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_session(secret: str, token: str, now: float) -> Session | None:
    """The session in a JWT, or None when it is forged, malformed or expired at ``now``."""
    try:
        # exp and iat are checked against the injected clock, not the wall clock
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
        )
        exp, iat = float(claims["exp"]), float(claims["iat"])
        role = claims["role"]
        if exp <= now or role not in ROLES:
            return None
        return Session(int(claims["sub"]), str(claims["email"]), role, iat, exp)
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
        return None


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
