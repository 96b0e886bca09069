"""Passwords (argon2), bearer tokens and web sessions (random secrets, stored hashed), and signed mentor links."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic.config import JsonDict

from digcomp.errors import Phrase
from digcomp.settings import Settings

# Argon2id with one of OWASP's equally strong settings (19 MiB, 2 passes, 1 lane): 24 ms a login on this 2-core
# machine. argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took 114 ms, and its four threads fought the requests
# for two cores (logins of 1.9 s under load). Hashes made with other settings still verify and are redone at login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
API_TOKEN_PREFIX = "dct_"
LINK_TOKEN_PREFIX = "dcl_"
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# The contract's words for a new password (``check_password_strength`` says why one is refused, in the reader's
# language)
PASSWORD_SCHEMA: JsonDict = {
    "minLength": MIN_PASSWORD_LENGTH,
    "description": f"At least {MIN_PASSWORD_LENGTH} characters, not only letters and not only digits",
}


def check_password_strength(password: str) -> Phrase | None:
    """A reason the password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Phrase("the password must have at least {count} characters", count=MIN_PASSWORD_LENGTH)
    if password.isdigit() or password.isalpha():
        return Phrase("the password must mix letters with digits or other characters")
    return None


def new_secret() -> tuple[str, str]:
    """A bearer secret and the hash that is stored."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def expiry(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def application_secret(settings: Settings) -> str:
    """The key that signs mentor links: from DIGCOMP_SECRET_KEY, else generated once into the data directory."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _link_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(application_secret(settings), salt="digcomp.mentor-link")


def sign_link(settings: Settings, link_id: int, mobility_id: int) -> str:
    return LINK_TOKEN_PREFIX + _link_serializer(settings).dumps({"link": link_id, "mobility": mobility_id})


def is_link(token: str) -> bool:
    """Does the token present itself as a mentor link (genuine or not: ``read_link`` tells)?"""
    return token.startswith(LINK_TOKEN_PREFIX)


def read_link(settings: Settings, token: str) -> tuple[int, int] | None:
    """(link id, mobility id) of a genuine link token; None for anything forged or malformed.
    Expiry and revocation are checked against the stored link."""
    if not is_link(token):
        return None
    try:
        data = _link_serializer(settings).loads(token[len(LINK_TOKEN_PREFIX) :])
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("link"), int) or not isinstance(data.get("mobility"), int):
        return None
    return data["link"], data["mobility"]
