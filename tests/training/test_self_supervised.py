"""Adapting an archive's hash codes without labels: the loss, the adaptation end to end on a
small real archive, the CLI, and what a kill during the re-hash leaves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from scicbir.errors import InputError
from scicbir.training.losses import contrastive_hash_losses

DATA = Path(__file__).resolve().parents[1] / "data"


def test_contrastive_loss_prefers_matching_views_and_balanced_bits():
    torch.manual_seed(0)
    u = torch.randn(32, 32) * 3
    same, _, _ = contrastive_hash_losses(u, u + 0.01 * torch.randn_like(u))
    other, _, _ = contrastive_hash_losses(u, torch.randn(32, 32) * 3)
    assert float(same) < float(other) - 1.0
    _, balanced, _ = contrastive_hash_losses(u, u)
    _, constant, _ = contrastive_hash_losses(u.abs() + 1, u.abs() + 1)  # every bit is 1
    assert float(balanced) < 0.1 < float(constant)
    _, _, sharp = contrastive_hash_losses(u * 10, u * 10)
    _, _, soft = contrastive_hash_losses(u * 0.01, u * 0.01)
    assert float(sharp) < float(soft)


def test_neighbouring_tiles_are_no_negatives_of_each_other():
    """Two tiles of one scene that look alike: without the neighbour mask NT-Xent pushes their
    codes apart (each is the other's hardest negative); with it they are left alone."""
    torch.manual_seed(0)
    u = torch.randn(16, 32) * 3
    u[1] = u[0]  # rows 0 and 1: neighbouring tiles with the same code
    near = torch.zeros(32, 32, dtype=torch.bool)
    for a in (0, 1, 16, 17):
        for b in (0, 1, 16, 17):
            near[a, b] = True
    plain, _, _ = contrastive_hash_losses(u, u)
    masked, _, _ = contrastive_hash_losses(u, u, near=near)
    assert float(masked) < float(plain) - 0.05
    # a mask of the diagonal only is the plain loss
    alone, _, _ = contrastive_hash_losses(u, u, near=torch.eye(32, dtype=torch.bool))
    assert float(alone) == pytest.approx(float(plain))


def test_neighbours_are_tiles_of_one_source_within_the_radius():
    from scicbir.training.self_supervised import ArchiveViews, _partners

    # source 7: a 3 x 3 grid of tiles; source 8: one tile at the grid's centre position
    places = [(7, c, r) for r in range(3) for c in range(3)] + [(8, 1, 1)]
    views = ArchiveViews(
        np.arange(10), np.zeros((10, 2, 1, 1, 1), np.float16), np.array(places, np.int64)
    )
    near = views.neighbours(1)
    assert sorted(near[4]) == [0, 1, 2, 3, 5, 6, 7, 8]  # the centre: all 8 around it
    assert sorted(near[0]) == [1, 3, 4]  # a corner
    assert near[9].size == 0  # alone in its source
    assert sorted(views.neighbours(2)[0]) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert all(n.size == 0 for n in views.neighbours(0))
    matrix = views.near(np.array([0, 4, 9, 8]), 1)
    assert matrix.tolist() == [
        [True, True, False, False],
        [True, True, False, True],
        [False, False, True, False],
        [False, True, False, True],
    ]
    rng = np.random.default_rng(0)
    rows = np.arange(10)
    partners = _partners(rows, near, 1.0, rng)
    assert all(partners[i] in near[i] for i in range(9)) and partners[9] == 9
    assert (_partners(rows, near, 0.0, rng) == rows).all()


def test_archive_views_know_where_each_tile_lies(small_archive):
    from scicbir.archive.store import Archive
    from scicbir.training.self_supervised import SelfSupervisedSettings, archive_views

    with Archive.open(small_archive, read_only=True) as archive:
        settings = SelfSupervisedSettings(variants=2)
        views = archive_views(archive, archive.codec(), settings)
        tiles = {t.id: t for t in archive.catalog.tiles()}
    size = archive.package.config.tile_size
    for tile_id, (source, col, row) in zip(views.tile_ids, views.places, strict=True):
        tile = tiles[int(tile_id)]
        assert (source, col, row) == (tile.source_id, tile.col // size, tile.row // size)
    near = views.neighbours(1)
    assert sum(n.size > 0 for n in near) > len(views) // 2  # whole tiles of two rasters


def test_requests_name_the_bad_field():
    from scicbir.training.adapt import AdaptRequest

    with pytest.raises(InputError) as err:
        AdaptRequest.from_params({"archive": "a", "steps": "many"})
    assert err.value.data["field"] == "steps"
    with pytest.raises(InputError) as err:
        AdaptRequest.from_params({"archive": "a", "batch_size": 2})
    assert err.value.data["field"] == "batch_size"
    with pytest.raises(InputError) as err:
        AdaptRequest.from_params({"archive": "a", "stepz": 3})
    assert err.value.data["field"] == "stepz"
    with pytest.raises(InputError) as err:
        AdaptRequest.from_params({"steps": 3})
    assert err.value.data["field"] == "archive"
    with pytest.raises(InputError) as err:
        AdaptRequest.from_params({"archive": "a", "neighbour_pairs": 1.5})
    assert err.value.data["field"] == "neighbour_pairs"
    request = AdaptRequest.from_params(
        {"archive": "a", "steps": 40, "variants": 3, "neighbour_pairs": 0}
    )
    assert (request.settings.steps, request.settings.variants) == (40, 3)
    assert request.settings.neighbour_pairs == 0.0


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory, tiny_rgb_model):
    """A real archive: two real RGB rasters compressed with the tiny model (~100 tiles)."""
    from scicbir.archive.compress import compress_folder

    root = tmp_path_factory.mktemp("ssl")
    sources = root / "sources"
    sources.mkdir()
    for tif in sorted((DATA / "rgb").glob("*.tif")):
        shutil.copy(tif, sources / tif.name)
    archive = root / "archive"
    compress_folder(sources, archive, str(tiny_rgb_model.path))
    return archive


def _state(folder: Path):
    from scicbir.archive.store import Archive

    with Archive.open(folder, read_only=True) as archive:
        ids, codes, bits = archive.catalog.codes()
        first = archive.catalog.tiles()[0]
        pixels = archive.codec().decode(archive.read_stream(first))
        return {
            "ids": ids,
            "codes": codes,
            "bits": bits,
            "model": archive.model.model_id,
            "checksum": archive.model.checksum,
            "pixels": pixels,
            "path": str(archive.package.path),
        }


def test_adapting_an_archive_trains_balanced_codes_and_keeps_the_bitstreams(
    small_archive, tmp_path
):
    from scicbir.archive.verify import verify_archive
    from scicbir.models.package import ModelPackage
    from scicbir.search.api import search
    from scicbir.training.adapt import AdaptRequest, adapt_archive

    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    before = _state(archive)
    request = AdaptRequest.from_params(
        {
            "archive": str(archive),
            "output": str(tmp_path / "adapted"),
            "steps": 120,
            "batch_size": 24,
            "variants": 3,
            "log_every": 20,
        }
    )
    result = adapt_archive(request)
    curve = result.curve
    assert len(curve) == 6
    assert curve[-1]["loss_contrastive"] < curve[0]["loss_contrastive"]
    # two versions of a tile agree on more bits than two random codes would (50 %)
    assert curve[-1]["view_agreement"] > 0.7
    assert curve[-1]["code_balance"] < 0.5  # no bit is close to constant on average
    after = _state(archive)
    assert result.tiles_rehashed == len(before["ids"]) == len(after["ids"])
    assert after["model"] == result.model != before["model"]
    assert (after["codes"] != before["codes"]).any()
    ones = np.unpackbits(after["codes"], axis=1).mean(axis=0)
    assert np.mean(np.abs(ones - 0.5) * 2) < 0.6
    # the codec is the same: the stored streams decode to the very same pixels
    np.testing.assert_array_equal(after["pixels"], before["pixels"])
    package = ModelPackage.load(result.model_path)
    assert package.stream_checksum == before["checksum"] != package.checksum
    assert (Path(result.model_path) / "self-supervised-curve.csv").is_file()
    assert "without labels" in package.card
    report = verify_archive(archive)
    assert report["ok"], report
    hits = search(archive, tile=int(after["ids"][0]), k=5).hits
    assert len(hits) == 5


def test_adapt_from_the_command_line(small_archive, tmp_path, engine_python, engine_env):
    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    done = subprocess.run(
        [engine_python, "-m", "scicbir", "train", "--archive", str(archive), "--self-supervised",
         "--steps", "10", "--output", str(tmp_path / "model"), "--json", "--quiet"],
        capture_output=True, text=True, timeout=300, env=engine_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    before = _state(small_archive)
    summary["previous_model_path"] = str(Path(before["path"]))
    assert summary["steps"] == 10 and summary["model_path"] == str((tmp_path / "model").resolve())
    back = subprocess.run(
        [engine_python, "-m", "scicbir", "archive", "rehash", str(archive), "--model",
         summary["previous_model_path"], "--json"],
        capture_output=True, text=True, timeout=300, env=engine_env,
    )  # fmt: skip
    assert back.returncode == 0, back.stderr[-2000:]
    assert json.loads(back.stdout)["model"] == summary["previous_model"]
    refused = subprocess.run(
        [engine_python, "-m", "scicbir", "train", "--archive", str(archive)],
        capture_output=True, text=True, timeout=120, env=engine_env,
    )  # fmt: skip
    assert refused.returncode != 0 and "--self-supervised" in refused.stderr


KILL = textwrap.dedent(
    """
    import os, sys
    from scicbir.models.package import ModelPackage
    from scicbir.archive import rehash
    import scicbir.archive.index as index
    where = sys.argv[3]
    die = lambda *a, **k: os.kill(os.getpid(), 9)
    if where == "after-commit":
        index.rebuild_index = die
    progress = die if where == "mid-way" else None
    rehash.rehash_archive(sys.argv[1], ModelPackage.load(sys.argv[2]), progress=progress)
    """
)


@pytest.mark.parametrize("where", ["mid-way", "after-commit"])
def test_a_kill_during_the_rehash_leaves_a_searchable_archive(
    small_archive, tmp_path, engine_python, engine_env, where
):
    """Killed before the commit: the old codes and model, untouched. Killed after the commit
    but before the index is saved: the new codes, and searches rebuild the stale index."""
    from scicbir.archive.verify import verify_archive
    from scicbir.models.package import ModelPackage, with_hash_head
    from scicbir.search.api import search
    from scicbir.training.self_supervised import fresh_head

    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    before = _state(archive)
    from scicbir.archive.store import Archive

    with Archive.open(archive, read_only=True) as opened:
        base = ModelPackage.load(opened.package.path)
    head = {f"hash_head.{k}": v for k, v in fresh_head(base.config, 7).state_dict().items()}
    new = with_hash_head(base, head, tmp_path / "new-model", "new-model", "# new\n")
    done = subprocess.run(
        [engine_python, "-c", KILL, str(archive), str(new.path), where],
        capture_output=True, text=True, timeout=300, env=engine_env,
    )  # fmt: skip
    assert done.returncode == -9, done.stderr[-2000:]
    after = _state(archive)
    np.testing.assert_array_equal(after["ids"], before["ids"])
    if where == "mid-way":
        np.testing.assert_array_equal(after["codes"], before["codes"])
        assert after["model"] == before["model"]
    else:
        assert after["model"] == "new-model"
        assert (after["codes"] != before["codes"]).any()
    hits = search(archive, tile=int(after["ids"][0]), k=3).hits
    assert len(hits) == 3
    report = verify_archive(archive)
    assert report["ok"], report
    assert os.listdir(archive)  # nothing removed
