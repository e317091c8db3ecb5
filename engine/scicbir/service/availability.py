"""Methods whose engine module is not part of this build answer ``not_available``.

The engine is assembled from sub-packages (archive, search, training); a build without one of
them still serves the others, and a client asking for a missing one gets a clear error instead of
a fake result or a crash.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from scicbir.errors import UserFacingError


class NotAvailableError(UserFacingError):
    """The method needs an engine module that this engine build does not contain."""

    code = "not_available"


def require(module: str, name: str, method: str) -> Any:
    """Import ``module.name`` or raise ``NotAvailableError`` naming the method and module."""
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotAvailableError(
                f"'{method}' is not available in this engine build (module {module} is missing); "
                "update the engine (git pull, then scripts/setup.sh)",
                method=method,
                module=module,
            ) from None
        raise
    try:
        return getattr(loaded, name)
    except AttributeError:
        raise NotAvailableError(
            f"'{method}' is not available in this engine build ({module}.{name} is missing); "
            "update the engine (git pull, then scripts/setup.sh)",
            method=method,
            module=module,
        ) from None


def present(module: str) -> bool:
    """True when ``module`` exists in this build, without importing it (``hello`` stays instant:
    importing the archive or training modules would load torch)."""
    try:
        return importlib.util.find_spec(module) is not None
    except Exception:  # a parent package that fails to import: the method is not usable
        return False
