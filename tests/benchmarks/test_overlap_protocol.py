"""The ground-overlap protocol of bench_self_supervised_overlap: relevance is the ground two
tiles of different scenes share, read from a real archive of two offset crops of one Landsat
scene (so the truth is known from the pixel offset)."""

from __future__ import annotations

import numpy as np
import pytest

OFFSET = (10, 26)  # scene 1 starts this many pixels (x, y) into scene 0
TILE = 64


def _crop(src_path, out, col_off, row_off, size):
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(src_path) as src:
        window = Window(col_off, row_off, size, size)
        profile = src.profile
        profile.update(width=size, height=size, transform=src.window_transform(window), nodata=0)
        data = src.read(window=window)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data)
    return out


@pytest.fixture(scope="module")
def two_scenes(tmp_path_factory, data_dir, tiny_rgb_model):
    from benchmarks.bench_self_supervised_overlap import stack_scene, whole_tiles
    from scicbir.archive.compress import compress_folder

    work = tmp_path_factory.mktemp("overlap")
    landsat = data_dir / "landsat" / "landsat8_224078_crop.tif"  # B2, B3, B4
    rgb = stack_scene(f"{landsat}:3,2,1", work / "rgb.tif", nodata=0)
    sources = work / "sources"
    sources.mkdir()
    scenes = [
        _crop(rgb, sources / "scene0.tif", 0, 0, 320),
        _crop(rgb, sources / "scene1.tif", OFFSET[0], OFFSET[1], 320),
    ]
    compress_folder(sources, work / "archive", str(tiny_rgb_model.path))
    return rgb, landsat, whole_tiles(work / "archive", scenes)


def test_scenes_are_stacked_in_the_asked_band_order(two_scenes):
    import rasterio

    rgb, landsat, _ = two_scenes
    with rasterio.open(rgb) as out, rasterio.open(landsat) as src:
        assert out.count == 3 and out.nodata == 0
        assert np.array_equal(out.read(1), src.read(3))  # red first
        assert np.array_equal(out.read(3), src.read(1))


def test_relevant_tiles_are_those_sharing_a_quarter_of_the_ground(two_scenes):
    from benchmarks.bench_self_supervised_overlap import directions

    _, _, tiles = two_scenes
    assert set(tiles.scene) == {0, 1} and tiles.pixels.shape[1:] == (3, TILE, TILE)
    dirs = directions(tiles, min_overlap=0.25)
    assert len(dirs) == 2
    # the truth from pixel offsets (30 m pixels): each tile's origin in scene 0's pixels
    x0 = tiles.bounds[tiles.scene == 0, 0].min()
    y0 = tiles.bounds[tiles.scene == 0, 3].max()
    px = np.stack([(tiles.bounds[:, 0] - x0) / 30.0, (y0 - tiles.bounds[:, 3]) / 30.0], 1)
    for d in dirs:
        for qi, q in enumerate(d.queries):
            for ai, a in enumerate(d.archive):
                w = max(0.0, TILE - abs(px[q, 0] - px[a, 0]))
                h = max(0.0, TILE - abs(px[q, 1] - px[a, 1]))
                assert d.relevant[qi, ai] == (w * h / TILE**2 >= 0.25)
    counts = np.concatenate([d.relevant.sum(1) for d in dirs])
    assert counts.min() >= 1 and counts.max() <= 4  # grids offset by (10, 26): 1 to 4 tiles


def test_codes_that_follow_the_ground_score_far_above_random_codes(two_scenes):
    from benchmarks.bench_self_supervised_overlap import code_scores, directions
    from benchmarks.peers.ranking import random_codes

    _, _, tiles = two_scenes
    dirs = directions(tiles, min_overlap=0.25)
    # a code per ground cell of 2 x 2 tiles: tiles over the same ground get the same code
    cells = np.floor((tiles.bounds[:, :2] - tiles.bounds[:, :2].min(0)) / (30.0 * TILE)).astype(int)
    rng = np.random.default_rng(0)
    table = rng.random((cells[:, 0].max() + 1, cells[:, 1].max() + 1, 64)) < 0.5
    by_ground = np.packbits(table[cells[:, 0], cells[:, 1]], axis=1)
    random = np.packbits(random_codes(len(tiles.scene), 64, seed=1), axis=1)
    assert code_scores(dirs, by_ground)["mAP@20"] > code_scores(dirs, random)["mAP@20"] + 0.2
