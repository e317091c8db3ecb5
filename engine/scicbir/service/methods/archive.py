"""Methods on archive folders: archive.info, archive.verify, compress (job), index.rebuild (job),
decode."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scicbir.errors import InputError
from scicbir.service.availability import require
from scicbir.service.jobs import JobPlan
from scicbir.service.params import Params, ParamsError

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.archive"


def archive_resource(path: os.PathLike | str) -> str:
    """The lock name of an archive folder: one writing job per folder at a time."""
    return "archive:" + os.path.realpath(os.fspath(path))


def archive_info(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    p = Params("archive.info", params, ("archive",))
    archive = p.path("archive", required=True)
    info = require("scicbir.archive.info", "archive_info", "archive.info")
    return info(archive)


def archive_verify(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """The read-only health report of ``scicbir archive verify`` (``ok`` false when damaged)."""
    p = Params("archive.verify", params, ("archive",))
    archive = p.path("archive", required=True)
    verify = require("scicbir.archive.verify", "verify_archive", "archive.verify")
    return verify(archive)


def compress(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params(
        "compress",
        params,
        (
            "input",
            "archive",
            "model",
            "bands",
            "band_names",
            "workers",
            "batch_size",
            "psnr",
            "quality",
        ),
    )
    source = p.path("input", required=True)
    archive = p.path("archive", required=True)
    model = p.str("model")
    bands = _bands(p)
    band_names = p.any("band_names")
    if band_names is not None and not isinstance(band_names, str | list):
        raise ParamsError(
            "compress", "'band_names' must be a preset or a list of names", "band_names"
        )
    compress_folder = require("scicbir.archive.compress", "compress_folder", "compress")
    options_type = require("scicbir.archive.compress", "CompressOptions", "compress")
    options = options_type(
        bands=bands,
        band_names=band_names,
        workers=p.int("workers", 1, minimum=1),
        batch_size=p.int("batch_size", 8, minimum=1),
        psnr=p.bool("psnr", True),
        quality=p.int("quality", None, minimum=1),
    )
    if not source.exists():
        raise InputError(
            f"{source} does not exist; give a raster file or a folder of rasters", file=str(source)
        )

    def run(progress, cancel) -> dict[str, Any]:
        summary = compress_folder(
            source, archive, model, options=options, progress=progress, cancel=cancel
        )
        return summary.as_dict()

    return JobPlan(
        run,
        archive_resource(archive),
        {"input": str(source), "archive": str(archive), "model": model},
    )


def _bands(p: Params) -> list[int | str] | None:
    value = p.any("bands")
    if value is None:
        return None
    if (
        isinstance(value, list)
        and value
        and all(
            (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v)
            for v in value
        )
    ):
        return list(value)
    raise ParamsError(
        "compress",
        f"'bands' must list the raster bands feeding the model's bands, as 1-based "
        f"numbers or band names (e.g. [4, 3, 2]), got {value!r}",
        "bands",
    )


def index_rebuild(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("index.rebuild", params, ("archive",))
    folder = p.path("archive", required=True)
    archive_type = require("scicbir.archive.store", "Archive", "index.rebuild")

    def run(progress, cancel) -> dict[str, Any]:
        progress(0, 1, "rebuilding the index")
        with archive_type.open(folder) as archive:
            index = archive.rebuild_index()
        progress(1, 1, "index rebuilt")
        return {"archive": str(folder), "tiles": int(index.ntotal)}

    return JobPlan(run, archive_resource(folder), {"archive": str(folder)})


def decode(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Tiles -> one GeoTIFF each in ``out_dir``, or a whole source raster -> ``out``."""
    p = Params("decode", params, ("archive", "tiles", "out_dir", "source", "out"))
    folder = p.path("archive", required=True)
    tiles = p.int_list("tiles")
    source = p.str("source")
    if (tiles is None) == (source is None):
        raise InputError("decode: give either 'tiles' (with 'out_dir') or 'source' (with 'out')")
    archive_type = require("scicbir.archive.store", "Archive", "decode")
    with archive_type.open(folder, read_only=True) as archive:
        service.objects.bind(archive)
        if tiles is not None:
            out_dir = p.path("out_dir", required=True)
            decode_tile_to_file = require("scicbir.archive.decode", "decode_tile_to_file", "decode")
            files = [
                {
                    "tile_id": t,
                    "path": str(decode_tile_to_file(archive, t, out_dir / f"tile_{t}.tif")),
                }
                for t in tiles
            ]
            return {"files": files}
        out = p.path("out", required=True)
        decode_source = require("scicbir.archive.decode", "decode_source", "decode")
        damaged: list[int] = []
        path = decode_source(archive, source, Path(out), damaged=damaged)
        return {"path": str(path), "damaged_tiles": damaged}
