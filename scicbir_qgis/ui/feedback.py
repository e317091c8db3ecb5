"""Messages for the user: a readable message in the message bar, the full text one click away.

QGIS's message bar shows a few lines of a message at most, so an error's whole text (the
message itself, the engine's reason, what to do, where the log is) is attached to it and shown
by the bar's details button (QGIS labels it "More"); the same text goes to the SCI-CBIR log tab.
"""

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


def full_text(message: str, details: str = "") -> str:
    """The message, then its details, then where the log is: what the details button shows."""
    from ..core.engine import log_tab_hint

    parts = [message.strip()]
    if details.strip():
        parts.append(details.strip())
    if log_tab_hint() not in details:
        parts.append(log_tab_hint())
    return "\n\n".join(parts)


def error(iface, message: str, details: str = "") -> str:
    """An error that stays until closed, its full text behind the details button; returns
    that text."""
    text = full_text(message, details)
    log.critical(message + (f"\n{details}" if details else ""))
    bar = _bar(iface)
    if bar is not None:
        bar.pushMessage(TITLE, message, text, Qgis.Critical, 0)
    return text


def warning(iface, message: str, details: str = "") -> None:
    log.warning(message + (f"\n{details}" if details else ""))
    bar = _bar(iface)
    if bar is not None:
        if details:
            bar.pushMessage(TITLE, message, full_text(message, details), Qgis.Warning, 0)
        else:
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
