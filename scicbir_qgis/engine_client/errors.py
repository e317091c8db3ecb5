"""Exceptions raised by the engine client.

They carry what the plugin needs to show the user a useful message: the engine's own error code,
message and data for a failed request, the tail of the engine's stderr when it died, and what to
do when the engine cannot be started at all.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """The engine answered a request with an error reply (or a job ended in an error).

    ``code`` is the engine's error code (``invalid_input``, ``model_mismatch``, ``cancelled``,
    ``invalid_params``, ``method_not_found``, ``not_available``, ``internal_error``...), ``message``
    the engine's text meant for the user, ``data`` any extra fields (file, band, job...).
    """

    def __init__(self, code: str, message: str, data: Any = None, method: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.method = method

    @property
    def cancelled(self) -> bool:
        """True when the error only says that the user cancelled the job."""
        return self.code == "cancelled"

    def __str__(self) -> str:
        return self.message


class EngineStartError(EngineError):
    """The engine process could not be started or did not answer ``hello``.

    The message names the interpreter tried and what to do (run ``scripts/setup.sh``, or point
    the plugin's "Engine Python" setting at a Python where ``scicbir`` is installed).
    """

    def __init__(self, message: str, stderr_tail: str = "", python: str | None = None):
        super().__init__("engine_start", message, {"python": python, "stderr": stderr_tail})
        self.stderr_tail = stderr_tail
        self.python = python


class EngineDiedError(EngineError):
    """The engine process ended while a request or job was outstanding (crash, kill, OOM).

    The next ``call`` starts a fresh engine; jobs are not restarted automatically, but the
    engine's jobs are resumable (compressing into the same archive continues where it stands).
    """

    def __init__(self, message: str, returncode: int | None = None, stderr_tail: str = ""):
        super().__init__("engine_died", message, {"returncode": returncode, "stderr": stderr_tail})
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class EngineTimeoutError(EngineError):
    """No reply came within the request's timeout. The engine keeps running."""

    def __init__(self, method: str, timeout: float):
        super().__init__(
            "timeout",
            f"the engine did not answer '{method}' within {timeout:g} s",
            {"timeout": timeout},
            method,
        )


class RemotePathError(EngineError):
    """The engine (on another machine) cannot see a path that exists on this one.

    Raised instead of the engine's ``invalid_input`` "does not exist" when the local path is
    there: the path mapping setting lacks the folder, maps it wrongly, or the share is not
    mounted on the engine's machine. ``data`` holds ``param``, ``local``, ``remote`` (what the
    path became), ``mapped`` (whether a mapping applied) and the engine's own ``engine_error``.
    """

    def __init__(
        self,
        param: str,
        local: str,
        remote: str,
        engine_error: EngineError,
        message: str | None = None,
    ):
        mapped = local != remote
        if message is None:
            sent = (
                f"sent to the engine as '{remote}' by the path mapping"
                if mapped
                else "sent unchanged (no path mapping covers it)"
            )
            message = (
                f"the engine cannot see the {param} '{local}' ({sent}): the engine answered "
                f"'{engine_error.message}'. Add or correct a pair 'local folder <-> engine "
                "folder' in the path mapping setting (Settings > Options > SCI-CBIR, "
                "'Path mapping') so that this folder is reached on the engine's machine, or "
                "mount the share there."
            )
        super().__init__(
            "path_not_visible",
            message,
            {
                "param": param,
                "local": local,
                "remote": remote,
                "mapped": mapped,
                "engine_error": {
                    "code": engine_error.code,
                    "message": engine_error.message,
                    "data": engine_error.data,
                },
            },
            engine_error.method,
        )
        self.param = param
        self.local = local
        self.remote = remote
        self.engine_error = engine_error
