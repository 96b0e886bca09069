"""Development keys made on first use: by one thread or process at a time, and never seen half-written.

Requests and workers that start together all find the key missing; each would generate its own and overwrite the
others' files, and a reader could open a file still being written ("wrong passphrase or not a PKCS#12 file").
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """``data`` at ``path``, readable by the owner only, appearing whole (written aside, then renamed into place)."""
    aside = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(aside, path)


def create_once(folder: Path, done: Path, create: Callable[[], None]) -> None:
    """Run ``create`` unless ``done`` exists, holding the folder's lock (threads and processes): whoever comes second
    finds it made. ``create`` must write ``done`` last."""
    if done.exists():
        return
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with os.fdopen(os.open(folder / ".create.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                create()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
