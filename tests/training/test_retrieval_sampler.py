"""Retrieval figures, the class-balanced sampler and the split rule on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest

from scicbir.training.retrieval import hamming_rank, retrieval_metrics
from scicbir.training.sampler import class_balanced_batches, shuffled_batches
from scicbir.training.splits import assign_splits


def test_hamming_rank_and_thesis_precision_recall():
    archive = np.array([[1, 1, 1, 1], [1, 1, 1, -1], [-1, -1, -1, -1], [1, -1, -1, -1]], float)
    labels = np.array([[1, 0], [1, 1], [0, 1], [0, 1]])
    query = np.array([[1, 1, 1, 1]], float)
    assert hamming_rank(query, archive, 4).tolist() == [[0, 1, 3, 2]]
    m = retrieval_metrics(query, np.array([[1, 0]]), archive, labels, retrieved=2, map_at=[2, 4])
    # top 2: {a}, {a, b}: precision = mean(1/1, 1/2), recall = mean(1/1, 1/1)
    assert m["precision@2"] == pytest.approx(0.75) and m["recall@2"] == pytest.approx(1.0)
    assert m["mAP@2"] == pytest.approx(1.0)
    assert m["mAP@4"] == pytest.approx(1.0)  # both relevant tiles ranked first
    m_self = retrieval_metrics(archive, labels, archive, labels, 1, [1], exclude_self=True)
    assert 0 <= m_self["precision@1"] <= 1


def test_class_balanced_batches_hold_pairs_of_each_class_and_repeat_per_epoch():
    labels = np.zeros((40, 5), dtype=np.uint8)
    labels[np.arange(40), np.arange(40) % 5] = 1
    batches = class_balanced_batches(labels, 8, 2, seed=0, epoch=3)
    assert len(batches) == 40 // 8
    for b in batches:
        assert len(b) == 8
        counts = labels[b].sum(axis=0)
        assert set(counts[counts > 0].tolist()) == {2}  # 4 classes x 2 samples
    again = class_balanced_batches(labels, 8, 2, seed=0, epoch=3)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))
    other = class_balanced_batches(labels, 8, 2, seed=0, epoch=4)
    assert not all(np.array_equal(a, b) for a, b in zip(batches, other, strict=True))
    flat = np.concatenate(shuffled_batches(40, 8, 0, 0))
    assert sorted(flat.tolist()) == list(range(40))


def test_split_rule_is_a_stable_function_of_the_key():
    keys = [f"Forest/Forest_{i}.tif" for i in range(2000)]
    s = assign_splits(keys, [None] * len(keys), 0.7, 0.1)
    frac = np.bincount(s, minlength=3) / len(keys)
    assert abs(frac[0] - 0.7) < 0.04 and abs(frac[1] - 0.1) < 0.03
    # the same key gets the same split whatever the other samples are
    s2 = assign_splits(keys[::-1][:500], [None] * 500, 0.7, 0.1)
    assert np.array_equal(s2, s[::-1][:500])
    fixed = assign_splits(["a", "b"], ["test", None], 0.7, 0.1)
    assert fixed[0] == 2
