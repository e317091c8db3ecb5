"""Engine errors worded for the user, in the user's language.

The engine answers errors with a ``code`` (``invalid_input``, ``model_mismatch``...) and, for
the mistakes a user makes most, a finer ``data.reason`` with the fields to name
(``docs/protocol.md``, "Error codes"). The engine's own text is written for its command line
("check --crs") and is English; so the plugin words the message itself from this table, code ->
translated text with placeholders filled from ``data``, and keeps the engine's text for the
details. A code the table does not know (a newer engine) falls back to the engine's text.

A file that failed in a ``compress`` summary carries the same ``code`` and ``reason`` (with the
reason's fields in its ``data``); it is worded by a table of its own, because the summary line
already names the file and says what happened to it, not to the whole action.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine_client import EngineError
from .i18n import tr

Wording = Callable[[dict[str, Any]], str]


def _name(value: Any) -> str:
    """A file or folder as the user knows it: its name, or the value itself."""
    return Path(str(value)).name or str(value) if value else "?"


def _names(value: Any) -> str:
    """A list of band names as one text ("red, green, blue"), or the value itself."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value) if value else "?"


def _count(value: Any) -> int:
    """A count field (``bands``) as an int for Qt's plural forms; a list counts its items."""
    if isinstance(value, (list, tuple)):
        return len(value)
    return int(value)


def _reasons() -> dict[str, Wording]:
    """``data.reason`` -> wording (built per call: ``tr`` must see the installed translator)."""
    return {
        "region_outside_raster": lambda d: tr(
            "The drawn region does not overlap the query raster {file}. Draw the region over "
            "the raster, or check that the raster layer's CRS is right."
        ).format(file=_name(d.get("file"))),
        "region_nodata": lambda d: tr(
            "The drawn region covers only nodata pixels of {file}. Draw it where the raster "
            "has data."
        ).format(file=_name(d.get("file"))),
        "unknown_crs": lambda d: tr(
            "The engine does not know the map's CRS {crs}. Set the project to a CRS with an EPSG "
            "code and draw the region again."
        ).format(crs=d.get("crs", "?")),
        "raster_not_georeferenced": lambda d: tr(
            "The query raster {file} has no georeference, so a region drawn on the map cannot "
            "be placed on it. Give the raster a CRS (Raster > Projections > Assign Projection)."
        ).format(file=_name(d.get("file"))),
        "raster_missing": lambda d: tr(
            "The query raster {file} no longer exists. Choose another layer as the query."
        ).format(file=d.get("file", "?")),
        "archive_missing": lambda d: tr(
            "The archive folder {archive} does not exist. Choose a folder made in the Archive tab."
        ).format(archive=d.get("archive", "?")),
        "not_an_archive": lambda d: tr(
            "The folder {archive} is not a SCI-CBIR archive. Choose an archive folder, or make "
            "one by compressing rasters in the Archive tab."
        ).format(archive=d.get("archive", "?")),
        "archive_empty": lambda d: tr(
            "The archive {archive} holds no tiles yet. Compress rasters into it in the Archive "
            "tab first."
        ).format(archive=d.get("archive", "?")),
        "feedback_no_marks": lambda d: tr(
            "Mark at least one result as relevant or not relevant, then press Refine."
        ),
        "feedback_conflict": lambda d: tr(
            "Some results are marked both relevant and not relevant; mark each one way."
        ),
        "feedback_unknown_tiles": lambda d: tr(
            "The marked results are not in this archive any more; search again and mark the new "
            "results."
        ),
        "feedback_no_logits": lambda d: tr(
            "The archive {archive} was written by an older engine and cannot be refined. "
            "Compress its rasters into a new archive to use relevance feedback."
        ).format(archive=d.get("archive", "?")),
        "no_model_for_bands": lambda d: tr(
            "No model takes rasters with %n bands ({file} has them, and the automatic model "
            "follows the first raster). Choose the bands to use, pick a model, or train one for "
            "these bands.",
            None,
            _count(d["bands"]),
        ).format(file=_name(d.get("file"))),
        "raster_damaged": lambda d: tr(
            "The raster {file} is damaged or truncated (an incomplete download or copy?) and "
            "cannot be read. Replace it or choose another raster."
        ).format(file=_name(d.get("file"))),
        "bands_mismatch": lambda d: tr(
            "The raster {file} has %n bands, but the archive's model takes {wanted}. Choose its "
            "bands, or use an archive made from rasters like it.",
            None,
            _count(d["bands"]),
        ).format(file=_name(d.get("file")), wanted=_names(d.get("wanted"))),
        "disk_full": lambda d: tr(
            "The archive {archive} cannot be written: its disk is full. Free disk space, then "
            "press Compress again; the files finished before are kept."
        ).format(archive=d.get("archive", "?")),
        "archive_unwritable": lambda d: tr(
            "The archive {archive} cannot be written (a full disk, missing permissions or a disk "
            "error). Check free space and permissions, then press Compress again; the files "
            "finished before are kept."
        ).format(archive=d.get("archive", "?")),
        "hashing_part_changed": lambda d: tr(
            "The archive {archive} holds the hash codes of an earlier version of the model "
            "{model}: the same codec, so every tile is intact, but codes of the new version "
            "cannot be compared with them. Give the archive the new codes once with the "
            "engine's command 'scicbir archive rehash {archive} --model {model}' (no tile is "
            "re-encoded), then try again."
        ).format(archive=d.get("archive", "?"), model=d.get("given_model", "?")),
    }


