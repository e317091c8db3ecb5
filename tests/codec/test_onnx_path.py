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
from tests.codec.conftest import copy_with_onnx_exports


@pytest.fixture(scope="module")
def exported(tiny_rgb_model, tmp_path_factory) -> ModelPackage:
    return copy_with_onnx_exports(tiny_rgb_model, tmp_path_factory.mktemp("onnx") / "rgb")


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


def test_a_rate_point_without_stored_exports_runs_onnx_exported_in_memory(
    tiny_rgb_model, rgb_image, tmp_path
):
    """The shipped packages store ONNX exports for their default point only; the other rate
    points are exported when their codec is built, so decoding at any point runs onnxruntime,
    with the same pixels as torch (within float tolerance) and the same codes."""

    base = tiny_rgb_model
    net = base.build_network("cpu")
    other = {k: v.clone() for k, v in net.state_dict().items()}
    last = max(k for k in other if k.startswith("g_s.") and k.endswith("weight"))
    other[last] = other[last] * 1.05  # a second point: the last synthesis layer a little off
    figures = [({"lmbda": 0.01, "bpp": 0.5, "psnr": 25.0}, None),
               ({"lmbda": 0.1, "bpp": 1.0, "psnr": 27.0}, other)]  # fmt: skip
    package = ModelPackage.save(net, base.config, tmp_path / "two-points", "", figures)
    export_analysis(package)
    package = ModelPackage.load(package.path)
    point = package.at_quality(2)
    assert point.onnx_path("synthesis") is None and point.onnx_on_load
    assert not package.onnx_on_load  # the default point has its stored exports

    tiles = np.stack([rgb_image[:, r : r + 64, c : c + 64] for r in (0, 128) for c in (0, 128)])
    on_load = TileCodec(point, backend="auto")
    plain = TileCodec(point, backend="torch")
    assert on_load.backend == "onnx" and plain.backend == "torch"
    streams = [e.stream for e in plain.encode(tiles)]
    a, b = np.asarray(on_load.decode_many(streams)), np.asarray(plain.decode_many(streams))
    assert np.abs(a - b).max() <= 1e-4 * np.abs(b).max()
    # the in-memory export holds the point's own weights, not the default's
    y = np.random.default_rng(0).normal(0, 4, (1, base.config.M, 4, 4)).astype(np.float32)
    own = on_load.onnx_synthesis.run(y)[0]
    default = TileCodec(package, backend="auto").onnx_synthesis.run(y)[0]
    assert np.abs(own - default).max() > 1e-3 * np.abs(default).max()
    assert [e.code for e in on_load.encode(tiles)] == [e.code for e in plain.encode(tiles)]

    # a package that stores no exports at all is left to torch
    bare = ModelPackage.save(net, base.config, tmp_path / "bare", "", figures)
    assert TileCodec(bare.at_quality(2), backend="auto").backend == "torch"
