"""The real tiles the benchmarks run on, read from the development data folder (``--data``).

Every set keeps the source's integer samples (uint8/uint16), because that is what JPEG 2000 and
GeoTIFF store and what a user's archive holds; the learned codec sees the same values through a
normalisation. Images larger than a model tile are cut the way an archive cuts a raster: a
centred grid of tiles at the image's own resolution, never resized (AID's 150 px images give
2 x 2 tiles of 64 px); each tile keeps its image as its group, so retrieval can leave out the
tiles of the query's own image. Held-out samples are chosen with the trainer's own split rule
(``scicbir.training.splits``: a hash of ``"<Class>/<file>"`` or of the patch name, as the trainer
keys samples), so a model trained
on the same folder is never measured on its training tiles. Subsets are spread evenly over the
key-sorted samples so every class keeps its share.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

S2_SUFFIXES = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")
S2_PATCH = 120
#: PSNR peak of Sentinel-2 sets: reflectance x 10000, as the project states PSNR for Sentinel-2.
S2_PEAK = 10000.0


@dataclass
class TileSet:
    """Tiles of one dataset: (n, C, h, w) source integers, labels, keys and how they were picked.

    ``offset``/``scale`` (per band) are set when the set brings its own value range (16-bit
    scenes for an RGB model); otherwise the model's normalisation applies.
    """

    name: str
    tiles: np.ndarray
    keys: list[str]
    labels: list[tuple[str, ...]] = field(default_factory=list)
    note: str = ""
    offset: np.ndarray | None = None
    scale: np.ndarray | None = None
    #: The image each tile was cut from (default: the tile's own key, one tile per image).
    groups: list[str] = field(default_factory=list)
    #: PSNR peak in source units (Sentinel-2 reflectance: 10000); None: peak 1.0 of the
    #: normalised range the codecs are compared in.
    peak: float | None = None

    def __post_init__(self) -> None:
        if not self.groups:
            self.groups = list(self.keys)

    def __len__(self) -> int:
        return int(self.tiles.shape[0])

    def subset(self, indices, note: str | None = None) -> TileSet:
        """The tiles at ``indices`` (labels, keys and groups alike), same value range."""
        idx = [int(i) for i in indices]
        return TileSet(
            self.name,
            self.tiles[idx],
            [self.keys[i] for i in idx],
            [self.labels[i] for i in idx] if self.labels else [],
            self.note if note is None else note,
            self.offset,
            self.scale,
            [self.groups[i] for i in idx],
            self.peak,
        )

    @property
    def bands(self) -> int:
        return int(self.tiles.shape[1])

    def label_matrix(self, vocabulary: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """Multi-hot labels (n, |L|) and the vocabulary used."""
        vocab = vocabulary or sorted({name for item in self.labels for name in item})
        index = {name: i for i, name in enumerate(vocab)}
        out = np.zeros((len(self.labels), len(vocab)), dtype=np.uint8)
        for row, item in enumerate(self.labels):
            for name in item:
                if name in index:
                    out[row, index[name]] = 1
        return out, vocab


def normalise(tiles: np.ndarray, offset, scale) -> np.ndarray:
    """(x - offset) / scale per band (axis -3) as float32: the model's nominal range."""
    shape = (-1, 1, 1)
    o = np.asarray(offset, dtype=np.float64).reshape(shape)
    s = np.asarray(scale, dtype=np.float64).reshape(shape)
    return ((np.asarray(tiles, dtype=np.float64) - o) / s).astype(np.float32)


def spread(items: list, limit: int | None) -> list:
    """Up to ``limit`` items evenly spaced over ``items`` (all of them without a limit)."""
    if limit is None or limit >= len(items):
        return list(items)
    idx = np.unique(np.linspace(0, len(items) - 1, limit).round().astype(int))
    return [items[i] for i in idx]


def centre_crop(array: np.ndarray, side: int) -> np.ndarray:
    """Centre crop of a (C, h, w) array to at most ``side`` x ``side`` (never pads)."""
    _, h, w = array.shape
    top, left = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return array[:, top : top + min(h, side), left : left + min(w, side)]


