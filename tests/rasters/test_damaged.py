"""A truncated Cloud Optimized GeoTIFF is reported by name as damaged, not as "Read failed"."""

from __future__ import annotations

import rasterio

from scicbir.archive.compress import compress_folder


def test_truncated_cog_is_named_and_called_damaged(data_dir, tiny_rgb_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    full = tmp_path / "full.tif"
    with rasterio.open(data_dir / "landsat" / "landsat8_224078_crop.tif") as ds:
        profile = ds.profile | {"driver": "COG", "compress": "deflate", "blocksize": 128}
        profile.pop("blockxsize", None), profile.pop("blockysize", None), profile.pop("tiled")
        with rasterio.open(full, "w", **profile) as out:
            out.write(ds.read())
    data = full.read_bytes()
    (src / "cut.tif").write_bytes(data[: len(data) * 6 // 10])  # an interrupted download

    summary = compress_folder(src, tmp_path / "archive", str(tiny_rgb_model.path))
    (result,) = summary.sources
    assert result.status == "failed"
    assert str(src / "cut.tif") in result.error
    assert "damaged or truncated" in result.error
    assert "See previous exception" not in result.error
