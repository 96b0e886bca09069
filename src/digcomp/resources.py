"""Where the data that ships with digcomp lives: ``frameworks/`` and ``certificates/``.

In a source checkout they are top-level folders of the repository; in an installed wheel they are
packaged under ``digcomp/_data``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped data folder ``name`` (``frameworks`` or ``certificates``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"digcomp data folder '{name}' is missing from this installation")


# libyaml's parser where PyYAML was built with it: the web labels took 550 ms to read in pure Python, 10x more
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML data file (safe: plain data only)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
