"""Wall-clock latency and memory figures shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def rss_mb() -> float:
    """This process's resident set in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def latency_ms(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    """Median and 95th percentile of ``repeats`` calls of ``fn``, in milliseconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": statistics.median(times), "p95_ms": p95, "repeats": repeats}