def grid_cells(height: int, width: int, side: int) -> list[tuple[int, int, int, int]]:
    """(top, left, tile height, tile width) of a centred grid of ``side`` px tiles.

    As the trainer's archive-tiles evaluation cuts a test image (``scicbir.training.evaluate``):
    as many whole tiles as fit along each axis, the grid centred (150 px and 64 px tiles: 2
    tiles at offsets 11 and 75); an axis shorter than ``side`` gives one tile of its whole
    length (the codec pads it).
    """
    cells = []
    rows, cols = max(1, height // side), max(1, width // side)
    th, tw = min(height, side), min(width, side)
    top0, left0 = (height - rows * th) // 2, (width - cols * tw) // 2
    for i in range(rows):
        for j in range(cols):
            cells.append((top0 + i * th, left0 + j * tw, th, tw))
    return cells


def cut_grid(image: np.ndarray, side: int) -> list[tuple[np.ndarray, int, int]]:
    """(tile, top, left) of every cell of ``grid_cells`` over a (C, h, w) image, pixels as is."""
    _, h, w = image.shape
    return [
        (image[:, top : top + th, left : left + tw], top, left)
        for top, left, th, tw in grid_cells(h, w, side)
    ]


def class_folder_split(
    root: Path, split: str, train: float = 0.7, val: float = 0.1
) -> list[tuple[str, Path, str]]:
    """(key, file, class) of one split of a ``<root>/<Class>/<file>`` dataset, key-sorted."""
    from scicbir.training.splits import SPLIT_CODE, assign_splits

    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {root} is missing; pass --data DIR")
    entries = [
        (f"{cls.name}/{f.name}", f, cls.name)
        for cls in sorted(p for p in root.iterdir() if p.is_dir())
        for f in sorted(cls.iterdir())
        if f.suffix.lower() in (".tif", ".tiff", ".jpg", ".jpeg", ".png")
    ]
    codes = assign_splits(
        [key for key, _, _ in entries],
        [None] * len(entries),
        train=train,
        val=val,
    )
    return [e for e, c in zip(entries, codes, strict=True) if c == SPLIT_CODE[split]]


def _read(path: Path) -> np.ndarray:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            return src.read()


def eurosat_ms(root: Path, split: str = "test", limit: int | None = None) -> TileSet:
    """EuroSAT MS 64x64 tiles with B10 dropped: BigEarthNet's 12 bands and order, uint16."""
    from scicbir.training.datasets.class_folder import EUROSAT_13

    order = [EUROSAT_13.index(b) for b in S2_SUFFIXES]
    chosen = spread(class_folder_split(root, split), limit)
    tiles = np.stack([_read(path)[order] for _, path, _ in chosen]).astype(np.uint16)
    return TileSet(
        f"EuroSAT MS ({split})",
        tiles,
        [k for k, _, _ in chosen],
        [(c,) for _, _, c in chosen],
        note=f"{len(chosen)} tiles of the {split} split by the trainer's hash rule",
        peak=S2_PEAK,
    )


def aid(
    root: Path,
    split: str = "test",
    limit: int | None = None,
    side: int = 64,
) -> TileSet:
    """AID RGB images (150x150 JPEG here) cut into ``side`` px tiles at their own resolution.

    ``limit`` counts images (spread over the key-sorted split); each image gives the tiles of a
    centred grid (``grid_cells``), with the image's key as their group, the image's class as
    their label and ``<image key>:<top>:<left>`` as their key. No resampling: every codec and
    every retrieval method sees the pixels an archive of these images would hold.
    """
    chosen = spread(class_folder_split(root, split), limit)
    tiles, keys, labels, groups = [], [], [], []
    for key, path, cls in chosen:
        image = _read(path)
        if image.dtype != np.uint8:
            raise ValueError(f"{path}: expected 8-bit RGB, got {image.dtype}")
        for tile, top, left in cut_grid(image, side):
            tiles.append(tile)
            keys.append(f"{key}:{top}:{left}")
            labels.append((cls,))
            groups.append(key)
    if len({t.shape for t in tiles}) > 1:
        raise ValueError(f"AID images of different sizes under {root}: tiles differ in shape")
    return TileSet(
        f"AID ({split})",
        np.stack(tiles),
        keys,
        labels,
        note=f"{len(tiles)} tiles of {len(chosen)} images of the {split} split, cut on a centred "
        f"grid of {side} px tiles at the images' own resolution (no resizing)",
        groups=groups,
    )


def sentinel2_patches(roots: list[Path], training_root: Path | None = None) -> TileSet:
    """BigEarthNet-style patch folders (``<patch>/<patch>_B01.tif`` ...) under ``roots``.

    The 20 m and 60 m bands are upsampled to 120x120 by bicubic convolution as in the paper (the
    trainer's own function), then rounded back to uint16 so every codec codes the same integers.
    Patches under ``training_root`` that the split rule puts in the training split (key: the
    patch name, as the trainer keys them) are left out: only held-out patches are measured.
    """
    from scicbir.training.datasets.bigearthnet import upsample_cubic
    from scicbir.training.splits import SPLIT_CODE, assign_splits

    folders = []
    for root in roots:
        if root.is_dir():
            folders += [p.parent for p in sorted(root.rglob("*_B02.tif"))]
    skipped = 0
    if training_root is not None:
        inside = [f for f in folders if f.parent == training_root]
        codes = assign_splits([f.name for f in inside], [None] * len(inside))
        trained = {f for f, c in zip(inside, codes, strict=True) if c == SPLIT_CODE["train"]}
        skipped = len(trained)
        folders = [f for f in folders if f not in trained]
    if not folders:
        raise FileNotFoundError(f"no Sentinel-2 patch folders under {[str(r) for r in roots]}")
    tiles, keys = [], []
    for folder in folders:
        name = folder.name
        bands = [
            upsample_cubic(_read(folder / f"{name}_{b}.tif")[0].astype(np.float32), S2_PATCH)
            for b in S2_SUFFIXES
        ]
        tiles.append(np.clip(np.rint(np.stack(bands)), 0, 65535).astype(np.uint16))
        keys.append(name)
    return TileSet(
        "BigEarthNet-S2 patches",
        np.stack(tiles),
        keys,
        note=f"{len(keys)} held-out real patches (BigEarthNet v1 val/test split and reBEN; "
        f"{skipped} training-split patches left out)",
        peak=S2_PEAK,
    )


def landsat_crops(scene: Path, side: int = 128, limit: int = 24) -> TileSet:
    """True-colour crops of a Landsat 8 scene stacked as B2, B3, B4 (uint16 DN).

    Crops on a regular grid that contain no nodata (0) pixels; the value range for the codec is
    the scene's per-band 0.1 %-99.9 % range, as an archive of 16-bit sources records it.
    """
    stack = _read(scene)
    rgb = stack[::-1]  # B4, B3, B2 = red, green, blue
    valid = np.all(rgb > 0, axis=0)
    crops, keys = [], []
    _, h, w = rgb.shape
    for row in range(0, h - side + 1, side):
        for col in range(0, w - side + 1, side):
            if valid[row : row + side, col : col + side].all():
                crops.append(rgb[:, row : row + side, col : col + side])
                keys.append(f"{scene.name}:{row}:{col}")
    picked = spread(list(range(len(crops))), limit)
    values = rgb[:, valid]
    low = np.percentile(values, 0.1, axis=1)
    high = np.percentile(values, 99.9, axis=1)
    return TileSet(
        "Landsat 8 true colour",
        np.stack([crops[i] for i in picked]).astype(np.uint16),
        [keys[i] for i in picked],
        note=f"{len(picked)} crops of {side} px without nodata from {scene.name}",
        offset=low,
        scale=np.maximum(high - low, 1.0),
    )
