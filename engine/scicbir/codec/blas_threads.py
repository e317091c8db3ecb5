"""Run numpy's small matrix products on one thread while the latent decoder walks its grid.

The auto-regressive decoder makes a few tiny float64 products per latent position. numpy's
OpenBLAS splits even those over its threads, and on a busy machine every product then waits
for a second thread to be scheduled: measured 26 ms per position with 2 threads against 5 ms
with one. ``single_threaded_blas()`` sets OpenBLAS to one thread for the duration of a block
(through the library's own ``openblas_set_num_threads``, found in numpy's bundled copy) and
restores it after. Where no OpenBLAS is found it does nothing.

``single_threaded_torch()`` does the same for torch around the entropy coder's small
hyperprior convolutions while the codec's transforms run on worker threads
(``scicbir.codec.transform_threads``): torch's OpenMP threads, woken for a few microseconds of
work each, then spin and take the core the transforms need. Measured on 2 cores (AID 64 px
tiles, batches of 16): decoding 122 tiles/s with 2 torch threads, 148 with one.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_lock = threading.Lock()
_api: tuple | None | bool = False  # False: not looked up yet; None: not available


def _find_api() -> tuple | None:
    import numpy

    candidates = []
    libs = Path(numpy.__file__).resolve().parent.parent / "numpy.libs"
    if libs.is_dir():
        candidates += sorted(libs.glob("libopenblas*.so*"))
    for path in candidates:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for suffix in ("64_", ""):
            getter = getattr(lib, f"openblas_get_num_threads{suffix}", None)
            setter = getattr(lib, f"openblas_set_num_threads{suffix}", None)
            if getter is not None and setter is not None:
                getter.restype = ctypes.c_int
                setter.argtypes = [ctypes.c_int]
                return getter, setter
    return None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One OpenBLAS thread inside the block (no-op where numpy's OpenBLAS is not found)."""
    global _api
    with _lock:
        if _api is False:
            _api = _find_api()
        api = _api
    if api is None:
        yield
        return
    getter, setter = api
    before = getter()
    setter(1)
    try:
        yield
    finally:
        setter(before)


@contextmanager
def single_threaded_torch() -> Iterator[None]:
    """One torch thread for the calling thread inside the block, its own setting restored
    after. torch keeps the setting per thread (OpenMP's, once a thread has used torch), so
    blocks on other threads (the service's jobs) neither see nor undo it."""
    import torch

    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)
