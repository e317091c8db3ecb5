"""Compress and decode as typed requests: what ``scicbir compress``/``decode`` and the service's
``compress``/``decode`` methods build, with every default written once.

Each front door maps its own input (argparse, JSON params) to a request; ``run_compress`` and
``run_decode`` are the one entry point of each use case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.params import Params, ParamsError
from scicbir.progress import CancelToken, Progress

COMPRESS_FIELDS = (
    "input", "archive", "model", "bands", "band_names", "workers", "batch_size", "psnr",
    "quality", "cluster",
)  # fmt: skip
DECODE_FIELDS = ("archive", "tiles", "out_dir", "source", "out")


@dataclass(frozen=True)
class CompressRequest:
    """Compress ``input`` (a raster or a folder of rasters) into the archive ``archive``.

    ``workers`` 0 = auto (``compress.auto_workers``: in-process for small jobs, two processes on
    two or more cores), ``quality`` the model's rate point (None: the archive's or the default).
    ``cluster``: encode on a Dask cluster instead, a scheduler address (``tcp://host:8786``) or
    ``local:N`` (N worker processes on this machine, on the loopback); see docs/cluster.md.
    """

    input: str
    archive: str
    model: str | None = None
    bands: tuple[int | str, ...] | None = None
    band_names: tuple[str, ...] | str | None = None
    workers: int = 0
    batch_size: int = 8
    psnr: bool = True
    quality: int | None = None
    cluster: str | None = None

    def __post_init__(self) -> None:
        if self.bands is not None and not isinstance(self.bands, tuple):
            object.__setattr__(self, "bands", tuple(self.bands))
        if isinstance(self.band_names, list):
            object.__setattr__(self, "band_names", tuple(self.band_names))
        if self.workers < 0 or self.batch_size < 1:
            raise InputError("workers must be 0 (auto) or more and batch_size at least 1")
        if self.cluster is not None:
            from scicbir.archive.cluster import check_cluster

            object.__setattr__(self, "cluster", check_cluster(self.cluster))
            if self.workers:
                raise InputError(
                    "give either workers (processes on this machine) or cluster (a Dask "
                    "cluster, e.g. local:2), not both",
                    field="cluster",
                )
        if not Path(self.input).exists():
            raise InputError(
                f"{self.input} does not exist; give a raster file or a folder of rasters",
                file=str(self.input),
            )

    def options(self):
        from scicbir.archive.compress import CompressOptions

        return CompressOptions(
            bands=list(self.bands) if self.bands is not None else None,
            band_names=list(self.band_names)
            if isinstance(self.band_names, tuple)
            else self.band_names,
            workers=self.workers,
            batch_size=self.batch_size,
            psnr=self.psnr,
            quality=self.quality,
            cluster=self.cluster,
        )

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CompressRequest:
        """The request of the service's ``compress`` params (``ParamsError`` names a bad one)."""
        p = Params("compress", params, COMPRESS_FIELDS)
        band_names = p.any("band_names")
        if band_names is not None and not isinstance(band_names, str | list):
            raise ParamsError(
                "compress", "'band_names' must be a preset or a list of names", "band_names"
            )
        cluster = p.str("cluster")
        if cluster is not None:
            from scicbir.archive.cluster import check_cluster

            try:
                cluster = check_cluster(cluster)
            except InputError as exc:
                raise ParamsError("compress", str(exc), "cluster") from exc
            if p.int("workers", 0, minimum=0):
                raise ParamsError(
                    "compress", "give either 'workers' or 'cluster', not both", "cluster"
                )
        return cls(
            input=str(p.path("input", required=True)),
            archive=str(p.path("archive", required=True)),
            model=p.str("model"),
            bands=_bands(p),
            band_names=band_names,
            workers=p.int("workers", 0, minimum=0) or 0,
            batch_size=p.int("batch_size", 8, minimum=1) or 8,
            psnr=bool(p.bool("psnr", True)),
            quality=p.int("quality", None, minimum=1),
            cluster=cluster,
        )


def _bands(p: Params) -> tuple[int | str, ...] | None:
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
        return tuple(value)
    raise ParamsError(
        "compress",
        f"'bands' must list the raster bands feeding the model's bands, as 1-based "
        f"numbers or band names (e.g. [4, 3, 2]), got {value!r}",
        "bands",
    )


def run_compress(
    request: CompressRequest,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
):
    """Compress as requested; returns the ``CompressSummary``."""
    from scicbir.archive.compress import compress_folder

    return compress_folder(
        request.input,
        request.archive,
        request.model,
        options=request.options(),
        progress=progress,
        cancel=cancel,
    )


@dataclass(frozen=True)
class DecodeRequest:
    """Decode archive tiles (``tiles``: one GeoTIFF each, ``out_dir/tile_<id>.tif``, or ``out``
    for a single tile) or a whole source raster (``source`` -> ``out``)."""

    archive: str
    tiles: tuple[int, ...] = field(default_factory=tuple)
    out_dir: str | None = None
    source: str | None = None
    out: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.tiles, tuple):
            object.__setattr__(self, "tiles", tuple(self.tiles))
        if bool(self.tiles) == (self.source is not None):
            raise InputError(
                "decode: give either 'tiles' (with 'out_dir') or 'source' (with 'out')"
            )
        if self.source is not None and self.out is None:
            raise InputError("decode: a source is decoded into 'out' (a GeoTIFF path)")
        if self.tiles and self.out_dir is None and not (len(self.tiles) == 1 and self.out):
            raise InputError("decode: tiles are decoded into 'out_dir' (a folder)")

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DecodeRequest:
        p = Params("decode", params, DECODE_FIELDS)
        tiles = p.int_list("tiles")
        source = p.str("source")
        if tiles is None and source is None:
            raise InputError(
                "decode: give either 'tiles' (with 'out_dir') or 'source' (with 'out')"
            )
        if tiles is not None:
            p.path("out_dir", required=True)
        else:
            p.path("out", required=True)
        out_dir, out = p.path("out_dir"), p.path("out")
        return cls(
            archive=str(p.path("archive", required=True)),
            tiles=tuple(tiles or ()),
            out_dir=str(out_dir) if out_dir is not None else None,
            source=source,
            out=str(out) if out is not None else None,
        )


