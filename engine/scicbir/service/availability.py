"""Methods whose engine module is not part of this build answer ``not_available``.

The engine is assembled from sub-packages (archive, search, training); a build without one of
them still serves the others, and a client asking for a missing one gets a clear error instead of
a fake result or a crash. The server checks a method's module (``Method.module``) with
``present`` before dispatching; handlers then import what they use as usual.
"""

from __future__ import annotations

import importlib.util

from scicbir.errors import UserFacingError


class NotAvailableError(UserFacingError):
    """The method needs an engine module that this engine build does not contain."""

    code = "not_available"


def present(module: str) -> bool:
    """True when ``module`` exists in this build, without importing it (``hello`` stays instant:
    importing the archive or training modules would load torch)."""
    try:
        return importlib.util.find_spec(module) is not None
    except Exception:  # a parent package that fails to import: the method is not usable
        return False
