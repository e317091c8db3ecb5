"""The environment the engine child process starts with.

QGIS sets variables for its own Python, GDAL, PROJ and Qt (``PYTHONPATH``, ``PYTHONHOME``,
``GDAL_DATA``, ``PROJ_LIB``, ``QT_PLUGIN_PATH``...). Inherited by the engine's interpreter they
make it import QGIS's packages instead of its own, or load the wrong GDAL/PROJ data, which is the
most common way such plugins break. The engine therefore starts from a copy of the environment
with those removed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Exact names removed from the child's environment.
DROPPED_NAMES = frozenset(
    {
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PYTHONEXECUTABLE",
        "PYTHONUSERBASE",
        "PYTHONSAFEPATH",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "QML2_IMPORT_PATH",
        "QML_IMPORT_PATH",
        "DYLD_LIBRARY_PATH",
        "DYLD_FALLBACK_LIBRARY_PATH",
        "DYLD_FRAMEWORK_PATH",
    }
)

# Prefixes of variable names removed from the child's environment.
DROPPED_PREFIXES = ("GDAL_", "PROJ_", "QGIS_", "QT_", "CPL_", "OGR_")


def is_dropped(name: str) -> bool:
    """True for a variable that QGIS sets for itself and the engine must not inherit."""
    upper = name.upper()
    return upper in DROPPED_NAMES or upper.startswith(DROPPED_PREFIXES)


def clean_environment(
    base: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return the child's environment: ``base`` (default ``os.environ``) minus QGIS's variables,
    plus ``extra`` (applied last, so a caller can set e.g. ``OMP_NUM_THREADS`` on purpose).

    ``PYTHONUNBUFFERED`` and ``PYTHONIOENCODING`` are set so that protocol lines and log lines
    arrive at once and in UTF-8 whatever the system locale.
    """
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not is_dropped(k)}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    if extra:
        env.update({str(k): str(v) for k, v in extra.items()})
    return env
