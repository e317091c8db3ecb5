"""What a ``compress`` answer of the engine says, for the Archive tab and Processing alike.

The engine's summary names the catalog it wrote and each failed file with a reason code; these
helpers turn it into what a user reads (translated) and what QGIS loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .messages import file_failure_message

#: The catalog's file name in an archive folder (``scicbir.archive.store.CATALOG``), for an
#: archive opened without a compress answer.
CATALOG = "catalog.gpkg"


def catalog_path(archive: str, answer: Any = None) -> str | None:
    """The archive's catalog GeoPackage, as the engine's ``compress`` answer names it; without
    an answer (an archive opened from the settings) the archive's own file."""
    if isinstance(answer, dict) and answer.get("catalog"):
        path = Path(str(answer["catalog"]))
        return str(path) if path.is_file() else None
    if archive and (Path(archive) / CATALOG).is_file():
        return str(Path(archive) / CATALOG)
    return None


def _failed_sources(answer: Any) -> list[dict]:
    if not isinstance(answer, dict):
        return []
    return [
        s
        for s in answer.get("sources") or []
        if isinstance(s, dict) and s.get("status") == "failed"
    ]


def failures_of(answer: Any) -> list[str]:
    """Readable "file: reason" lines for the sources that failed in a ``compress`` summary,
    worded (and translated) from each file's reason code when the engine gives one."""
    return [
        f"{source.get('path', '?')}: {file_failure_message(source)}"
        for source in _failed_sources(answer)
    ]


def failure_details(answer: Any) -> str:
    """The engine's own text of each failed file, for the details behind the warning: the
    summary words the failures, the engine's text says exactly what GDAL or the disk said."""
    lines = []
    for source in _failed_sources(answer):
        code = source.get("reason") or source.get("code") or ""
        lines.append(
            f"{source.get('error') or source.get('path', '?')}" + (f" [{code}]" if code else "")
        )
    return "\n".join(lines)


def nothing_in(answer: Any) -> bool:
    """True when a ``compress`` summary added nothing and the archive held nothing before."""
    if not isinstance(answer, dict):
        return False
    counts = [answer.get(key) for key in ("added", "replaced", "unchanged")]
    if not all(isinstance(c, (int, float)) for c in counts):
        return False
    return sum(counts) == 0 and not answer.get("tiles")
