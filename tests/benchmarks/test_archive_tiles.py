"""Benchmark tiles are cut as an archive cuts a raster: native resolution, groups kept.

Real samples from tests/data are written as a small class-folder dataset (the layout of AID),
so the benchmark's reader runs on real pixels without the development data folder.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from benchmarks import datasets

SIDE = 64


def _write(path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    c, h, w = array.shape
    transform = rasterio.transform.from_origin(0.0, float(h), 1.0, 1.0)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=w,
        height=h,
        count=c,
        dtype=array.dtype,
        transform=transform,
    ) as dst:
        dst.write(array)


@pytest.fixture(scope="module")
def class_folders(data_dir, tmp_path_factory):
    """A two-class folder of 150x150 uint8 RGB images (AID's size here), cut from real samples;
    returns the root and {key: image}."""
    root = tmp_path_factory.mktemp("aid")
    images = {}
    for cls, name in (("Forest", "neon_OSBS_029.tif"), ("Mountain", "rmnp-rgb.tif")):
        with rasterio.open(data_dir / "rgb" / name) as src:
            source = src.read()
        assert source.dtype == np.uint8 and source.shape[0] == 3
        for i in range(6):
            top, left = (i * 37) % (source.shape[1] - 150), (i * 53) % (source.shape[2] - 150)
            image = np.ascontiguousarray(source[:, top : top + 150, left : left + 150])
            key = f"{cls}/{cls.lower()}_{i}.tif"
            _write(root / key, image)
            images[key] = image
    return root, images


def all_splits(root) -> dict[str, datasets.TileSet]:
    """Every non-empty split of the folder, read as the benchmark reads AID."""
    return {
        split: datasets.aid(root, split, side=SIDE)
        for split in ("train", "val", "test")
        if datasets.class_folder_split(root, split)
    }


def test_grid_of_150_px_images_is_two_by_two_centred_tiles():
    assert datasets.grid_cells(150, 150, 64) == [
        (11, 11, 64, 64),
        (11, 75, 64, 64),
        (75, 11, 64, 64),
        (75, 75, 64, 64),
    ]
    # non-square: as many whole tiles as fit along each axis, grid centred on both
    cells = datasets.grid_cells(373, 485, 64)
    assert len(cells) == 5 * 7
    assert cells[0] == (26, 18, 64, 64) and cells[-1] == (26 + 4 * 64, 18 + 6 * 64, 64, 64)
    # an image smaller than a tile is one tile of its own size (the codec pads it)
    assert datasets.grid_cells(50, 150, 64) == [(0, 11, 50, 64), (0, 75, 50, 64)]


def test_grid_matches_the_trainers_archive_tiles_evaluation():
    from scicbir.training.evaluate import _grid_tiles

    class Cache:
        tiles = np.random.default_rng(0).random((3, 3, 150, 150), dtype=np.float32)

    trainer_tiles, owner = _grid_tiles(Cache, np.array([2, 0]), SIDE)
    ours = [
        (row, tile) for row in (0, 2) for tile, _, _ in datasets.cut_grid(Cache.tiles[row], SIDE)
    ]
    assert owner.tolist() == [row for row, _ in ours]
    assert np.array_equal(trainer_tiles, np.stack([tile for _, tile in ours]))


def test_aid_tiles_keep_pixels_groups_and_labels(class_folders):
    root, images = class_folders
    sets = list(all_splits(root).values())
    seen = set()
    for tileset in sets:
        assert tileset.tiles.dtype == np.uint8
        assert tileset.tiles.shape[1:] == (3, SIDE, SIDE)
        assert len(tileset.keys) == len(tileset.groups) == len(tileset.labels) == len(tileset)
        for tile, key, group, label in zip(
            tileset.tiles, tileset.keys, tileset.groups, tileset.labels, strict=True
        ):
            image_key, top, left = key.rsplit(":", 2)
            assert group == image_key  # the tile's group is the image it was cut from
            assert label == (image_key.split("/")[0],)
            top, left = int(top), int(left)
            assert (top, left) in {(11, 11), (11, 75), (75, 11), (75, 75)}
            # native resolution: the very pixels of the image, no resampling
            assert np.array_equal(tile, images[image_key][:, top : top + SIDE, left : left + SIDE])
            seen.add(key)
        groups, counts = np.unique(tileset.groups, return_counts=True)
        assert set(counts) <= {4}  # every image gives its 2 x 2 tiles
    # the splits share no image, and together they hold every tile of every image
    assert len(seen) == 4 * len(images)
    assert sum(len(set(s.groups)) for s in sets) == len(images)


def test_image_limit_and_subsets_keep_groups_with_their_tiles(class_folders):
    root, _ = class_folders
    split, tileset = max(all_splits(root).items(), key=lambda item: len(item[1]))
    limited = datasets.aid(root, split, limit=1, side=SIDE)
    assert len(limited) == 4 and len(set(limited.groups)) == 1  # the limit counts images
    sub = tileset.subset([len(tileset) - 1, 0])
    assert sub.keys == [tileset.keys[-1], tileset.keys[0]]
    assert sub.groups == [tileset.groups[-1], tileset.groups[0]]
    assert sub.labels == [tileset.labels[-1], tileset.labels[0]]
    assert np.array_equal(sub.tiles[1], tileset.tiles[0])


def test_one_tile_sets_are_their_own_groups_and_s2_psnr_has_peak_10000(data_dir, tmp_path):
    for name in ("River_1237", "Forest_1031"):
        cls = name.split("_")[0]
        (tmp_path / cls).mkdir()
        (tmp_path / cls / f"{name}.tif").symlink_to(data_dir / "eurosat" / f"{name}.tif")
    tiles = [
        datasets.eurosat_ms(tmp_path, split)
        for split in ("train", "val", "test")
        if datasets.class_folder_split(tmp_path, split)
    ]
    assert sum(len(t) for t in tiles) == 2
    for tileset in tiles:
        assert tileset.groups == tileset.keys  # one tile per image: leave-one-out
        assert tileset.peak == 10000.0 and tileset.bands == 12
