"""The published contracts, generated from code: the framework JSON Schema and the OpenAPI document.

``python -m digcomp.contracts`` rewrites them; the test suite fails when a committed file has drifted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from digcomp.resources import shipped


def framework_schema() -> dict[str, Any]:
    from digcomp.framework.models import Framework

    schema = Framework.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://digcomp-engine.invalid/schema/framework.json",
        **schema,
        "description": (
            "A competence framework for digcomp: areas, competences, proficiency levels, level descriptors, "
            "knowledge/skill/attitude examples, use cases and glossary. Texts are objects mapping a language code "
            "to the text. Generated from digcomp.framework.models; do not edit by hand."
        ),
    }


def openapi_document() -> dict[str, Any]:
    from digcomp.api.app import create_app

    return create_app(start_services=False).openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def targets() -> dict[Path, Any]:
    api_dir = shipped("frameworks").parent / "api"
    return {shipped("frameworks") / "schema.json": framework_schema, api_dir / "openapi.json": openapi_document}


def main() -> None:
    for path, build in targets().items():
        try:
            document = build()
        except ImportError as exc:  # the API layer may not exist in a stripped-down install
            print(f"skipped {path}: {exc}")
            continue
        path.write_text(render(document), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
