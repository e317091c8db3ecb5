"""``scicbir codec roundtrip`` on the real samples."""

from __future__ import annotations

import json

import pytest

from scicbir.cli import main


def test_roundtrip_of_a_bigearthnet_patch_folder(tiny_s2_model, data_dir, capsys):
    patch = next(p for p in sorted((data_dir / "bigearthnet").iterdir()) if p.is_dir())
    code = main(["codec", "roundtrip", str(patch), "--model", str(tiny_s2_model.path), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checksum"] == tiny_s2_model.checksum
    assert [b.split("<-")[0] for b in report["bands"]] == tiny_s2_model.config.band_names
    (tile,) = report["tiles"]
    assert (tile["width"], tile["height"]) == (120, 120)
    assert tile["bpp"] == pytest.approx(8 * tile["bytes"] / (120 * 120))
    assert 0 <= tile["code_agreement"] <= 1 and len(tile["code"]) == 8
    assert report["mean"]["bpp"] == pytest.approx(tile["bpp"])


def test_roundtrip_of_an_rgb_raster_with_edge_tiles(tiny_rgb_model, data_dir, capsys):
    raster = data_dir / "rgb" / "rmnp-rgb.tif"  # 485 x 373: edge tiles of 37 and 53 pixels
    code = main(
        [
            "codec",
            "roundtrip",
            str(raster),
            "--model",
            str(tiny_rgb_model.path),
            "--json",
            "--max-tiles",
            "9",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["tiles"]) == 9
    assert {t["width"] for t in report["tiles"]} == {64, 37}


def test_roundtrip_with_a_model_of_other_bands_is_refused(tiny_s2_model, data_dir, capsys):
    raster = data_dir / "rgb" / "rmnp-rgb.tif"
    code = main(["codec", "roundtrip", str(raster), "--model", str(tiny_s2_model.path)])
    assert code == 1
    assert "band" in capsys.readouterr().err
