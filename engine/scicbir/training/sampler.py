"""Batches for an epoch: class-balanced (stage 3) or shuffled, fixed by (seed, epoch).

The class-balanced sampler (as in the published SCI-CBIR code, ``num_samples_per_class``,
default 2) picks batch_size / n classes and n samples carrying each class, so every batch holds
positive pairs for the pairwise loss even with many classes. Batches depend only on the seed
and the epoch number: a resumed run sees exactly the batches the interrupted one would have.
"""

from __future__ import annotations

import numpy as np


def epoch_rng(seed: int, epoch: int, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, epoch, salt])


def shuffled_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """All indices 0..n-1 in random order, cut into full batches (the remainder is dropped
    when at least one full batch exists, so BatchNorm-free steps stay comparable)."""
    order = epoch_rng(seed, epoch).permutation(n)
    if n < batch_size:
        return [order] if n >= 2 else []
    return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def class_balanced_batches(
    labels: np.ndarray, batch_size: int, per_class: int, seed: int, epoch: int
) -> list[np.ndarray]:
    """Batches of ``batch_size`` built from ``per_class`` samples of each of several classes.

    ``labels`` (n, L) multi-hot. As many batches as ``shuffled_batches`` would give. Samples
    without labels are never chosen.
    """
    n = labels.shape[0]
    if per_class <= 0:
        return shuffled_batches(n, batch_size, seed, epoch)
    rng = epoch_rng(seed, epoch, 1)
    members = [np.flatnonzero(labels[:, c]) for c in range(labels.shape[1])]
    classes = [c for c, m in enumerate(members) if m.size]
    if not classes:
        return shuffled_batches(n, batch_size, seed, epoch)
    n_batches = max(1, n // batch_size)
    per_batch = max(1, batch_size // per_class)
    batches = []
    for _ in range(n_batches):
        chosen = rng.choice(classes, size=per_batch, replace=len(classes) < per_batch)
        idx = [
            rng.choice(members[c], size=per_class, replace=members[c].size < per_class)
            for c in chosen
        ]
        batch = np.concatenate(idx)[:batch_size]
        if batch.size < batch_size:  # fill up with random samples
            extra = rng.choice(n, size=batch_size - batch.size, replace=n < batch_size)
            batch = np.concatenate([batch, extra])
        batches.append(batch)
    return batches
