"""Failed files in the compress summary carry a machine-readable code and reason.

The plugin words and translates a failed file from its ``code`` / ``reason`` (the engine's
``error`` text is English and speaks the command line), so every failure a user can fix must
arrive with its reason, taken from the exception that failed the file. The rasters are real:
crops of the committed Landsat sample, one reduced to a single band, one cut short like an
interrupted download.
"""

from __future__ import annotations

import errno
import json
import sqlite3

import numpy as np
import rasterio

from scicbir.archive.compress import SourceResult, _write_failure_reason, compress_folder
from scicbir.errors import InputError
from tests.archive.conftest import crop


def _bad_rasters(data_dir, folder):
    """A good 3-band crop, a 1-band copy of it and a truncated tiled GeoTIFF of the sample."""
    folder.mkdir()
    good = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", folder / "a_good.tif", 64, 64)
    with rasterio.open(good) as ds:
        profile = ds.profile | {"count": 1}
        band = ds.read(1)
    with rasterio.open(folder / "b_single.tif", "w", **profile) as out:
        out.write(band, 1)
    full = folder.parent / "full.tif"
    with rasterio.open(data_dir / "landsat" / "landsat8_224078_crop.tif") as ds:
        profile = ds.profile | {"driver": "COG", "compress": "deflate", "blocksize": 128}
        profile.pop("blockxsize", None), profile.pop("blockysize", None), profile.pop("tiled")
        with rasterio.open(full, "w", **profile) as out:
            out.write(ds.read())
    data = full.read_bytes()
    (folder / "c_cut.tif").write_bytes(data[: len(data) * 6 // 10])
    (folder / "d_header.tif").write_bytes(data[:200])  # not even a whole header


def test_failed_files_carry_code_reason_and_fields(data_dir, tiny_rgb_model, tmp_path):
    _bad_rasters(data_dir, tmp_path / "src")
    summary = compress_folder(tmp_path / "src", tmp_path / "archive", str(tiny_rgb_model.path))
    data = json.loads(json.dumps(summary.as_dict()))  # what the plugin receives
    by_name = {s["path"].rsplit("/", 1)[-1]: s for s in data["sources"]}

    assert by_name["a_good.tif"]["status"] == "added"
    assert by_name["a_good.tif"]["code"] is None and by_name["a_good.tif"]["reason"] is None

    single = by_name["b_single.tif"]
    assert (single["status"], single["code"], single["reason"]) == (
        "failed",
        "invalid_input",
        "bands_mismatch",
    )
    assert single["data"]["bands"] == 1 and len(single["data"]["wanted"]) == 3
    assert "cannot map its 1 bands" in single["error"]  # the engine's text stays

    for name in ("c_cut.tif", "d_header.tif"):
        failed = by_name[name]
        assert (failed["status"], failed["code"], failed["reason"]) == (
            "failed",
            "invalid_input",
            "raster_damaged",
        ), failed
        assert failed["data"]["file"].endswith(name)
    assert data["failed"] == 3


def test_a_failure_without_a_known_reason_has_a_code_only():
    plain = SourceResult.failure("x.tif", RuntimeError("boom"), "x.tif: RuntimeError: boom")
    assert (plain.code, plain.reason, plain.data) == ("internal_error", None, {})
    assert plain.error == "x.tif: RuntimeError: boom"


def test_latent_fields_are_json_safe():
    """The latent-range error carries the largest value, which may be inf or NaN."""
    error = InputError(
        "cannot be coded", tiles=[0, 2], reason="latents_out_of_range", largest=float("inf")
    )
    result = SourceResult.failure("x.tif", error)
    assert (result.code, result.reason) == ("invalid_input", "latents_out_of_range")
    assert result.data == {"tiles": [0, 2], "largest": "inf"}
    json.dumps(result.data, allow_nan=False)
    assert SourceResult.failure("x.tif", InputError("e", v=np.float32(1.5))).data == {"v": "1.5"}


def test_disk_full_is_told_apart_from_other_write_failures():
    assert _write_failure_reason(OSError(errno.ENOSPC, "No space left on device")) == "disk_full"
    assert _write_failure_reason(OSError(errno.EFBIG, "File too large")) == "disk_full"
    assert _write_failure_reason(OSError(errno.EROFS, "Read-only")) == "archive_unwritable"
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # what sqlite3 sets for SQLITE_FULL
    assert _write_failure_reason(full) == "disk_full"
    assert _write_failure_reason(sqlite3.OperationalError("locked")) == "archive_unwritable"
