"""Schemathesis over the published contract (api/openapi.json, generated from the app), authenticated as a
coordinator of the demo school: no server errors, every answer's status declared and its body in the declared shape.
A fixed seed and a bounded number of examples per operation keep it to about a minute, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from digcomp import demo
from digcomp.api.app import create_app
from digcomp.framework import catalog
from digcomp.settings import Settings
from digcomp.store.db import Database
from tests.journey import API

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


def test_the_api_keeps_its_contract_under_fuzzing(database: Database, tmp_path: Path) -> None:
    settings_ = Settings(data_dir=tmp_path / "data", public_url="http://testserver")
    with database.session() as session:
        demo.seed(session, catalog(), agree=True)
    app = create_app(settings=settings_, database=database)
    with TestClient(app) as client:
        answer = client.post(
            f"{API}/auth/token",
            json={"email": demo.DEMO_LOGINS[demo.Role.coordinator], "password": demo.DEMO_PASSWORD},
        )
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            # logging out would end the token every other operation is fuzzed with
            sent = {} if case.operation.label == "POST /api/v1/auth/logout" else headers
            case.call_and_validate(headers=sent, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures[operation.label] = str(exc)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
