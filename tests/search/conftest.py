"""A real archive for the search tests: committed samples compressed with the tiny RGB model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def search_archive(tmp_path_factory, tiny_rgb_model, data_dir) -> dict[str, Path]:
    """Archive of a Landsat 8 crop (3 bands, UTM 21S, 360x360 px: 36 tiles of 64 px).

    The raster is copied first so that the archive's source path is the test's own; the NEON
    photo (not in the archive) serves as an outside query raster. The model is the tiny RGB
    model with an ONNX export of its analysis transform and hash head.
    """
    from scicbir.archive.compress import CompressOptions, compress_folder
    from scicbir.models.onnx_export import export_analysis
    from scicbir.models.package import ModelPackage

    root = tmp_path_factory.mktemp("search")
    model = root / "model"  # a copy with an ONNX export, so queries can run without torch
    shutil.copytree(tiny_rgb_model.path, model)
    export_analysis(ModelPackage.load(model))
    src = root / "src"
    src.mkdir()
    shutil.copy(data_dir / "landsat" / "landsat8_224078_crop.tif", src)
    archive = root / "archive"
    summary = compress_folder(src, archive, str(model), options=CompressOptions(psnr=False))
    assert summary.ok, summary.as_dict()
    return {
        "archive": archive,
        "landsat": src / "landsat8_224078_crop.tif",
        "neon": data_dir / "rgb" / "neon_OSBS_029.tif",
        "root": root,
        "model": model,
    }


@pytest.fixture(scope="session")
def searcher(search_archive):
    from scicbir.search.query import Searcher

    return Searcher(search_archive["archive"])
