"""Framework loading: cold (parse and validate every file) and warm (the per-process cache)."""

from __future__ import annotations

import statistics
import time

from digcomp.framework.loader import _cached_catalog, build_catalog, catalog, framework_directories


def main() -> None:
    directories = framework_directories()
    cold = []
    for _ in range(5):
        start = time.perf_counter()
        build_catalog(directories)
        cold.append((time.perf_counter() - start) * 1000)
    _cached_catalog.cache_clear()
    catalog([])
    warm = []
    for _ in range(1000):
        start = time.perf_counter()
        catalog([])
        warm.append((time.perf_counter() - start) * 1000)
    print(
        f"framework loading: cold median {statistics.median(cold):.1f} ms (parse + validate both frameworks and the "
        f"crosswalk), warm median {statistics.median(warm) * 1000:.1f} µs (cached per process; target < 100 ms)"
    )


if __name__ == "__main__":
    main()
