"""Files that failed in a compression are worded by the plugin from the engine's reason code, in
the user's language; the engine's own (English, command-line) text goes behind the details
button of the warning."""

from __future__ import annotations

import pytest
from qgis.core import Qgis

from .conftest import wait_for_task
from .test_engine_messages import plugin_language

pytestmark = pytest.mark.qgis

ENGINE_TEXT = "/data/single.tif: cannot map its 1 bands (B1) to the model's 3 bands; pass --bands"

#: One failed file per reason the engine gives, as in a ``compress`` summary; the German text
#: each must show (the start of it).
FAILURES = {
    "bands_mismatch": (
        {"bands": 1, "found": ["B1"], "wanted": ["red", "green", "blue"]},
        "Das Raster hat 1 Band, das Modell des Archivs nimmt aber red, green, blue.",
    ),
    "raster_damaged": ({}, "Die Datei ist beschädigt oder abgeschnitten"),
    "band_files_differ": ({}, "Die Banddateien des Rasters unterscheiden sich"),
    "bands_invalid": ({"bands": 4}, "Die gewählten Bänder passen nicht zu diesem Raster mit 4 Bändern."),
    "unknown_crs": ({"crs": "LOCAL_CS[...]"}, "Das KBS des Rasters (LOCAL_CS[...]) lässt sich nicht"),
    "raster_not_georeferenced": ({}, "Das Raster hat keinen Raumbezug."),
    "latents_out_of_range": ({"tiles": [0], "largest": "inf"}, "Das Raster enthält Werte weit"),
    "disk_full": ({"archive": "/data/archive"}, "Der Datenträger wurde voll"),
    "archive_unwritable": ({"archive": "/data/archive"}, "Das Archiv konnte nicht geschrieben"),
}  # fmt: skip


def _summary() -> dict:
    failed = [
        {
            "path": f"/data/{reason}.tif",
            "status": "failed",
            "error": ENGINE_TEXT,
            "code": "invalid_input",
            "reason": reason,
            "data": data,
        }
        for reason, (data, _) in FAILURES.items()
    ]
    failed.append(  # no reason: the engine's text is all there is
        {"path": "/data/odd.tif", "status": "failed", "error": "odd: RuntimeError: boom",
         "code": "internal_error", "reason": None, "data": {}}
    )  # fmt: skip
    return {
        "sources": [*failed, {"path": "/data/good.tif", "status": "added", "tiles": 4}],
        "added": 1, "replaced": 0, "unchanged": 0, "failed": len(failed), "tiles": 4,
        "seconds": 1.0,
    }  # fmt: skip


def test_failed_files_are_worded_in_german(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, tmp_path
):
    from scicbir_qgis.ui.archive_panel import ArchivePanel

    bar = qgis_iface.messageBar()
    bar.clear_messages()
    with plugin_language(qgis_iface, "de_DE"):
        panel = ArchivePanel(qgis_iface, None, engine_session)
        panel._done(str(tmp_path), _summary())
        text = panel.summary.toPlainText()
        panel.shutdown()
    lines = text.splitlines()
    assert f"{len(FAILURES) + 1} Dateien fehlgeschlagen:" in lines
    for reason, (_, german) in FAILURES.items():
        (line,) = [line for line in lines if line.startswith(f"/data/{reason}.tif: ")]
        assert line.startswith(f"/data/{reason}.tif: {german}"), line
        assert "--bands" not in line, "no command line in the worded text"
    assert "/data/odd.tif: odd: RuntimeError: boom" in lines
    (warning,) = bar.get_messages(Qgis.Warning)
    assert "10 Dateien fehlgeschlagen" in warning


def test_engine_text_goes_to_the_details(qgis_iface, qgis_new_project):
    from scicbir_qgis.core.compress_summary import failure_details, failures_of

    summary = _summary()
    details = failure_details(summary)
    assert f"{ENGINE_TEXT} [bands_mismatch]" in details.splitlines()
    assert "odd: RuntimeError: boom [internal_error]" in details.splitlines()
    # English without a translator, one band in the singular form of the English catalogue
    (line,) = [f for f in failures_of(summary) if f.startswith("/data/bands_mismatch.tif")]
    assert "it has 1 band" in line or "it has 1 bands" in line
    # a field of an unexpected type never loses the failure: the engine's text stays
    odd = {"path": "/x.tif", "status": "failed", "error": "engine words", "code": "invalid_input",
           "reason": "bands_mismatch", "data": {"bands": "many"}}  # fmt: skip
    assert failures_of({"sources": [odd]}) == ["/x.tif: engine words"]


@pytest.mark.slow  # 10-40 s on 2 shared cores (engine start, real coding)
def test_real_failed_rasters_are_worded_in_german(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, data_dir, tmp_path,
    tiny_rgb_model,
):  # fmt: skip
    """A 1-band raster and a truncated GeoTIFF, made from the committed samples, compressed by
    the real engine through the Archive tab: each failed file is worded in German from the
    reason the engine sent."""
    import rasterio
    from osgeo import gdal

    from scicbir_qgis.ui.archive_panel import ArchivePanel

    source = tmp_path / "rasters"
    source.mkdir()
    good = source / "a_good.tif"
    gdal.Translate(str(good), str(data_dir / "rgb" / "neon_OSBS_029.tif"), srcWin=[0, 0, 64, 64])
    with rasterio.open(good) as ds:
        profile = ds.profile | {"count": 1}
        band = ds.read(1)
    with rasterio.open(source / "b_single.tif", "w", **profile) as out:
        out.write(band, 1)
    whole = tmp_path / "whole.tif"
    gdal.Translate(
        str(whole), str(data_dir / "rgb" / "neon_OSBS_029.tif"),
        creationOptions=["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=128", "BLOCKYSIZE=128"],
    )  # fmt: skip
    data = whole.read_bytes()
    (source / "c_cut.tif").write_bytes(data[: len(data) * 6 // 10])  # an interrupted copy

    with plugin_language(qgis_iface, "de_DE"):
        panel = ArchivePanel(qgis_iface, None, engine_session)
        panel.source_edit.setFilePath(str(source))
        panel.archive_edit.setFilePath(str(tmp_path / "archive"))
        panel.model_combo.setCurrentText(str(tiny_rgb_model.path))
        panel.confirm = lambda _text: True  # the band warning: compress anyway
        wait_for_task(panel.compress(), timeout=300)
        text = panel.summary.toPlainText()
        panel.shutdown()
    assert "2 Dateien fehlgeschlagen:" in text, text
    assert f"{source / 'b_single.tif'}: Das Raster hat 1 Band, das Modell des Archivs" in text
    assert f"{source / 'c_cut.tif'}: Die Datei ist beschädigt oder abgeschnitten" in text
    assert "cannot map" not in text and "--bands" not in text
