"""MGDA, PCGrad and DWA on hand-made gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from scicbir.training.dwa import DynamicWeightAverage
from scicbir.training.mgda import combine, mgda_weights
from scicbir.training.pcgrad import flatten, pcgrad, unflatten


def t(*v):
    return torch.tensor(v, dtype=torch.float64)


@pytest.mark.parametrize(
    "g1, g2, expected",
    [
        ([t(1.0, 0.0)], [t(0.0, 1.0)], 0.5),  # orthogonal, equal norms: midpoint
        ([t(2.0, 0.0)], [t(0.0, 1.0)], 0.2),  # min-norm point leans to the shorter gradient
        ([t(1.0, 1.0)], [t(2.0, 2.0)], 1.0),  # g1 . g2 >= g1 . g1: w1 = 1
        ([t(2.0, 2.0)], [t(1.0, 1.0)], 0.0),  # g1 . g2 >= g2 . g2: w1 = 0
        ([t(1.0), None], [t(1.0), t(3.0)], 1.0),  # missing gradient counts as zero
    ],
)
def test_mgda_closed_form(g1, g2, expected):
    w1, w2 = mgda_weights(g1, g2)
    assert w1 == pytest.approx(expected) and w1 + w2 == pytest.approx(1.0)


def test_mgda_weights_stay_in_the_simplex_and_give_the_min_norm_point():
    rng = np.random.default_rng(0)
    for _ in range(50):
        g1 = [torch.from_numpy(rng.normal(size=5)), torch.from_numpy(rng.normal(size=(2, 3)))]
        g2 = [torch.from_numpy(rng.normal(size=5)), torch.from_numpy(rng.normal(size=(2, 3)))]
        w1, w2 = mgda_weights(g1, g2)
        assert 0.0 <= w1 <= 1.0 and 0.0 <= w2 <= 1.0 and w1 + w2 == pytest.approx(1.0)
        norm = sum(float((g**2).sum()) for g in combine([g1, g2], [w1, w2]))
        for a in np.linspace(0, 1, 21):  # no other convex combination is shorter
            other = sum(float((g**2).sum()) for g in combine([g1, g2], [a, 1 - a]))
            assert norm <= other + 1e-9


def test_pcgrad_removes_the_conflicting_component():
    g1, g2 = t(1.0, 0.0), t(-1.0, 1.0)  # g1 . g2 = -1 < 0: conflict
    total, conflict = pcgrad([g1, g2], seed=0)
    # projected: g1' = g1 - (g1.g2)/|g2|^2 g2 = (0.5, 0.5); g2' = g2 - (g2.g1)/|g1|^2 g1 = (0, 1)
    assert torch.allclose(total, t(0.5, 1.5))
    assert conflict == 1.0
    assert float(torch.dot(t(0.5, 0.5), g2)) == pytest.approx(0.0)  # no negative component left


def test_pcgrad_leaves_agreeing_gradients_alone():
    g1, g2, g3 = t(1.0, 0.2, 0.0), t(0.5, 1.0, 0.0), t(0.0, 0.1, 1.0)
    total, conflict = pcgrad([g1, g2, g3], seed=1)
    assert conflict == 0.0 and torch.allclose(total, g1 + g2 + g3)


def test_flatten_roundtrip():
    params = [torch.nn.Parameter(torch.zeros(2, 3)), torch.nn.Parameter(torch.zeros(4))]
    grads = [torch.arange(6.0).reshape(2, 3), None]
    flat = flatten(grads, params)
    assert flat.shape == (10,)
    back = unflatten(flat, params)
    assert torch.equal(back[0], grads[0]) and torch.equal(back[1], torch.zeros(4))


def test_dwa_weights_follow_the_loss_ratios_and_resume():
    dwa = DynamicWeightAverage(3, temperature=2.0)
    assert dwa.weights() == [1.0, 1.0, 1.0]
    dwa.update([1.0, 1.0, 1.0])
    dwa.update([0.5, 1.0, 2.0])  # first fell fast, last rose: last gets the most weight
    w = dwa.weights()
    assert sum(w) == pytest.approx(3.0) and w[0] < w[1] < w[2]
    r = np.array([0.5, 1.0, 2.0])
    assert np.allclose(w, 3 * np.exp(r / 2) / np.exp(r / 2).sum())
    other = DynamicWeightAverage(3)
    other.load_state_dict(dwa.state_dict())
    assert other.weights() == w


def test_learning_rate_rules_of_stages_1_and_2():
    from scicbir.training.lr_rules import PlateauTracker, lr_for_psnr

    table = [[45.0, 1e-4], [50.0, 5e-5], [float("inf"), 1e-5]]  # eq. 4.1
    assert [lr_for_psnr(p, table) for p in (None, 30.0, 45.0, 49.9, 50.1)] == [
        1e-4,
        1e-4,
        5e-5,
        5e-5,
        1e-5,
    ]
    tracker = PlateauTracker(lr=1e-5, step=1e-5, max_lr=9e-5, patience=2, tolerance=0.01)
    reached = [tracker.update(v) for v in (1.5, 1.4, 1.395, 1.394, 1.2, 1.199, 1.198)]
    assert reached == [False, False, False, True, False, False, True]
    assert tracker.lr == pytest.approx(3e-5)
    for _ in range(40):
        tracker.update(1.0)
    assert tracker.lr == pytest.approx(9e-5)  # never above the maximum
