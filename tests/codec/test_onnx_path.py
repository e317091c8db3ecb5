"""ONNX export of analysis + hash head, and the onnxruntime path of the codec."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from scicbir.codec.codec import TileCodec
from scicbir.errors import InputError
from scicbir.models.onnx_export import export_analysis
from scicbir.models.package import ModelPackage


@pytest.fixture(scope="module")
def exported(tiny_rgb_model, tmp_path_factory) -> ModelPackage:
    target = tmp_path_factory.mktemp("onnx") / "rgb"
    shutil.copytree(tiny_rgb_model.path, target)
    export_analysis(ModelPackage.load(target))
    return ModelPackage.load(target)


def test_export_is_recorded_with_the_weights_checksum(exported):
    entry = exported.manifest["onnx"]["analysis"]
    assert entry["weights_sha256"] == exported.checksum
    assert exported.onnx_path() == exported.path / "analysis.onnx"
    assert not (exported.path / "analysis.onnx.data").exists()  # weights inside the file


def test_onnx_codes_identical_and_latents_close(exported, rgb_image):
    tiles = np.stack([rgb_image[:, r : r + 64, c : c + 64] for r in (0, 200) for c in (0, 300)])
    torch_codec = TileCodec(exported, backend="torch")
    onnx_codec = TileCodec(exported, backend="auto")
    assert onnx_codec.backend == "onnx" and torch_codec.backend == "torch"
    x = torch_codec.normalisation.forward(tiles)
    a, b = torch_codec.hash(x), onnx_codec.hash(x)
    assert np.array_equal(a.codes, b.codes)
    assert np.abs(a.logits - b.logits).max() < 1e-3
    import torch

    padded = torch.from_numpy(x)
    with torch.no_grad():
        y_torch = torch_codec.net.g_a(padded).numpy()
    y_onnx, _ = onnx_codec.onnx.run(x)
    assert np.abs(y_torch - y_onnx).max() < 1e-4 * max(1.0, np.abs(y_torch).max())
    # streams written through the ONNX path decode with the plain torch codec
    encoded = onnx_codec.encode(x[:1])
    assert torch_codec.decode(encoded[0].stream).shape == (3, 64, 64)


def test_stale_export_is_ignored_and_onnx_backend_then_refused(exported, tmp_path):
    target = tmp_path / "stale"
    shutil.copytree(exported.path, target)
    manifest = json.loads((target / "package.json").read_text())
    manifest["onnx"]["analysis"]["weights_sha256"] = "0" * 64
    (target / "package.json").write_text(json.dumps(manifest))
    package = ModelPackage.load(target)
    assert package.onnx_path() is None
    assert TileCodec(package, backend="auto").backend == "torch"
    with pytest.raises(InputError, match="export-onnx"):
        TileCodec(package, backend="onnx")
