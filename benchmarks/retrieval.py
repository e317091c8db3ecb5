"""Retrieval of our hash codes against classic hashing baselines on the same tiles.

Protocols. Archive tiles (default, what an archive sees and what the trainer evaluates): the
test images are cut into tiles at their own resolution and every tile queries all the others,
the tiles of its own image left out (a tile's neighbour in the same image would make retrieval
look easier than it is); a set of one tile per image is plain leave-one-out. The thesis's split
protocol (section 4.2): the validation split queries the test split. Either way every method,
ours and every baseline, is scored on the same queries, archive and exclusions: P@8 and R@8 over
the 8 first results and mAP@20, by the engine's own evaluation functions.
Baselines see two inputs: the model's continuous pre-hash features (the hash network's output,
before the hash layer) and a hand-crafted colour/gradient histogram. For each input: random codes
(the floor), KLSH (unsupervised) and KSH (supervised, trained on the train split's labels) at
16/32/64 bits, and exact ranking of the continuous features (the upper reference: cosine on the
model's features, L2 on the histogram). Our
codes: the model's encoder-side codes (what the archive stores) and the codes recomputed from the
bitstream (decoder side, retrieval in the compressed domain).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from benchmarks.datasets import TileSet, normalise
from benchmarks.peers.features import ColourGradientHistogram
from benchmarks.peers.klsh import KernelLSH
from benchmarks.peers.ksh import SupervisedKernelHash
from benchmarks.peers.ranking import (
    cosine_distances,
    l2_distances,
    random_codes,
    unpack_codes,
)

BITS = (16, 32, 64)
TOP_R = 8
MAP_K = 20


@dataclass
class RetrievalRow:
    """Scores of one method at one code length on one dataset."""

    method: str
    features: str
    bits: int | None
    p_at_8: float
    r_at_8: float
    map_at_20: float

    def as_dict(self) -> dict:
        return asdict(self)


def code_scores(
    query_codes: np.ndarray,
    q_labels,
    db_codes: np.ndarray,
    db_labels,
    exclude_self: bool = False,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """Scores of bool hash codes by the engine's own retrieval metrics (Hamming ranking).

    ``groups``: (query groups, archive groups); archive tiles of a query's own group (its
    image) are never retrieved.
    """
    from scicbir.training.retrieval import retrieval_metrics

    def signed(codes: np.ndarray) -> np.ndarray:
        return np.where(codes, 1.0, -1.0).astype(np.float32)

    return retrieval_metrics(
        signed(query_codes),
        q_labels,
        signed(db_codes),
        db_labels,
        TOP_R,
        (MAP_K,),
        exclude_self=exclude_self,
        groups=groups,
    )


def distance_scores(
    distances: np.ndarray,
    q_labels,
    db_labels,
    exclude_self: bool = False,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """Scores of distances between continuous features (the exact cosine reference), by the
    same engine implementation as the codes (ties averaged, own group left out alike)."""
    from scicbir.training.retrieval import distance_metrics

    return distance_metrics(
        distances, q_labels, db_labels, TOP_R, (MAP_K,), exclude_self, groups=groups
    )


@dataclass
class ModelOutputs:
    """What the model gives for a set of tiles: codes (encoder/decoder side) and features."""

    codes: np.ndarray | None
    decoder_codes: np.ndarray | None
    features: np.ndarray


def model_outputs(
    package, tiles: np.ndarray, offset, scale, codes: bool = True, decoder_side: bool = True
) -> ModelOutputs:
    """Pre-hash features, and hash codes through the product path (``TileCodec.encode``).

    ``encode`` gives the archive's codes (the same as ``TileCodec.hash``) and the streams the
    decoder-side codes are recomputed from; training tiles need the features only.
    """
    import torch

    from scicbir.codec.codec import TileCodec
    from scicbir.models.network import pad_to_multiple

    codec = TileCodec(package)
    x = normalise(tiles, offset, scale)
    bits = package.config.hash_bits
    encoder_codes = decoder_codes = None
    if codes:
        encoded = codec.encode(x)
        encoder_codes = unpack_codes(
            np.stack([np.frombuffer(e.code, np.uint8) for e in encoded]), bits
        )
        if decoder_side:
            streams = [e.stream for e in encoded]
            decoder_codes = unpack_codes(codec.codes_from_streams(streams).codes, bits)
    net = codec.net
    feats = []
    with torch.no_grad():
        for start in range(0, len(x), 16):
            batch = torch.from_numpy(np.ascontiguousarray(x[start : start + 16]))
            _, hash_input = net.analyse(pad_to_multiple(batch, side=package.config.padded_size))
            feats.append(net.hash_head.features(hash_input).numpy())
    return ModelOutputs(encoder_codes, decoder_codes, np.concatenate(feats))


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] retrieval: {message}", file=sys.stderr, flush=True)


def _row(method, features, bits, s: dict) -> RetrievalRow:
    return RetrievalRow(
        method, features, bits, s[f"precision@{TOP_R}"], s[f"recall@{TOP_R}"], s[f"mAP@{MAP_K}"]
    )


def evaluate_dataset(
    package,
    train: TileSet,
    queries: TileSet,
    database: TileSet,
    offset,
    scale,
    bits: tuple[int, ...] = BITS,
    decoder_side: bool = True,
    seed: int = 0,
) -> list[RetrievalRow]:
    """Every method of the module docstring on one dataset (train / query / archive sets).

    Pass the same set as ``queries`` and ``database`` for the archive-tiles protocol: every tile
    queries the others. Archive tiles of a query's own group (``TileSet.groups``, its image)
    are never among its results, for every method alike; with one tile per image that is the
    query's own tile.
    """
    same = queries is database
    groups = (np.asarray(queries.groups), np.asarray(database.groups))
    vocab = sorted({n for s in (train, queries, database) for item in s.labels for n in item})
    y_train, _ = train.label_matrix(vocab)
    y_q, _ = queries.label_matrix(vocab)
    y_db, _ = database.label_matrix(vocab)

    def codes(q: np.ndarray, db: np.ndarray) -> dict:
        return code_scores(q, y_q, db, y_db, groups=groups)

    _log(f"model codes and features of {len(database)} archive tiles")
    ours_db = model_outputs(package, database.tiles, offset, scale, True, decoder_side)
    ours_q = (
        ours_db
        if same
        else model_outputs(package, queries.tiles, offset, scale, True, decoder_side)
    )
    _log(f"model features of {len(train)} training tiles")
    ours_train = model_outputs(package, train.tiles, offset, scale, codes=False)
    q_bits = package.config.hash_bits
    rows = [
        _row("SCI-CBIR codes (encoder side)", "model", q_bits, codes(ours_q.codes, ours_db.codes))
    ]
    if ours_q.decoder_codes is not None:
        rows.append(
            _row(
                "SCI-CBIR codes from bitstream (decoder side)",
                "model",
                q_bits,
                codes(ours_q.decoder_codes, ours_db.decoder_codes),
            )
        )
    hand = ColourGradientHistogram().fit(normalise(train.tiles, offset, scale))
    inputs = {
        "model pre-hash features": (ours_train.features, ours_q.features, ours_db.features),
        "colour/gradient histogram": tuple(
            hand.transform(normalise(s.tiles, offset, scale)) for s in (train, queries, database)
        ),
    }
    exact = {
        "model pre-hash features": ("exact cosine ranking", cosine_distances),
        "colour/gradient histogram": ("exact L2 ranking", l2_distances),
    }
    for name, (f_train, f_q, f_db) in inputs.items():
        method, distance = exact[name]
        rows.append(
            _row(method, name, None, distance_scores(distance(f_q, f_db), y_q, y_db, groups=groups))
        )
        for b in bits:
            _log(f"KLSH and KSH, {b} bits, on {name}")
            klsh = KernelLSH(b, seed=seed).fit(f_train)
            ksh = SupervisedKernelHash(b, seed=seed).fit(f_train, y_train)
            for method, model in (("KLSH", klsh), ("KSH", ksh)):
                rows.append(_row(method, name, b, codes(model.encode(f_q), model.encode(f_db))))
    for b in bits:
        db_codes = random_codes(len(database), b, seed=seed)
        q_codes = db_codes if same else random_codes(len(queries), b, seed=seed + 1)
        rows.append(_row("random codes", "-", b, codes(q_codes, db_codes)))
    return rows
