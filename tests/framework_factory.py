"""A small valid framework in the project's schema, for tests that need one to break or extend."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

MINI: dict[str, Any] = {
    "id": "entrecomp-mini",
    "name": "EntreComp (test excerpt)",
    "version": "1.0",
    "title": {"en": "A school's own framework", "lv": "Skolas ietvars"},
    "default_language": "en",
    "languages": ["en", "lv"],
    "source": {"copyright": "(c) Test school", "licence": "CC BY 4.0", "attribution": ["Test school, 2026."]},
    "level_groups": [
        {"id": "basic", "name": {"en": "Basic", "lv": "Pamata"}, "levels": [1]},
        {"id": "advanced", "name": {"en": "Advanced", "lv": "Augsts"}, "levels": [2]},
    ],
    "levels": [
        {"number": 1, "group": "basic", "name": {"en": "Basic", "lv": "Pamata"}},
        {"number": 2, "group": "advanced", "name": {"en": "Advanced", "lv": "Augsts"}},
    ],
    "areas": [{"id": "1", "title": {"en": "Ideas and opportunities", "lv": "Idejas un iespējas"}}],
    "competences": [
        {
            "id": "1.1",
            "area": "1",
            "title": {"en": "Spotting opportunities", "lv": "Iespēju saskatīšana"},
            "descriptor": {"en": "Use your imagination to identify opportunities for creating value."},
        },
        {
            "id": "1.2",
            "area": "1",
            "title": {"en": "Creativity", "lv": "Radošums"},
            "descriptor": {"en": "Develop creative and purposeful ideas."},
        },
    ],
    "level_descriptors": [
        {"competence": c, "level": n, "statements": [{"text": {"en": f"statement {c} at level {n}"}}]}
        for c in ("1.1", "1.2")
        for n in (1, 2)
    ],
    "examples": [
        {"id": "K1", "competence": "1.1", "type": "knowledge", "level": 1, "text": {"en": "Knows what value is."}}
    ],
}


def mini(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINI)
    data.update(changes)
    return data


def write(directory: Path, data: dict[str, Any] | str, name: str = "custom.yaml") -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
