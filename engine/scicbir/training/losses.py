"""The losses of SCI-CBIR (thesis eqs. 3.4, 3.6, 3.8, 3.9) and the rate in bits per pixel.

The hashing losses are sums over the pairs and samples of a batch, as the thesis writes them.
This matters: the Greedy Hash layer adds ``gamma * (u - b)`` to the gradient of the codes for
every element whatever the loss scale, and with per-pair means that term outweighs the pairwise
gradient, drives every logit away from zero in the direction it already has and freezes all
codes into one (observed on AID). With sums the retrieval losses dominate as intended; Adam
makes the overall scale irrelevant to the step size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from torch import Tensor


def distortion_loss(x: Tensor, x_hat: Tensor, data_range: float = 1.0) -> Tensor:
    """``1 - SSIM(x, x_hat)`` over all bands (eq. 3.4); SSIM with an 11x11 Gaussian window."""
    from pytorch_msssim import ssim

    return 1.0 - ssim(x_hat, x, data_range=data_range, size_average=True)


def rate_bpp(likelihoods: Mapping[str, Tensor], num_pixels: int) -> Tensor:
    """Estimated bits per pixel: -log2 of all likelihoods over (batch x H x W) pixels.

    All bands share the pixel count (bpp is per spatial pixel, as in the paper).
    """
    total = sum(torch.log(lk).sum() for lk in likelihoods.values())
    return -total / (math.log(2.0) * num_pixels)


def label_similarity(labels: Tensor) -> Tensor:
    """Cosine similarity s_o of multi-hot label vectors (B, L) -> (B, B); 0 where one is empty."""
    y = labels.float()
    norm = y.norm(dim=1, keepdim=True).clamp_min(1e-12)
    yn = y / norm
    return yn @ yn.t()


def soft_pairwise_loss(
    codes: Tensor, labels: Tensor, alpha: float | None = None, gamma: float | None = None
) -> Tensor:
    """Soft pairwise loss (eq. 3.6): cross-entropy on hard pairs, squared error on soft pairs.

    ``codes`` (B, q) in {-1, +1} (or relaxed), ``labels`` (B, L) multi-hot. Hard pairs share all
    or none of their labels (s_o in {0, 1}): ``log(1 + exp(a s_h)) - a s_h s_o``; soft pairs:
    ``gamma (0.5 (s_h + q) - s_o q)^2``, with a = 5/q, gamma = 0.1/q by default. The hard term is
    weighted by m_ij (eq. 3.6; eq. 3.7 misprints 1 - m_ij). Sum over ordered pairs i != j.
    """
    q = codes.shape[1]
    alpha = 5.0 / q if alpha is None else alpha
    gamma = 0.1 / q if gamma is None else gamma
    s_o = label_similarity(labels)
    s_h = codes @ codes.t()
    hard = (s_o < 1e-6) | (s_o > 1 - 1e-6)
    hard_term = torch.nn.functional.softplus(alpha * s_h) - alpha * s_h * s_o
    soft_term = gamma * (0.5 * (s_h + q) - s_o * q) ** 2
    per_pair = torch.where(hard, hard_term, soft_term)
    off_diag = ~torch.eye(codes.shape[0], dtype=torch.bool, device=codes.device)
    return per_pair[off_diag].sum()


def balance_loss(codes: Tensor) -> Tensor:
    """Bit balance (eq. 3.8): squared sum of each code's entries, summed over the batch."""
    return (codes.sum(dim=1) ** 2).sum()


def classification_loss(probs: Tensor, labels: Tensor) -> Tensor:
    """Squared error between predicted probabilities and multi-hot labels, summed (eq. 3.9)."""
    return ((probs - labels.float()) ** 2).sum()


