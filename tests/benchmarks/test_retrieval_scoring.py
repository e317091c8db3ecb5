"""The cosine reference is scored exactly like the engine scores hash codes, ties averaged."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.peers.features import ColourGradientHistogram
from benchmarks.peers.ranking import hamming_distances, random_codes
from benchmarks.retrieval import distance_scores


@pytest.mark.parametrize("exclude_self", [False, True])
def test_benchmark_distances_are_scored_like_the_engine_scores_codes(exclude_self):
    from scicbir.training.retrieval import distance_metrics, retrieval_metrics

    rng = np.random.default_rng(3)
    labels = (rng.random((60, 6)) < 0.3).astype(np.uint8)
    labels[labels.sum(1) == 0, 0] = 1
    codes = random_codes(60, 16, seed=4)  # 16 bits: many ties, the hard case
    queries = codes if exclude_self else codes[:20]
    q_labels = labels if exclude_self else labels[:20]
    signed = np.where(codes, 1.0, -1.0)
    engine = retrieval_metrics(
        signed if exclude_self else signed[:20],
        q_labels,
        signed,
        labels,
        8,
        (20,),
        exclude_self=exclude_self,
    )
    ours = distance_scores(hamming_distances(queries, codes), q_labels, labels, exclude_self)
    assert ours == pytest.approx(engine, abs=1e-12)
    # ties are averaged: the archive order does not change the scores
    perm = rng.permutation(60)
    if not exclude_self:
        shuffled = distance_metrics(
            hamming_distances(queries, codes[perm]), q_labels, labels[perm], 8, (20,)
        )
        assert shuffled == pytest.approx(engine, abs=1e-12)


def test_a_perfect_ranking_scores_one_and_a_reversed_one_less():
    labels = np.repeat(np.eye(3, dtype=np.uint8), 10, axis=0)
    rng = np.random.default_rng(0)
    differ = labels @ labels.T == 0
    near = np.where(differ, 1.0, 0.0) + rng.random(differ.shape) * 0.1  # no ties
    perfect = distance_scores(near, labels, labels)
    assert perfect == {"precision@8": 1.0, "recall@8": 1.0, "mAP@20": 1.0}
    worst = distance_scores(-near, labels, labels)
    assert worst["precision@8"] == 0.0 and worst["mAP@20"] == 0.0


def test_histogram_feature_is_normalised_and_separates_real_tiles(data_dir):
    import rasterio

    tiles = []
    for name in ("River_1237", "Forest_1031", "Industrial_1224", "AnnualCrop_1227"):
        with rasterio.open(data_dir / "eurosat" / f"{name}.tif") as src:
            tiles.append(src.read().astype(np.float32) / 20566.0)
    x = np.stack(tiles)
    feature = ColourGradientHistogram().fit(x)
    f = feature.transform(x)
    assert f.shape[0] == 4 and np.allclose(np.linalg.norm(f, axis=1), 1.0)
    assert np.allclose(feature.transform(x[:1]), f[:1])  # per-tile, independent of the batch
    gram = f @ f.T
    assert np.all(gram[~np.eye(4, dtype=bool)] < 0.999)  # different scenes, different features
    with pytest.raises(ValueError, match="fitted on 13 bands"):
        feature.transform(x[:, :3])


def test_tiles_of_the_querys_own_image_are_never_retrieved_by_any_method():
    from benchmarks.retrieval import code_scores

    rng = np.random.default_rng(5)
    images = np.repeat(np.arange(20), 4)  # 20 images cut into 2 x 2 tiles
    labels = np.eye(5, dtype=np.uint8)[images % 5]  # 4 images per class
    codes = random_codes(80, 16, seed=6)
    groups = (images, images)
    by_codes = code_scores(codes, labels, codes, labels, groups=groups)
    by_distances = distance_scores(hamming_distances(codes, codes), labels, labels, groups=groups)
    assert by_distances == pytest.approx(by_codes, abs=1e-12)
    # features that only know the image: perfect with own image allowed, nothing without it
    near = (images[:, None] != images[None, :]).astype(float) + rng.random((80, 80)) * 0.1
    np.fill_diagonal(near, -1.0)
    lonely = np.eye(20, dtype=np.uint8)[images]  # a label only the image's own tiles share
    assert distance_scores(near, lonely, lonely, exclude_self=True)["mAP@20"] == 1.0
    with pytest.raises(ValueError, match="outside its own group"):
        distance_scores(near[:4, :4], lonely[:4], lonely[:4], groups=(images[:4], images[:4]))
    assert distance_scores(near, lonely, lonely, groups=groups)["mAP@20"] == 0.0
    # one tile per image: the group is the tile itself, i.e. leave-one-out
    single = np.arange(80)
    assert distance_scores(near, labels, labels, groups=(single, single)) == pytest.approx(
        distance_scores(near, labels, labels, exclude_self=True)
    )