def _file_reasons() -> dict[str, Wording]:
    """``reason`` of a file that failed in a ``compress`` summary -> wording of what happened to
    that file (the summary line puts the file's path before it)."""
    return {
        "raster_damaged": lambda d: tr(
            "the file is damaged or truncated (an incomplete download or copy?) and cannot be "
            "read. Replace it or remove it from the folder."
        ),
        "band_files_differ": lambda d: tr(
            "its band files differ in data type or CRS; all band files of one raster must share "
            "them."
        ),
        "bands_mismatch": lambda d: tr(
            "it has %n bands, but the archive's model takes {wanted}. Compress it into an "
            "archive of its own (automatic model), or choose its bands.",
            None,
            _count(d["bands"]),
        ).format(wanted=_names(d.get("wanted"))),
        "bands_invalid": lambda d: tr(
            "the chosen bands do not fit this raster, which has %n bands. Correct the Bands "
            "field or leave it empty.",
            None,
            _count(d["bands"]),
        ),
        "unknown_crs": lambda d: tr(
            "its CRS ({crs}) cannot be converted to longitude/latitude. Give the raster a proper "
            "CRS (Raster > Projections > Assign Projection), then press Compress again."
        ).format(crs=d.get("crs") or "?"),
        "raster_not_georeferenced": lambda d: tr(
            "it has no georeference. Give the raster a CRS (Raster > Projections > Assign "
            "Projection), then press Compress again."
        ),
        "latents_out_of_range": lambda d: tr(
            "it holds values far outside the model's range, which cannot be coded. Declare its "
            "fill value as nodata or clip its values."
        ),
        "disk_full": lambda d: tr(
            "the disk filled up while it was written. Free disk space and press Compress again; "
            "the files finished before are kept."
        ),
        "archive_unwritable": lambda d: tr(
            "the archive could not be written (a full disk, missing permissions or a disk "
            "error). Check free space and permissions, then press Compress again; the files "
            "finished before are kept."
        ),
    }


def _codes() -> dict[str, Wording]:
    """``code`` -> wording, for errors without a known reason."""
    return {
        "model_mismatch": lambda d: tr(
            "The archive was made with another model (or quality) than the one chosen. Choose "
            "'automatic' or the archive's own model, or compress into a new archive folder."
        ),
        "archive_damaged": lambda d: tr(
            "The archive's files are damaged; nothing was written. The details name the file; "
            "check and repair the archive with the engine's 'archive verify' and 'archive "
            "recover'."
        ),
        "busy": lambda d: tr(
            "Another task is already writing this archive or training output. Wait for it to "
            "finish, or cancel it in the task manager."
        ),
        "not_available": lambda d: tr(
            "This engine installation lacks a part that this action needs ({module}). "
            "Reinstall the engine."
        ).format(module=d.get("module", "?")),
        "internal_error": lambda d: tr(
            "The engine failed with an internal error. The details hold the error; please report "
            "it with the engine output from the SCI-CBIR log tab."
        ),
        "engine_died": lambda d: tr(
            "The engine stopped unexpectedly (exit code {code}). It starts again with the next "
            "action; a compression continues where it stopped."
        ).format(code=d.get("returncode", "?")),
        "timeout": lambda d: tr(
            "The engine did not answer within {seconds:g} s. It keeps running; try again."
        ).format(seconds=float(d.get("timeout") or 0)),
    }


def engine_message(code: str, message: str, data: Any = None) -> str:
    """The user's message for an engine error: worded by reason, else by code, else the
    engine's own text."""
    fields = data if isinstance(data, dict) else {}
    reason = fields.get("reason")
    wording = _reasons().get(str(reason)) if reason else None
    if wording is None:
        wording = _codes().get(code)
    if wording is None:
        return message
    try:
        return wording(fields)
    except (KeyError, ValueError, TypeError):  # a field of unexpected type: never lose the error
        return message


def file_failure_message(source: dict[str, Any]) -> str:
    """The user's words for a file that failed in a ``compress`` summary (without its path):
    worded by the file's ``reason``, else the engine's ``error`` text.

    A summary from an engine before reasons existed may put a reason in ``code``; it is looked
    up the same way. Fields come from the file's ``data``."""
    text = str(source.get("error") or "")
    fields = source.get("data") if isinstance(source.get("data"), dict) else {}
    table = _file_reasons()
    for key in (source.get("reason"), source.get("code")):
        wording = table.get(str(key)) if key else None
        if wording is None:
            continue
        try:
            return wording({**fields, "file": source.get("path")})
        except (KeyError, ValueError, TypeError):  # a field of unexpected type
            return text
    return text


def message_of(exc: EngineError) -> str:
    return engine_message(exc.code, exc.message, exc.data)
