"""Rate points: stage 2 by lambdas leaves Pareto points in the package, selectable at compress
time, and an archive keeps the point it was made with."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from scicbir.archive.compress import CompressOptions, compress_folder
from scicbir.archive.decode import decode_tile_to_file
from scicbir.archive.store import Archive
from scicbir.errors import ModelMismatchError
from scicbir.models.package import ModelPackage
from scicbir.training.config import config_from_dict
from scicbir.training.trainer import train
from tests.training.conftest import DATA, tiny_config


@pytest.fixture(scope="module")
def rate_package(rgb_tiles, tmp_path_factory):
    out = tmp_path_factory.mktemp("rates") / "run"
    cfg = tiny_config(
        rgb_tiles,
        out,
        stages=[1, 2],
        model={"context": "checkerboard"},
        stage1={"epochs": 2, "loss": "mse_rate", "lmbda": 0.01},
        stage2={"epochs": 2, "lambdas": [0.001, 0.1], "lr_start": 1e-3},
    )
    return ModelPackage.load(train(config_from_dict(cfg)).package)


def test_package_lists_three_rate_points_by_rate(rate_package):
    points = rate_package.rate_points
    assert [p["quality"] for p in points] == [1, 2, 3]
    assert [p["bpp"] for p in points] == sorted(p["bpp"] for p in points)
    assert sum(p["default"] for p in points) == 1
    assert {p["lmbda"] for p in points} == {0.001, 0.01, 0.1}
    default = next(p for p in points if p["default"])
    assert rate_package.quality == default["quality"]
    views = [rate_package.at_quality(p["quality"]) for p in points]
    assert len({v.checksum for v in views}) == 3  # each point is its own weights
    summary = rate_package.summary()
    assert [p["quality"] for p in summary["rate_points"]] == [1, 2, 3]
    with pytest.raises(Exception, match="no rate point 7"):
        rate_package.at_quality(7)


def test_a_chosen_rate_point_round_trips_through_compress_and_decode(rate_package, tmp_path):
    raster = DATA / "rgb" / "rmnp-rgb.tif"
    src = tmp_path / "src"
    src.mkdir()
    (src / raster.name).write_bytes(raster.read_bytes())
    for quality in (1, 3):
        archive_dir = tmp_path / f"archive-q{quality}"
        options = CompressOptions(workers=1, quality=quality)
        summary = compress_folder(src, archive_dir, str(rate_package.path), options=options)
        assert summary.as_dict()["failed"] == 0
        with Archive.open(archive_dir) as archive:
            assert archive.model.quality == quality
            assert archive.model.checksum == rate_package.at_quality(quality).checksum
            tiles = archive.catalog.tiles()
            out = decode_tile_to_file(archive, tiles[0].id, tmp_path / f"q{quality}.tif")
        with rasterio.open(out) as ds:
            decoded = ds.read()
        assert decoded.shape[0] == 3 and np.isfinite(decoded.astype(float)).all()
    # the archive keeps its point: another quality is refused with the fix in the message
    with pytest.raises(ModelMismatchError, match="--quality 1"):
        compress_folder(
            src,
            tmp_path / "archive-q1",
            str(rate_package.path),
            options=CompressOptions(workers=1, quality=3),
        )
    manifest = json.loads((rate_package.path / "package.json").read_text())
    assert len(manifest["rate_points"]) == 3


def test_dominated_fine_tunes_are_not_offered_as_rate_points():
    from scicbir.training.trainer import _pareto_front

    points = [
        {"val_bpp": 0.31, "val_psnr": 25.3, "file": "stage2_pareto_1.pt"},
        {"val_bpp": 0.45, "val_psnr": 26.0, "file": "stage1_best.pt"},
        {"val_bpp": 0.55, "val_psnr": 25.8, "file": "stage2_pareto_2.pt"},  # more bits, worse
        {"val_bpp": 0.70, "val_psnr": 26.6, "file": "stage2_pareto_3.pt"},
    ]
    kept = [p["file"] for p in _pareto_front(points)]
    assert kept == ["stage2_pareto_1.pt", "stage1_best.pt", "stage2_pareto_3.pt"]
    # stage 1's point is the package's default and stays even when a fine-tune beats it
    beaten = [{**points[1]}, {"val_bpp": 0.40, "val_psnr": 27.0, "file": "stage2_pareto_1.pt"}]
    assert [p["file"] for p in _pareto_front(beaten)] == ["stage1_best.pt", "stage2_pareto_1.pt"]


def test_retraining_the_hashing_part_keeps_the_codec_and_its_rate_points(
    rate_package, rgb_tiles, tmp_path
):
    """Stage 3 alone on a package, with another hash network, input and loss: the codec and
    every rate point stay as they were, only the hashing part is new, and the package keeps
    the streams' checksum, so the old package's archives decode with it."""
    import csv

    import torch
    from safetensors.torch import load_file

    cfg = tiny_config(
        rgb_tiles,
        tmp_path / "rehash",
        stages=[3],
        init_from=str(rate_package.path),
        model={"context": "checkerboard", "hash_head": "conv", "hash_taps": [7]},
        stage3={
            "epochs": 2,
            "hash_loss": "central",
            "lr_compression": 0.0,
            "lr_hashing": 1e-3,
            "latent_variants": 2,
            "lr_decay_last": 0.5,
        },
    )
    rehashed = ModelPackage.load(train(config_from_dict(cfg)).package)
    assert rehashed.config.hash_head == "conv" and rehashed.config.hash_taps == (7,)
    assert rehashed.checksum != rate_package.checksum
    assert rehashed.stream_checksum == rate_package.stream_checksum
    old_points, new_points = rate_package.rate_points, rehashed.rate_points
    assert [(p["quality"], p["bpp"], p["default"]) for p in new_points] == [
        (p["quality"], p["bpp"], p["default"]) for p in old_points
    ]
    for point in old_points:
        old = rate_package.at_quality(point["quality"]).build_network().state_dict()
        new = rehashed.at_quality(point["quality"]).build_network().state_dict()
        codec = [k for k in old if k.startswith(("g_a.", "g_s.", "latent_codec."))]
        assert codec and all(torch.equal(old[k], new[k]) for k in codec)
        q = point["quality"]
        assert rehashed.at_quality(q).stream_checksum == rate_package.at_quality(q).stream_checksum
    head = load_file(str(rehashed.weights_path))
    assert any(k.startswith("hash_head.network.1.running_mean") for k in head)
    with (tmp_path / "rehash" / "metrics" / "steps.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(float(r["loss_central"]) > 0 for r in rows)


def test_stage_2_alone_adds_rate_points_and_keeps_the_package_default(
    rate_package, rgb_tiles, tmp_path
):
    """Fine-tuning a finished package to another lambda (stage 2 alone, ``init_from``): the
    package's default codec stays bit for bit (its archives stay decodable), its other rate
    points stay on offer unless the new point beats them, and the new point is the fine-tune."""
    import torch

    cfg = tiny_config(
        rgb_tiles,
        tmp_path / "more-rates",
        stages=[2],
        init_from=str(rate_package.path),
        model={"context": "checkerboard"},
        stage1={"epochs": 2, "loss": "mse_rate", "lmbda": 0.01},
        stage2={"epochs": 1, "lambdas": [1.0], "lr_start": 1e-3},
    )
    extended = ModelPackage.load(train(config_from_dict(cfg)).package)
    assert extended.checksum == rate_package.checksum  # default codec and hash part unchanged
    points = extended.rate_points
    assert sum(p["default"] for p in points) == 1
    assert [p["bpp"] for p in points] == sorted(p["bpp"] for p in points)
    old = {p["weights_sha256"] for p in rate_package.rate_points}
    new = [p for p in points if p["weights_sha256"] not in old]
    kept_old = [p for p in points if p["weights_sha256"] in old]
    assert len(kept_old) >= 2  # the default and at least one of the package's own points
    assert len(new) == 1, points  # lambda 1.0 spends far more bits than any point before
    for p in new:
        assert p["lmbda"] == 1.0
        fine = extended.at_quality(p["quality"]).build_network().state_dict()
        base = rate_package.build_network().state_dict()
        assert any(not torch.equal(fine[k], base[k]) for k in fine if k.startswith("g_s."))
