"""The classic hashing baselines really retrieve: they beat random codes on separable data."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.peers.klsh import KernelLSH
from benchmarks.peers.ksh import SupervisedKernelHash, similarity_matrix
from benchmarks.peers.ranking import (
    cosine_distances,
    hamming_distances,
    random_codes,
    unpack_codes,
)


@pytest.fixture(scope="module")
def clusters():
    """Five Gaussian classes in 20-D (overlapping), a train half and a test half."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 5, 400)
    features = rng.normal(size=(5, 20))[labels] + rng.normal(size=(400, 20))
    return features[:200], labels[:200], features[200:], labels[200:]


def precision_at_8(codes: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out P@8 by the engine's scoring (ties averaged over their orders)."""
    from scicbir.training.retrieval import distance_metrics

    one_hot = np.eye(labels.max() + 1, dtype=np.uint8)[labels]
    dist = hamming_distances(codes, codes)
    return distance_metrics(dist, one_hot, one_hot, 8, (), exclude_self=True)["precision@8"]


@pytest.mark.parametrize("bits", [16, 32])
def test_klsh_and_ksh_beat_random_codes(clusters, bits):
    train_x, train_y, test_x, test_y = clusters
    floor = precision_at_8(random_codes(len(test_y), bits, seed=1), test_y)
    klsh = KernelLSH(bits, anchors=100, subset=10).fit(train_x).encode(test_x)
    ksh = SupervisedKernelHash(bits, anchors=100, labelled=200).fit(train_x, train_y)
    ksh_codes = ksh.encode(test_x)
    assert klsh.shape == ksh_codes.shape == (len(test_y), bits)
    assert floor < 0.35  # five classes: chance is 0.2
    assert precision_at_8(klsh, test_y) > floor + 0.2
    # supervision must help on top of the unsupervised kernel codes
    assert precision_at_8(ksh_codes, test_y) > precision_at_8(klsh, test_y)


def test_codes_are_balanced_and_deterministic(clusters):
    train_x, train_y, test_x, _ = clusters
    a = KernelLSH(32, anchors=100, subset=10, seed=3).fit(train_x).encode(test_x)
    b = KernelLSH(32, anchors=100, subset=10, seed=3).fit(train_x).encode(test_x)
    assert np.array_equal(a, b)
    # no constant bit: a bit that never changes carries no information
    assert np.all(a.mean(axis=0) > 0.02) and np.all(a.mean(axis=0) < 0.98)


def test_ranking_helpers_agree_with_brute_force():
    rng = np.random.default_rng(0)
    codes = random_codes(30, 64, seed=2)
    packed = np.packbits(codes, axis=1)
    assert np.array_equal(unpack_codes(packed, 64), codes)
    brute = (codes[:, None, :] != codes[None, :, :]).sum(-1)
    assert np.array_equal(hamming_distances(codes, codes), brute)
    feats = rng.normal(size=(10, 5))
    assert np.allclose(np.diag(cosine_distances(feats, feats)), 0.0)


def test_similarity_matrix_marks_shared_labels():
    multi_hot = np.array([[1, 0, 1], [0, 0, 1], [0, 1, 0]])
    s = similarity_matrix(multi_hot)
    assert s[0, 1] == 1 and s[0, 2] == -1 and s[1, 2] == -1


def test_blas_is_single_threaded_inside_the_block_and_restored_after():
    from benchmarks.peers import blas

    controls = blas._controls()
    assert controls, "numpy's OpenBLAS was not found: KSH would crawl on a busy machine"
    before = [get() for get, _ in controls]
    with blas.single_threaded():
        assert all(get() == 1 for get, _ in blas._controls())
    assert [get() for get, _ in controls] == before
