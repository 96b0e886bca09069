"""`digcomp serve` really started, in its own process, on a free port: for the browser journey, the scale-out tests
and the write benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO

UNSET = ("DATABASE_URL", "DIGCOMP_DATABASE_URL", "DIGCOMP_PUBLIC_URL")
START_SECONDS = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def started_process(
    command: list[str], env: dict[str, str], port: int, ready: str, stderr: IO[bytes] | int = subprocess.DEVNULL
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A web server process and its URL, once ``ready`` (a path) answers; stopped afterwards."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS  # generous: a loaded machine starts Python slowly
        while True:
            try:
                urllib.request.urlopen(f"{url}{ready}", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} did not start") from None
                time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=120)


@contextmanager
def started(command: list[str], env: dict[str, str], port: int, ready: str) -> Iterator[str]:
    """A web server process, its URL once ``ready`` (a path) answers; stopped afterwards."""
    with started_process(command, env, port, ready) as (url, _):
        yield url


def serving(env: dict[str, str], *arguments: str, port: int | None = None) -> AbstractContextManager[str]:
    """``digcomp serve`` with ``env`` over a clean environment (no database or public URL inherited); its URL."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if k not in UNSET}
    command = [sys.executable, "-m", "digcomp", "serve", "--port", str(port), *arguments]
    return started(command, {**environment, **env}, port, "/healthz")
