"""Client for the SCI-CBIR engine service (JSON lines over a child process's stdin/stdout).

Pure standard library and free of Qt/QGIS imports, so that the plugin, the tests and plain scripts
share it. Typical use::

    from scicbir_qgis.engine_client import EngineClient, EngineError

    client = EngineClient("/path/to/.venv/bin/python")
    client.start()                                   # hello; raises EngineStartError with a fix
    models = client.call("models")
    job = client.start_job("compress", {"input": "...", "archive": "..."}, on_progress=print)
    result = client.wait_job(job)                    # or client.cancel(job)
    client.stop()

The protocol is described in docs/protocol.md.
"""

from .client import PROTOCOL_VERSION, EngineClient, JobState
from .environment import clean_environment
from .errors import EngineDiedError, EngineError, EngineStartError, EngineTimeoutError

__all__ = [
    "PROTOCOL_VERSION",
    "EngineClient",
    "EngineDiedError",
    "EngineError",
    "EngineStartError",
    "EngineTimeoutError",
    "JobState",
    "clean_environment",
]
