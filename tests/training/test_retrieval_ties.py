"""Retrieval figures are neutral to tied distances: the exact average over all tie orders."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scicbir.training.retrieval import distance_metrics, retrieval_metrics


def plain_scores(dist, q_labels, a_labels, retrieved, map_at, exclude_self=False):
    """P@R, R@R, mAP@k of the plain ranking by ``dist`` (stable sort), one query at a time."""
    ql, al = np.asarray(q_labels, bool), np.asarray(a_labels, bool)
    p, r, ap = [], [], {k: [] for k in map_at}
    for i in range(len(dist)):
        order = [j for j in np.argsort(dist[i], kind="stable") if not (exclude_self and j == i)]
        inter = np.array([(ql[i] & al[j]).sum() for j in order], float)
        n_r = np.array([max(al[j].sum(), 1) for j in order], float)
        top = min(retrieved, len(order))
        p.append((inter[:top] / n_r[:top]).mean())
        r.append((inter[:top] / max(ql[i].sum(), 1)).mean())
        for k in map_at:
            rel = inter[:k] > 0
            prec = np.cumsum(rel) / np.arange(1, len(rel) + 1)
            ap[k].append((prec * rel).sum() / rel.sum() if rel.any() else 0.0)
    out = {f"precision@{retrieved}": np.mean(p), f"recall@{retrieved}": np.mean(r)}
    out.update({f"mAP@{k}": np.mean(v) for k, v in ap.items()})
    return out


def all_orders_average(dist, q_labels, a_labels, retrieved, map_at, exclude_self=False):
    """Brute force: the plain scores averaged over every order of the archive."""
    n = dist.shape[1]
    total: dict[str, float] = {}
    perms = list(itertools.permutations(range(n)))
    for perm in perms:
        shifted = dist + np.array(perm)[None, :] * 1e-6  # breaks ties in the order ``perm``
        for key, v in plain_scores(
            shifted, q_labels, a_labels, retrieved, map_at, exclude_self
        ).items():
            total[key] = total.get(key, 0.0) + v
    return {key: v / len(perms) for key, v in total.items()}


def test_all_tied_gives_the_chance_value_whatever_the_archive_order():
    rng = np.random.default_rng(0)
    archive = np.ones((30, 8))  # identical codes: every distance ties
    labels = (rng.random((30, 4)) < 0.3).astype(np.uint8)
    labels[labels.sum(1) == 0, 0] = 1
    queries, q_labels = np.ones((5, 8)), labels[:5]
    m = retrieval_metrics(queries, q_labels, archive, labels, 8, (8, 20))
    # chance: every position holds the archive's mean tile
    inter = q_labels.astype(float) @ labels.T.astype(float)
    assert m["precision@8"] == pytest.approx((inter / labels.sum(1)).mean())
    assert m["recall@8"] == pytest.approx((inter / q_labels.sum(1)[:, None]).mean())
    for _ in range(3):
        perm = rng.permutation(30)
        shuffled = retrieval_metrics(queries, q_labels, archive, labels[perm], 8, (8, 20))
        assert shuffled == pytest.approx(m, abs=1e-12)
    # a query that only the archive's last tile matches: archive order would rank it last
    labels = np.zeros((30, 2), np.uint8)
    labels[:, 0] = 1
    labels[-1] = (0, 1)
    m = retrieval_metrics(np.ones((1, 8)), [[0, 1]], archive, labels, 8, (30,))
    assert m["precision@8"] == pytest.approx(1 / 30)
    # AP@30 with the one relevant tile at rank i (uniform over 30): mean of 1/i
    assert m["mAP@30"] == pytest.approx(np.mean(1 / np.arange(1, 31)))


@pytest.mark.parametrize("exclude_self", [False, True])
def test_tied_groups_score_as_the_average_over_all_their_orders(exclude_self):
    rng = np.random.default_rng(1)
    for _ in range(12):
        n = int(rng.integers(2, 7))
        labels = (rng.random((n, 3)) < 0.4).astype(np.uint8)
        q_labels = labels if exclude_self else (rng.random((3, 3)) < 0.5).astype(np.uint8)
        dist = rng.integers(0, 3, (len(q_labels), n)).astype(float)  # three values: many ties
        retrieved, map_at = int(rng.integers(1, n + 1)), [int(rng.integers(1, n + 1)), n]
        expected = all_orders_average(dist, q_labels, labels, retrieved, map_at, exclude_self)
        got = distance_metrics(dist, q_labels, labels, retrieved, map_at, exclude_self)
        assert got == pytest.approx(expected, abs=1e-12)


def test_without_ties_the_figures_are_those_of_the_ranking():
    rng = np.random.default_rng(2)
    labels = (rng.random((40, 5)) < 0.3).astype(np.uint8)
    # codes at 0, 1, 2, ... bits from the query: all distances differ
    archive = np.ones((40, 48))
    for i, d in enumerate(rng.permutation(40)):
        archive[i, :d] = -1
    dist = (archive < 0).sum(1)[None, :].astype(float)
    m = retrieval_metrics(np.ones((1, 48)), labels[:1], archive, labels, 8, (8, 20))
    assert m == pytest.approx(plain_scores(dist, labels[:1], labels, 8, (8, 20)), abs=1e-12)
    cont = rng.random((10, 40))  # continuous distances: no ties either
    expected = plain_scores(cont, labels[:10], labels, 8, (8, 20))
    assert distance_metrics(cont, labels[:10], labels, 8, (8, 20)) == pytest.approx(expected)


def test_tiles_of_the_query_own_image_are_never_retrieved():
    # image 0 holds tiles 0-1, image 1 tiles 2-3, image 2 tiles 4-5; the query (tile 0) is
    # nearest to its own neighbour (tile 1) which shares its label: excluded, only other
    # images count
    codes = np.array(
        [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, -1], [-1, -1, -1, -1], [1, 1, -1, -1], [-1] * 4],
        dtype=np.float32,
    )
    labels = np.array([[1, 0], [1, 0], [0, 1], [1, 0], [1, 0], [0, 1]])
    groups = np.array([0, 0, 1, 1, 2, 2])
    own = retrieval_metrics(
        codes[:1], labels[:1], codes, labels, retrieved=1, map_at=(1,), groups=(groups[:1], groups)
    )
    # without own-image tiles the nearest is tile 2 (distance 1, other label)
    assert own["precision@1"] == 0.0
    plain = retrieval_metrics(codes[:1], labels[:1], codes, labels, retrieved=1, map_at=(1,))
    assert plain["precision@1"] == 1.0  # itself or its neighbour, both relevant
    # every tile as a query against all, its image excluded: rankings see 4 tiles each
    r = retrieval_metrics(
        codes, labels, codes, labels, retrieved=4, map_at=(4,), groups=(groups, groups)
    )
    assert 0.0 <= r["mAP@4"] <= 1.0 and 0.0 <= r["precision@4"] <= 1.0
