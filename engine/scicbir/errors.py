"""Errors a user can act on.

Every failure caused by input (a file, a band list, a region, a model) is raised as a
``UserFacingError`` subclass whose message names the thing at fault and the fix. The CLI prints
the message without a traceback; the service turns it into an error reply with ``code`` and
``data``.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is meant for the user, not a developer."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str, **data: object) -> None:
        super().__init__(message)
        self.data = data


class InputError(UserFacingError):
    """Bad input file or parameter (corrupt raster, wrong bands, empty region...)."""

    code = "invalid_input"


class ModelMismatchError(UserFacingError):
    """An archive or bitstream was made with a different model than the one given."""

    code = "model_mismatch"


class CancelledError(UserFacingError):
    """A job was cancelled by the user; state was left consistent."""

    code = "cancelled"
    exit_code = 130


class ArchiveDamagedError(InputError):
    """An archive's catalog, packs or index are damaged; the message says what and how to recover.

    Raised instead of writing into a damaged archive (which could destroy what is still
    readable) and instead of a raw SQLite error, so that the user learns which file is at fault
    and that ``scicbir archive verify`` / ``recover`` exist.
    """

    code = "archive_damaged"
