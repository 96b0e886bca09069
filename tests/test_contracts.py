"""The committed contracts are what the code generates: regenerate with `make contracts`."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from digcomp.contracts import framework_schema, openapi_document, render
from digcomp.resources import shipped


def test_framework_schema_is_in_sync() -> None:
    committed = (shipped("frameworks") / "schema.json").read_text(encoding="utf-8")
    assert committed == render(framework_schema()), "frameworks/schema.json is stale: run `make contracts`"


@pytest.mark.parametrize("name", ["digcomp-2.2.yaml", "digcomp-3.0.yaml"])
def test_shipped_frameworks_validate_against_the_published_schema(name: str) -> None:
    schema = json.loads((shipped("frameworks") / "schema.json").read_text(encoding="utf-8"))
    data = yaml.load((shipped("frameworks") / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    jsonschema.validate(data, schema)


def test_openapi_document_is_in_sync() -> None:
    committed = (shipped("frameworks").parent / "api" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render(openapi_document()), "api/openapi.json is stale: run `make contracts`"
