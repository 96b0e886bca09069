"""Run every benchmark and print its figures: `make bench`."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent

if __name__ == "__main__":
    for name in ("frameworks", "mapping", "certificates", "templates", "imports", "writes", "capacity"):
        sys.argv = [name]
        runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
