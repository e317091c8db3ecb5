"""PCGrad (Yu et al. 2020; thesis Table 2.1): project away conflicting gradient components.

For each task gradient g_i, in a random order over the other tasks j: if g_i . g_j < 0, remove
from g_i its component along g_j (g_i -= (g_i . g_j) / ||g_j||^2 g_j). The projected gradients
are summed. Used in stage 3 for the hashing sub-losses (pairwise, balance, classification),
whose gradients often point against each other on the shared encoder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor


def flatten(grads: Sequence[Tensor | None], params: Sequence[torch.nn.Parameter]) -> Tensor:
    """One flat vector per gradient list (zeros where a parameter got no gradient)."""
    return torch.cat(
        [
            (torch.zeros_like(p) if g is None else g).reshape(-1)
            for g, p in zip(grads, params, strict=True)
        ]
    )


def unflatten(flat: Tensor, params: Sequence[torch.nn.Parameter]) -> list[Tensor]:
    out, start = [], 0
    for p in params:
        n = p.numel()
        out.append(flat[start : start + n].view_as(p))
        start += n
    return out


def pcgrad(task_grads: Sequence[Tensor], seed: int = 0) -> tuple[Tensor, float]:
    """Combine flat task gradients by PCGrad; returns (summed gradient, conflict rate).

    The conflict rate is the fraction of (i, j) checks where g_i (as projected so far) and g_j
    pointed against each other. ``seed`` fixes the random order (reproducible and resumable).
    """
    rng = np.random.default_rng(seed)
    n = len(task_grads)
    projected = []
    conflicts = checks = 0
    for i in range(n):
        g = task_grads[i].clone()
        others = [j for j in range(n) if j != i]
        rng.shuffle(others)
        for j in others:
            gj = task_grads[j]
            d = torch.dot(g, gj)
            checks += 1
            if d < 0:
                conflicts += 1
                g = g - d / gj.dot(gj).clamp_min(1e-20) * gj
        projected.append(g)
    return torch.stack(projected).sum(dim=0), (conflicts / checks if checks else 0.0)
