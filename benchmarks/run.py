"""Run every benchmark and print its figures: `make bench`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import frameworks
import mapping

if __name__ == "__main__":
    frameworks.main()
    mapping.main()
    certificates.main()
