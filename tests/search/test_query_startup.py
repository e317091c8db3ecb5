"""The interactive query path: ONNX hashing without torch, and torch as the fallback."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import rasterio

from scicbir.search.hasher import OnnxHasher, light_package
from scicbir.search.query import Searcher

_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from scicbir.search.api import search
r = search(sys.argv[1], raster=sys.argv[2], bbox=[float(v) for v in sys.argv[3:7]], k=3)
print(json.dumps({"torch": "torch" in sys.modules, "backend": r.backend,
                  "hits": [h.tile_id for h in r.hits], "seconds": time.perf_counter() - t0}))
"""


def _crop(src_path, out, window=((100, 228), (100, 228))):
    with rasterio.open(src_path) as src:
        profile = dict(src.profile, width=128, height=128, transform=src.window_transform(window))
        with rasterio.open(out, "w", **profile) as dst:
            dst.write(src.read(window=window))
    with rasterio.open(out) as ds:
        return list(ds.bounds)


def test_region_query_runs_without_torch_when_onnx_export_exists(
    search_archive, tmp_path, engine_python, engine_env
):
    crop = tmp_path / "outside.tif"  # not in the archive: its tiles must be read and hashed
    bounds = _crop(search_archive["neon"], crop)
    args = [str(search_archive["archive"]), str(crop), *map(str, bounds)]
    done = subprocess.run(
        [engine_python, "-c", _SCRIPT, *args],
        capture_output=True,
        text=True,
        env=engine_env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["backend"] == "onnx" and answer["torch"] is False
    assert len(answer["hits"]) == 3

    # the torch path ranks the same tiles
    torch_answer = Searcher(search_archive["archive"], backend="torch").search_region(
        crop, bbox=bounds, k=3
    )
    assert torch_answer.backend == "torch"
    assert [h.tile_id for h in torch_answer.hits] == answer["hits"]


def test_onnx_and_torch_hashers_give_the_same_codes(search_archive, tiny_rgb_model):
    from scicbir.codec import TileCodec

    package = light_package(search_archive["model"], tiny_rgb_model.checksum)
    assert package is not None and package.onnx_path("analysis") is not None
    assert light_package(search_archive["model"], "0" * 64) is None  # other weights: refused
    with rasterio.open(search_archive["neon"]) as src:
        pixels = src.read(window=((0, 64), (0, 64))).astype(np.float32)
    tiles = np.stack([pixels, pixels[:, ::-1, :].copy()]) / 255.0
    codes, logits = OnnxHasher(package).hash(tiles)
    reference = TileCodec(tiny_rgb_model, backend="torch").hash(tiles)
    assert np.array_equal(codes, reference.codes)
    assert np.abs(logits - reference.logits).max() < 1e-3
