"""Verifiers digcomp does not contain, run on its output: Digital Bazaar's W3C VC 2.0 stack on Node.js (installed
from the lock file in ``tests/verifier`` by ``make test``), resolving keys and status lists over HTTP from the app
really served on a local port."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from tests.servers import free_port

VERIFIER = Path(__file__).with_name("verifier")
VOCAB = Path(__file__).parents[1] / "src" / "digcomp" / "credentials" / "vocab"


def verifier_installed() -> bool:
    return shutil.which("node") is not None and (VERIFIER / "node_modules" / "@digitalbazaar" / "vc").is_dir()


@dataclass(frozen=True)
class Verdict:
    verified: bool
    error: str | None
    checked_status: bool
    revoked: bool


def digital_bazaar(credential: dict[str, Any] | str) -> Verdict:
    """``@digitalbazaar/vc`` ``verifyCredential`` with the eddsa-rdfc-2022 and eddsa-jcs-2022 suites, or for a sealed
    credential (a compact JWS) ``jose``'s ``compactVerify``; then ``checkStatus`` of
    ``@digitalbazaar/vc-bitstring-status-list``."""
    answer = subprocess.run(
        ["node", str(VERIFIER / "verify.mjs"), str(VOCAB)],
        input=credential if isinstance(credential, str) else json.dumps(credential),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    result = json.loads(answer.stdout)
    status = result["status"] or {}
    return Verdict(result["verified"], result["error"], status.get("checked", False), status.get("revoked", False))


@contextmanager
def served(app: FastAPI, port: int) -> Iterator[str]:
    """``app`` served by uvicorn on ``port`` in a thread, for clients outside the test process; its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start serving")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


__all__ = ["Verdict", "digital_bazaar", "free_port", "served", "verifier_installed"]
