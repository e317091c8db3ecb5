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

``EngineClient.for_setting("ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve", path_map=...)``
drives an engine on another machine (docs/remote-engine.md). The protocol is described in
docs/protocol.md.
"""

from .client import PROTOCOL_VERSION, EngineClient, JobState
from .command import EngineCommand, parse_engine_setting
from .environment import clean_environment
from .errors import (
    EngineDiedError,
    EngineError,
    EngineStartError,
    EngineTimeoutError,
    RemotePathError,
)
from .paths import PathMap, PathMapping

__all__ = [
    "PROTOCOL_VERSION",
    "EngineClient",
    "EngineCommand",
    "EngineDiedError",
    "EngineError",
    "EngineStartError",
    "EngineTimeoutError",
    "JobState",
    "PathMap",
    "PathMapping",
    "RemotePathError",
    "clean_environment",
    "parse_engine_setting",
]
