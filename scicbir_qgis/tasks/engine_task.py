"""A ``QgsTask`` that runs one piece of engine work off the main thread.

The work function runs in a worker thread and may only talk to the engine (never to widgets or
the project). Progress goes to QGIS's task manager and, through a queued signal, to the panel;
``finished`` runs on the main thread, where results are added to the map and errors are shown
in the message bar, worded by the plugin from the engine's error code (``core/messages.py``),
with the engine's own text in the details and the "SCI-CBIR" log tab.

Work the user cancelled ends as a completed task (``run`` returns True, the description says
"cancelled"): QGIS announces every terminated task as "Task failed", which is wrong for a
training run that stopped cleanly at a checkpoint because it was asked to.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..core import log
from ..core.engine import EngineUnavailableError, JobCancelledError
from ..core.i18n import tr
from ..core.messages import message_of
from ..engine_client import EngineError

# Tasks must stay referenced from Python until they end, or PyQt deletes them under QGIS.
_RUNNING: set[EngineTask] = set()


class TaskContext:
    """What the work function gets: progress reporting and the cancel flag."""

    def __init__(self, task: EngineTask) -> None:
        self._task = task

    def is_cancelled(self) -> bool:
        return self._task.isCanceled()

    def progress(self, event: dict) -> None:
        """Take one engine progress event (``done``, ``total``, ``message``, ``figures``)."""
        done, total = event.get("done") or 0, event.get("total") or 0
        if total:
            self._task.setProgress(min(100.0, 100.0 * float(done) / float(total)))
        self._task.progressEvent.emit(dict(event))


class EngineTask(QgsTask):
    """Runs ``work(context)``; calls ``on_done(result)`` or ``on_error(message, details)``.

    ``on_cancelled`` runs when the user cancelled. All three run on the main thread.
    """

    progressEvent = pyqtSignal(dict)  # noqa: N815 (Qt signal name)

    def __init__(
        self,
        description: str,
        work: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str, str], None],
        on_cancelled: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(description, QgsTask.CanCancel)
        self.work = work
        self.on_done = on_done
        self.on_error = on_error
        self.on_cancelled = on_cancelled
        self.result_value: Any = None
        self.error_message = ""
        self.error_details = ""
        self.was_cancelled = False

    def run(self) -> bool:
        try:
            self.result_value = self.work(TaskContext(self))
            return True
        except JobCancelledError:
            return self._ended_cancelled()
        except EngineUnavailableError as exc:
            self.error_message, self.error_details = str(exc), exc.details
        except EngineError as exc:
            if exc.cancelled:
                return self._ended_cancelled()
            else:
                self.error_message = message_of(exc)
                self.error_details = _engine_details(exc)
        except Exception as exc:  # anything else is a bug: keep QGIS alive, log the trace
            self.error_message = f"{type(exc).__name__}: {exc}"
            self.error_details = traceback.format_exc()
        return False

    def _ended_cancelled(self) -> bool:
        """A clean stop on the user's request: not a failure (see the module docstring)."""
        self.was_cancelled = True
        self.setDescription(tr("{task} (cancelled)").format(task=self.description()))
        return True

    def finished(self, ok: bool) -> None:
        try:
            if self.was_cancelled or (not ok and self.isCanceled() and not self.error_message):
                if self.on_cancelled is not None:
                    self.on_cancelled()
            elif ok:
                self.on_done(self.result_value)
            else:
                if self.error_details:
                    log.critical(
                        f"{self.description()}: {self.error_message}\n{self.error_details}"
                    )
                self.on_error(self.error_message, self.error_details)
        except Exception:  # a failing callback must not take QGIS down
            log.critical(traceback.format_exc())
        finally:
            _RUNNING.discard(self)


def _engine_details(exc: EngineError) -> str:
    """The engine's own text and fields, behind the translated message's details button."""
    parts = [tr("Engine message: {message}").format(message=exc.message), f"code: {exc.code}"]
    if exc.method:
        parts.append(f"method: {exc.method}")
    if exc.data:
        parts.append(f"data: {exc.data}")
    return "\n".join(parts)


def submit(task: EngineTask) -> EngineTask:
    """Hand ``task`` to QGIS's task manager (progress bar, cancel button)."""
    _RUNNING.add(task)
    QgsApplication.taskManager().addTask(task)
    return task
