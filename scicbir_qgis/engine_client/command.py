"""How the engine setting is read: the path of a Python, or a command line that serves.

One setting, two meanings, one rule:

- a **path to a Python** (an existing file, or a single word such as ``python3``) runs the local
  engine as ``PYTHON -m scicbir serve``;
- anything else is a **command line**, split like a POSIX shell would (``shlex``; no shell runs
  it, so no pipes, variables or ``~`` expansion beyond the first word) and run as given. It must
  speak the engine protocol on its stdin/stdout, e.g.
  ``ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve`` (docs/remote-engine.md).
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass

#: What a Python runs to become the engine service.
SERVE_ARGS: tuple[str, ...] = ("-m", "scicbir", "serve")


@dataclass(frozen=True)
class EngineCommand:
    """The parsed setting: ``argv`` to start, and whether it is a local Python."""

    setting: str
    argv: tuple[str, ...]
    is_python: bool

    @property
    def display(self) -> str:
        """The setting as a user reads it in messages."""
        return self.setting if self.is_python else shlex.join(self.argv)

    @property
    def program(self) -> str:
        """The program started (the Python, or the command's first word)."""
        return self.argv[0]

    def problem(self) -> str | None:
        """Why the program cannot be started here (English, for the client's messages), or
        None when it exists."""
        program = self.program
        if os.path.isabs(program):
            if not os.path.exists(program):
                return f"'{program}' does not exist"
            return None
        if shutil.which(program) is None:
            return f"'{program}' is not on PATH"
        return None


def parse_engine_setting(text: str, serve_args: tuple[str, ...] = SERVE_ARGS) -> EngineCommand:
    """Read the engine setting (see the module docstring). Raises ``ValueError`` for an empty
    setting or a command line with unbalanced quotes."""
    setting = text.strip()
    if not setting:
        raise ValueError("no engine is set")
    expanded = os.path.expanduser(setting)
    if os.path.isfile(expanded):  # a Python whose path has spaces is still a Python
        return EngineCommand(setting, (expanded, *serve_args), True)
    try:
        words = shlex.split(setting, posix=os.name != "nt")
    except ValueError as exc:
        raise ValueError(f"the engine command '{setting}' cannot be read: {exc}") from None
    if os.name == "nt":
        words = [w[1:-1] if len(w) > 1 and w[0] == w[-1] == '"' else w for w in words]
    if not words:
        raise ValueError("no engine is set")
    if len(words) == 1:
        return EngineCommand(setting, (os.path.expanduser(words[0]), *serve_args), True)
    return EngineCommand(setting, (os.path.expanduser(words[0]), *words[1:]), False)
