"""Password policy and hashing (bcrypt over a SHA-256 pre-hash), email address validation."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

import bcrypt

from dashboard import i18n
from services.errors import ConfigError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # characters; anything longer is refused rather than hashed
PREHASH_PREFIX = "bcrypt-sha256$"
COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_LEET = str.maketrans("0134578@$!", "oieastbasi")
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
)
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


class PolicyError(ConfigError):
    """A password or email address refused by the policy (``key``: its message in :mod:`dashboard.i18n`)."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.in_language("fr"))

    def in_language(self, lang: str) -> str:
        """The reason in ``lang``."""
        return i18n.translate(lang, self.key).format(**self.params)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords and stems (lower case)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_repetition(text: str, words: frozenset[str]) -> bool:
    """True when ``text`` is one common word repeated (``azertyazerty``) or a run of a keyboard row."""
    if any(text in seq or text in seq[::-1] for seq in _SEQUENCES):
        return True
    for size in range(1, len(text) // 2 + 1):
        unit = text[:size]
        if len(text) % size == 0 and unit * (len(text) // size) == text and (size <= 3 or unit in words):
            return True
    return False


def check_password_policy(password: str, email: str = "") -> None:
    """Raise :class:`PolicyError` when ``password`` is too short, too long or too common."""
    if len(password) < MIN_LENGTH:
        raise PolicyError("password_too_short", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise PolicyError("password_too_long", max=MAX_LENGTH)
    words = common_passwords()
    lowered = password.lower()
    stem = lowered.strip("0123456789 !?.,;:_-*#@$%&+=()[]{}'\"").translate(_LEET)
    local = email.lower().split("@", 1)[0]
    if (
        lowered in words
        or stem in words
        or not stem
        or _is_repetition(stem, words)
        or _is_repetition(lowered, words)
        or len(set(lowered)) < 5
        or (len(local) >= 4 and local in lowered)
    ):
        raise PolicyError("password_common")


def _prehash(password: str) -> bytes:
    """SHA-256 of the password in base64 (44 bytes): bcrypt only reads 72 bytes, passphrases are longer."""
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def hash_password(password: str, email: str = "") -> str:
    """Hash of an acceptable password; :class:`PolicyError` with the reason otherwise."""
    check_password_policy(password, email)
    return PREHASH_PREFIX + bcrypt.hashpw(_prehash(password), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    """Constant-time check against a pre-hashed or a plain bcrypt hash (accounts created before 110)."""
    if len(password) > MAX_LENGTH:
        return False
    if password_hash.startswith(PREHASH_PREFIX):
        secret, stored = _prehash(password), password_hash[len(PREHASH_PREFIX) :]
    else:
        secret, stored = password.encode(), password_hash
    try:
        return bcrypt.checkpw(secret, stored.encode())
    except ValueError:  # plain bcrypt refuses secrets over 72 bytes: such a password never matched
        return False


@cache
def _dummy_hash() -> str:
    return PREHASH_PREFIX + bcrypt.hashpw(b"no such user", bcrypt.gensalt()).decode()


def check_password_or_dummy(password: str, password_hash: str | None) -> bool:
    """Like :func:`check_password`; without a hash, spend the same bcrypt time and fail (no enumeration)."""
    if password_hash is None:
        check_password(password, _dummy_hash())
        return False
    return check_password(password, password_hash)


def check_email(email: str) -> None:
    """Raise :class:`PolicyError` unless ``email`` looks like a deliverable address (``ana@exemple.fr``)."""
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise PolicyError("email_invalid", email=email[:80])
