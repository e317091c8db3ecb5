"""ONNX export of analysis + hash head, and the onnxruntime path of the codec."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

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
    for part in ("analysis", "synthesis"):
        entry = exported.manifest["onnx"][part]
        assert entry["weights_sha256"] == exported.checksum
        assert exported.onnx_path(part) == exported.path / f"{part}.onnx"
        assert not (exported.path / f"{part}.onnx.data").exists()  # weights inside the file


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
    # streams written through the ONNX path decode with the plain torch codec, and the
    # onnxruntime synthesis gives the torch (float64) pixels within float32 noise
    encoded = onnx_codec.encode(x)
    streams = [e.stream for e in encoded]
    by_torch = np.stack(torch_codec.decode_many(streams))
    by_onnx = np.stack(onnx_codec.decode_many(streams))
    assert by_torch.shape == (4, 3, 64, 64)
    assert np.abs(by_torch - by_onnx).max() < 1e-4


def test_onnx_decode_is_bit_identical_in_another_process(exported, rgb_image, tmp_path, engine_env):
    codec = TileCodec(exported, backend="onnx", batch_size=4)
    tiles = np.stack([rgb_image[:, 64 * k : 64 * k + 64, 100:164] for k in range(3)])
    streams = [e.stream for e in codec.encode(codec.normalisation.forward(tiles))]
    here = np.stack(codec.decode_many(streams))
    for i, s in enumerate(streams):
        (tmp_path / f"{i}.bin").write_bytes(s)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from scicbir.models.package import ModelPackage
        from scicbir.codec.codec import TileCodec
        codec = TileCodec(ModelPackage.load({str(exported.path)!r}), backend="onnx", batch_size=1)
        streams = [open({str(tmp_path)!r} + f"/{{i}}.bin", "rb").read() for i in range(3)]
        np.save({str(tmp_path / "other.npy")!r}, np.stack(codec.decode_many(streams)))
        """
    )
    env = dict(engine_env, OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=120)
    assert np.array_equal(np.load(tmp_path / "other.npy"), here)


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
