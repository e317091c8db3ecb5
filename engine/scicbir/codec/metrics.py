"""Quality and rate figures of coded tiles (thesis section 4.2).

All functions take tiles ``(C, h, w)`` (or batches ``(B, C, h, w)``) of *normalised* values,
where the data's peak is ``data_range`` (1.0 for a model's nominal range):

- ``bpp``: bits of the real stream per spatial pixel (all bands together), eq. of the paper;
- ``psnr``: 10 log10(MAX^2 / MSE) over all bands (eq. 4.3);
- ``ssim``: mean SSIM over bands, Gaussian window 11 (smaller on small tiles), as the loss uses;
- ``spectral_angle``: mean angle in radians between the original and decoded spectra of each
  pixel (eq. 4.4); pixels whose spectrum is all zero are left out.
"""

from __future__ import annotations

import math

import numpy as np


def bpp(num_bytes: int, height: int, width: int) -> float:
    """Bits per spatial pixel of a stream of ``num_bytes`` for an h x w tile."""
    return 8.0 * num_bytes / (height * width)


def psnr(
    x: np.ndarray,
    x_hat: np.ndarray,
    data_range: float = 1.0,
    mask: np.ndarray | None = None,
    cap: float | None = None,
) -> float:
    """PSNR in dB: inf for identical tiles, or at most ``cap`` (the catalog stores 100 dB for a
    lossless tile, JSON has no infinity). ``mask`` (h, w; True = nodata): those pixels are left
    out, as their values are fills, not data. The one PSNR of the engine (compress, eval,
    benchmarks)."""
    diff = np.asarray(x, np.float64) - np.asarray(x_hat, np.float64)
    if mask is not None:
        diff = diff[..., ~np.asarray(mask, bool)]
    mse = float(np.mean(diff * diff)) if diff.size else 0.0
    value = math.inf if mse == 0 else 10.0 * math.log10(data_range**2 / mse)
    return min(cap, value) if cap is not None else value


def ssim(x: np.ndarray, x_hat: np.ndarray, data_range: float = 1.0) -> float:
    """Mean SSIM over bands (pytorch-msssim, Gaussian window sigma 1.5)."""
    import torch
    from pytorch_msssim import ssim as _ssim

    a = torch.from_numpy(np.asarray(x, np.float32))
    b = torch.from_numpy(np.asarray(x_hat, np.float32))
    if a.ndim == 3:
        a, b = a[None], b[None]
    side = min(a.shape[-2:])
    win = min(11, side if side % 2 else side - 1)
    if win < 3:
        raise ValueError(f"SSIM needs tiles of at least 3x3 pixels, got {tuple(a.shape[-2:])}")
    return float(_ssim(a, b, data_range=data_range, size_average=True, win_size=win))


def spectral_angle(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Mean spectral angle in radians between corresponding pixels (bands on axis -3)."""
    a = np.asarray(x, np.float64)
    b = np.asarray(x_hat, np.float64)
    dot = np.sum(a * b, axis=-3)
    norms = np.linalg.norm(a, axis=-3) * np.linalg.norm(b, axis=-3)
    valid = norms > 0
    if not valid.any():
        return 0.0
    cos = np.clip(dot[valid] / norms[valid], -1.0, 1.0)
    return float(np.mean(np.arccos(cos)))


def tile_metrics(
    x: np.ndarray, x_hat: np.ndarray, num_bytes: int, data_range: float = 1.0
) -> dict[str, float]:
    """bpp, PSNR, SSIM, SA of one tile (C, h, w)."""
    h, w = x.shape[-2:]
    return {
        "bpp": bpp(num_bytes, h, w),
        "psnr": psnr(x, x_hat, data_range),
        "ssim": ssim(x, x_hat, data_range) if min(h, w) >= 3 else float("nan"),
        "sa": spectral_angle(x, x_hat),
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    """Averages of per-tile figures (finite values only; PSNR averaged in dB)."""
    keys = rows[0].keys() if rows else []
    out = {}
    for key in keys:
        values = [r[key] for r in rows if isinstance(r[key], int | float) and math.isfinite(r[key])]
        out[key] = float(np.mean(values)) if values else float("nan")
    return out