@dataclass
class DecodeResult:
    """``files``: [{"tile_id", "path"}] for tiles; ``path`` and ``damaged_tiles`` for a source."""

    files: list[dict[str, Any]] = field(default_factory=list)
    path: str | None = None
    damaged_tiles: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        if self.path is None:
            return {"files": self.files}
        return {"path": self.path, "damaged_tiles": self.damaged_tiles}


def run_decode(
    request: DecodeRequest,
    progress: Progress | None = None,
    on_archive: Any = None,
) -> DecodeResult:
    """Decode as requested, the archive opened read-only. ``on_archive`` sees the opened
    archive first (the service gives it its cached codec)."""
    from scicbir.archive.decode import decode_source, decode_tile_to_file
    from scicbir.archive.store import Archive

    with Archive.open(request.archive, read_only=True) as archive:
        if on_archive is not None:
            on_archive(archive)
        if request.tiles:
            files = []
            for t in request.tiles:
                if len(request.tiles) == 1 and request.out and request.out_dir is None:
                    target = Path(request.out)
                else:
                    target = Path(request.out_dir or ".") / f"tile_{t}.tif"
                files.append({"tile_id": t, "path": str(decode_tile_to_file(archive, t, target))})
            return DecodeResult(files=files)
        damaged: list[int] = []
        path = decode_source(
            archive, request.source, Path(request.out), progress=progress, damaged=damaged
        )
        return DecodeResult(path=str(path), damaged_tiles=damaged)
