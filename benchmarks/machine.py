"""Where and with what a benchmark ran: CPU, cores, memory, OS, library versions, date.

Figures without the machine they were measured on cannot be compared; every report starts with
this block.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
from importlib import metadata
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def _openjpeg_version() -> str | None:
    """OpenJPEG's own version string from the library rasterio's GDAL is linked with."""
    import ctypes

    import rasterio

    libs = Path(rasterio.__file__).resolve().parent.parent / "rasterio.libs"
    for lib in sorted(libs.glob("libopenjp2*")) if libs.is_dir() else []:
        try:
            handle = ctypes.CDLL(str(lib))
            handle.opj_version.restype = ctypes.c_char_p
            return handle.opj_version().decode()
        except (OSError, AttributeError):
            continue
    return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, object]:
    """A JSON-able description of this machine and the software versions in use."""
    import rasterio

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    memory = _memory_gib()
    return {
        "date_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores_visible": affinity,
        "threads_used": int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or affinity,
        "memory_gib": round(memory, 1) if memory else None,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {
            "scicbir": _version("scicbir"),
            "torch": _version("torch"),
            "compressai": _version("compressai"),
            "numpy": _version("numpy"),
            "scipy": _version("scipy"),
            "rasterio": rasterio.__version__,
            "GDAL": rasterio.__gdal_version__,
            "OpenJPEG": _openjpeg_version(),
            "faiss-cpu": _version("faiss-cpu"),
            "onnxruntime": _version("onnxruntime"),
            "matplotlib": _version("matplotlib"),
        },
    }
