"""Messages for the user: one readable line in the message bar, details in the log tab."""

from __future__ import annotations

from qgis.core import Qgis

from ..core import log
from ..core.i18n import tr

TITLE = "SCI-CBIR"
DURATION_S = 15


def _bar(iface):
    try:
        return iface.messageBar()
    except AttributeError:
        return None


def error(iface, message: str, details: str = "") -> None:
    log.critical(message + (f"\n{details}" if details else ""))
    bar = _bar(iface)
    if bar is not None:
        if details:
            bar.pushMessage(TITLE, message, details, Qgis.Critical, 0)
        else:
            bar.pushMessage(TITLE, message, Qgis.Critical, 0)


def warning(iface, message: str) -> None:
    log.warning(message)
    bar = _bar(iface)
    if bar is not None:
        bar.pushMessage(TITLE, message, Qgis.Warning, DURATION_S)


def success(iface, message: str) -> None:
    log.info(message)
    bar = _bar(iface)
    if bar is not None:
        bar.pushMessage(TITLE, message, Qgis.Success, DURATION_S)


def describe_engine(answer: dict) -> str:
    """One line naming versions and device from ``hello``/``info``."""
    parts = [
        tr("engine {engine}").format(engine=answer.get("engine", "?")),
        tr("protocol {protocol}").format(protocol=answer.get("protocol", "?")),
        f"Python {answer.get('python', '?')}",
    ]
    if answer.get("torch"):
        parts.append(f"torch {answer['torch']}")
    parts.append(tr("device {device}").format(device=answer.get("device", "?")))
    return ", ".join(parts)
