"""Real samples as arrays: the two BigEarthNet-S2 patches (12 bands, 120x120) and an RGB crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

S2_ORDER = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]


def copy_with_onnx_exports(package, target: Path):
    """A copy of model ``package`` at ``target`` with its ONNX exports written, loaded."""
    import shutil

    from scicbir.models.onnx_export import export_analysis
    from scicbir.models.package import ModelPackage

    shutil.copytree(package.path, target)
    export_analysis(ModelPackage.load(target))
    return ModelPackage.load(target)


def read_bigearthnet_patch(folder: Path) -> np.ndarray:
    """(12, 120, 120) uint16, 20 m / 60 m bands cubic-upsampled to 120x120 (the paper's step)."""
    import rasterio
    from rasterio.enums import Resampling

    bands = []
    for band in S2_ORDER:
        (path,) = folder.glob(f"*_{band}.tif")
        with rasterio.open(path) as ds:
            bands.append(ds.read(1, out_shape=(120, 120), resampling=Resampling.cubic))
    return np.stack(bands)


@pytest.fixture(scope="session")
def s2_patches(data_dir: Path) -> np.ndarray:
    folders = sorted(p for p in (data_dir / "bigearthnet").iterdir() if p.is_dir())
    return np.stack([read_bigearthnet_patch(f) for f in folders])


@pytest.fixture(scope="session")
def rgb_image(data_dir: Path) -> np.ndarray:
    """(3, 400, 400) uint8 NEON aerial image."""
    import rasterio

    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        return ds.read()


def make_context_package(path: Path, context: str, **kwargs):
    """``make_random_package(path, **kwargs)`` with the latent codec's ``context`` set."""
    import dataclasses

    import torch

    from scicbir.models import testing
    from scicbir.models.network import SciCbirNet
    from scicbir.models.package import ModelPackage

    base = testing.make_random_package(path / "base", **kwargs)
    config = dataclasses.replace(base.config, context=context, name=f"{base.config.name}-{context}")
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(kwargs.get("seed", 0))
        net = SciCbirNet(config)
        testing._calibrate_latents(net, kwargs.get("latent_std", 4.0))
    finally:
        torch.random.set_rng_state(state)
    return ModelPackage.save(net, config, path / context)


@pytest.fixture(scope="session")
def checkerboard_rgb_model(tmp_path_factory):
    """Like ``tiny_rgb_model`` (3 bands, tile 64, N=M=32), with the checkerboard context."""
    return make_context_package(
        tmp_path_factory.mktemp("models"), "checkerboard", bands=3, tile_size=64, N=32, M=32
    )
