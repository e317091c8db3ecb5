"""The fixed split rule: train/val/test by a hash of each sample's key.

A hash of the key (not a random draw) keeps a sample in the same split across machines, runs,
added files and reordered folders, so a model is never evaluated on tiles it was trained on
after the dataset grows. Datasets that prescribe their own split (BigEarthNet's split CSVs)
keep it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

SPLITS = ("train", "val", "test")
SPLIT_CODE = {name: i for i, name in enumerate(SPLITS)}


def hash_fraction(key: str, salt: str = "") -> float:
    """A number in [0, 1) fixed by ``key`` (and ``salt``): first 8 bytes of SHA-256."""
    digest = hashlib.sha256(f"{salt}{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_splits(
    keys: Sequence[str],
    prescribed: Sequence[str | None],
    train: float = 0.7,
    val: float = 0.1,
    salt: str = "",
) -> np.ndarray:
    """Split code per sample (0 train, 1 val, 2 test): prescribed where given, else by hash."""
    out = np.empty(len(keys), dtype=np.int8)
    for i, (key, fixed) in enumerate(zip(keys, prescribed, strict=True)):
        if fixed is not None:
            out[i] = SPLIT_CODE[fixed]
            continue
        f = hash_fraction(key, salt)
        out[i] = 0 if f < train else (1 if f < train + val else 2)
    return out
