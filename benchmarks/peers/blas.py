"""Run numpy/scipy linear algebra on one thread for a while.

KSH and KLSH make thousands of small matrix-vector products; on a busy 2-core machine
OpenBLAS's worker threads then spend far longer waiting for each other than computing (a KSH fit
measured 40x slower with 2 BLAS threads than with 1 under load). Without threadpoolctl in the
environment, the OpenBLAS copies that numpy and scipy load are asked directly through their
``*_set_num_threads`` entry points, and restored afterwards. Anything not found is left alone.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PAIRS = (
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _loaded_openblas() -> list[str]:
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    paths = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()}
    return sorted(p for p in paths if p.startswith("/"))


def _controls() -> list[tuple]:
    out = []
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in _PAIRS:
            getter, setter = getattr(lib, get_name, None), getattr(lib, set_name, None)
            if getter is not None and setter is not None:
                getter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                out.append((getter, setter))
                break
    return out


@contextmanager
def single_threaded() -> Iterator[None]:
    """Within the block, OpenBLAS (numpy's and scipy's) uses one thread."""
    import numpy  # noqa: F401  (loads numpy's OpenBLAS)
    import scipy.linalg  # noqa: F401  (loads scipy's)

    controls = _controls()
    before = [getter() for getter, _ in controls]
    for _, setter in controls:
        setter(1)
    try:
        yield
    finally:
        for (_, setter), n in zip(controls, before, strict=True):
            setter(n)
