"""Where the data that ships with digcomp lives: ``frameworks/`` and ``certificates/``.

In a source checkout they are top-level folders of the repository; in an installed wheel they are
packaged under ``digcomp/_data``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped data folder ``name`` (``frameworks`` or ``certificates``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"digcomp data folder '{name}' is missing from this installation")
