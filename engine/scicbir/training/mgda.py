"""Two-task MGDA in closed form (thesis eq. 3.14), on gradients split over parameter lists.

The min-norm point of the segment between two gradients gives the weights (w1, w2) with which
rate and distortion are descended together: w1 = clip(((g2 - g1)^T g2) / ||g2 - g1||^2, 0, 1),
w2 = 1 - w1. The gradients are lists of per-parameter tensors (``None`` = no gradient) so no
flat copy of a large network is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

Grads = Sequence[Tensor | None]


def dot(a: Grads, b: Grads) -> float:
    """Inner product of two gradient lists."""
    total = 0.0
    for ga, gb in zip(a, b, strict=True):
        if ga is not None and gb is not None:
            total += float((ga.double() * gb.double()).sum())
    return total


def mgda_weights(g1: Grads, g2: Grads) -> tuple[float, float]:
    """(w1, w2) minimising ||w1 g1 + w2 g2|| with w1 + w2 = 1, w1, w2 >= 0."""
    g11, g12, g22 = dot(g1, g1), dot(g1, g2), dot(g2, g2)
    denom = g11 - 2.0 * g12 + g22  # ||g2 - g1||^2
    if denom <= 1e-30:
        return 0.5, 0.5  # identical gradients: any convex combination is the same point
    w1 = (g22 - g12) / denom
    w1 = min(1.0, max(0.0, w1))
    return w1, 1.0 - w1


def combine(grads: Sequence[Grads], weights: Sequence[float]) -> list[Tensor | None]:
    """Weighted sum of gradient lists (``None`` entries count as zero)."""
    out: list[Tensor | None] = []
    for parts in zip(*grads, strict=True):
        acc = None
        for g, w in zip(parts, weights, strict=True):
            if g is None:
                continue
            acc = g * w if acc is None else acc + g * w
        out.append(acc)
    return out


def zeros_like_missing(grads: Grads, params: Sequence[torch.nn.Parameter]) -> list[Tensor]:
    """Replace ``None`` gradients by zeros shaped like their parameters."""
    return [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params, strict=True)]
