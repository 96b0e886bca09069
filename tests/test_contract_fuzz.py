"""Schemathesis — its own command line, every check it has — over the published contract of a really started
server with the demo school, on SQLite and on PostgreSQL, authenticated as the demo coordinator: no server error,
every status and content type declared, every answer and its headers in the declared shape, schema-violating data
refused, schema-valid data accepted (tests/schemathesis.toml lists the rules a schema cannot state), an undeclared
method answered 405 with a correct ``Allow``. A bounded number of deterministic examples keeps each run near a
minute."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from digcomp import demo
from tests.pgserver import PostgresServer
from tests.servers import serving

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("st")
EXAMPLES = 5


def _token(url: str) -> str:
    login = {"email": demo.DEMO_LOGINS[demo.Role.coordinator], "password": demo.DEMO_PASSWORD}
    request = urllib.request.Request(
        f"{url}/api/v1/auth/token",
        data=json.dumps(login).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.load(answer)["access_token"])


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_api_keeps_its_contract_under_every_schemathesis_check(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {"DIGCOMP_DATA_DIR": str(tmp_path / "data")}
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        env["DIGCOMP_DATABASE_URL"] = server.create_database()
    with serving(env, "--demo") as url:
        command = [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {_token(url)}",
            "--checks",
            "all",
            "--phases",
            # the coverage phase walks every schema boundary of every operation, the same on either database: once,
            # on SQLite (the suite's longest test); PostgreSQL gets the examples and the fuzzing
            "examples,coverage,fuzzing" if backend == "sqlite" else "examples,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            "--generation-deterministic",
            "--exclude-path",
            "/api/v1/auth/logout",  # it would end the token every other operation runs with
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-12_000:] + run.stderr[-2_000:]
    assert "Schema-valid request rejected" not in run.stdout
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert "Tested: " in summary  # it did run the operations