def hash_centres(bits: int, classes: int, seed: int = 0) -> Tensor:
    """One hash centre in {-1, +1}^bits per class (central similarity quantisation, Yuan et al.,
    CVPR 2020): rows of a Hadamard matrix and their negatives while there are enough (any two
    are bits/2 apart, the largest spread possible for that many), else random balanced codes
    drawn from ``seed``. Deterministic, so a resumed run trains towards the same centres."""
    if bits & (bits - 1) == 0 and classes <= 2 * bits:
        h = torch.ones(1, 1)
        while h.shape[0] < bits:
            h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
        return torch.cat([h, -h])[:classes].clone()
    g = torch.Generator().manual_seed(seed)
    return torch.where(torch.rand(classes, bits, generator=g) < 0.5, -1.0, 1.0)


def central_similarity_losses(
    u: Tensor, labels: Tensor, centres: Tensor, quantisation: float = 1e-4
) -> tuple[Tensor, Tensor]:
    """(central similarity, quantisation) of hash logits ``u`` (B, q) (Yuan et al., CVPR 2020).

    Each tile's target is the centre of its class; a multi-label tile's is the sign of the sum of
    its classes' centres (ties to +1). The first term is the binary cross-entropy between
    (tanh(u) + 1) / 2 and the target bits, which pulls codes of one class together and codes of
    different classes apart by about half the bits (eq. 6 of the paper); the second, weighted by
    ``quantisation``, pulls |tanh(u)| to 1 so that taking the sign changes little. Unlike the
    pairwise loss it needs no pair of same-class tiles in a batch, and it makes the code of
    every class sit in its own region of Hamming space, which is what a ranking by Hamming
    distance rewards.
    """
    target = torch.where(labels.float() @ centres.to(u.device) >= 0, 1.0, 0.0)
    t = torch.tanh(u)
    p = ((t + 1.0) / 2.0).clamp(1e-6, 1.0 - 1e-6)
    centre = torch.nn.functional.binary_cross_entropy(p, target)
    quant = quantisation * ((t.abs() - 1.0) ** 2).mean()
    return centre, quant


def contrastive_hash_losses(
    u1: Tensor, u2: Tensor, temperature: float = 0.3, near: Tensor | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Label-free hashing losses for positive pairs (row i of ``u1`` and ``u2``: two augmented
    views of a tile, or of two neighbouring tiles): (contrastive, balance, quantisation).

    Contrastive: NT-Xent (SimCLR, Chen et al. 2020) over the 2B codes, computed on the binary
    codes themselves with a straight-through gradient through tanh, as CIBHash (Qiu et al.,
    AAAI 2021) does: each tile's two views are pulled to the same code and pushed away from
    every other tile's, so Hamming distance is what is trained. Balance: the mean of each bit
    over the batch squared (every bit splits the archive). Quantisation: tanh(u) pulled to
    +-1, so the codes do not flip under small changes of the input.

    ``near`` (2B, 2B) bool, optional: pairs of the 2B views that are no negatives of each other
    (views of neighbouring tiles); each row's positive stays its target.
    """
    z = torch.tanh(torch.cat([u1, u2]))
    b = z + (torch.sign(z) - z).detach()
    b = torch.nn.functional.normalize(b, dim=1)
    sim = b @ b.t() / temperature
    n = u1.shape[0]
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(sim.device)
    masked = torch.eye(2 * n, dtype=torch.bool, device=sim.device)
    if near is not None:
        masked = masked | near.to(sim.device)
        masked[torch.arange(2 * n, device=sim.device), target] = False
    sim = sim.masked_fill(masked, -1e9)
    contrastive = torch.nn.functional.cross_entropy(sim, target)
    balance = (z.mean(dim=0) ** 2).mean()
    quantisation = ((z.abs() - 1.0) ** 2).mean()
    return contrastive, balance, quantisation


def psnr(x: Tensor, x_hat: Tensor, peak: float = 1.0) -> Tensor:
    """PSNR per sample in dB (eq. 4.3) with ``peak`` the nominal maximum of normalised data."""
    mse = ((x - x_hat) ** 2).flatten(1).mean(dim=1).clamp_min(1e-12)
    return 10.0 * torch.log10(peak**2 / mse)
