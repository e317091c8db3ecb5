"""The SCI-CBIR network (thesis Fig. 3.1): a learned codec and a hashing part sharing latents.

Compression part (Cheng et al. 2020 "attention" codec, built from compressai's layers):
``g_a`` (residual blocks with stride, attention, 16x down-sampling) gives latents y with N
channels; ``h_a`` gives hyper-latents z with M channels (4x further down-sampling), coded with a
factorized ``EntropyBottleneck``; ``h_s`` and a 5x5 masked ``context_prediction`` feed
``entropy_parameters`` (three 1x1 convolutions) that output the weights, means and scales of a
K-component Gaussian mixture per latent element (``GaussianMixtureConditional``, eq. 3.3);
``g_s`` mirrors ``g_a``.

Hashing part (Table 3.1, ``HashHead``): attention, hash network, Greedy Hash layer, classifier;
fed by y (``hash_side="encoder"``) or by the quantised latents ŷ recovered from a bitstream
(``hash_side="decoder"``); with ``hash_taps``, also by earlier outputs of ``g_a`` pooled to the
latent grid (``analyse``).

Real bitstreams: ``net.latent_codec.compress(y)`` / ``decompress(strings, shape)`` (compressai's
``LatentCodec`` contract, backed by a deterministic coder so that a stream decodes
bit-identically in another process; see ``scicbir.models.latent_codec``); ``scicbir.codec`` wraps
them into tile streams. This module holds the network and its training forward pass.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812  (the usual name)
from torch import Tensor, nn

from scicbir._compressai import import_compressai
from scicbir.models.config import ANALYSIS_LAYERS, SIDE_MULTIPLE, ModelConfig
from scicbir.models.hashing import HashHead
from scicbir.models.latent_codec import MixtureLatentCodec

import_compressai()

from compressai.layers import (  # noqa: E402
    AttentionBlock,
    ResidualBlock,
    ResidualBlockUpsample,
    ResidualBlockWithStride,
    conv3x3,
    subpel_conv3x3,
)
from compressai.models import CompressionModel  # noqa: E402


def pad_to_multiple(x: Tensor, multiple: int = SIDE_MULTIPLE, side: int | None = None) -> Tensor:
    """Replicate-pad (B, C, h, w) at the bottom/right to ``side`` (or the next multiple).

    Replicate padding keeps the padded area smooth, so it costs few bits and does not disturb
    the attention blocks the way a zero border would.
    """
    h, w = x.shape[-2:]
    th = side if side is not None else -(-h // multiple) * multiple
    tw = side if side is not None else -(-w // multiple) * multiple
    if (th, tw) == (h, w):
        return x
    return F.pad(x, (0, tw - w, 0, th - h), mode="replicate")


#: How much coarser y is than the output of ``g_a[:k]`` (its layers 1, 3, 6 and 8 halve the side).
TAP_POOLING = {1: 8, 2: 8, 3: 4, 4: 4, 5: 4, 6: 2, 7: 2, 8: 1}


def analyse(
    g_a: nn.Sequential,
    x: Tensor,
    taps: tuple[int, ...] = (),
    decoder_side: bool = False,
    pooling: str = "mean",
) -> tuple[Tensor, Tensor]:
    """Latents y and the hash network's input for a padded batch x.

    The input is y (or round(y) on the decoder side), joined along the channels by the outputs
    of ``g_a[:k]`` for each k in ``taps`` (in increasing k), average-pooled to y's grid; with
    ``pooling="mean+std"`` each tap gives its mean and then its standard deviation per cell of
    that grid. Every caller (training, latent caches, the codec's torch path, the ONNX export)
    gets its hash input here.
    """
    if not taps:
        y = g_a(x)
        return y, torch.round(y) if decoder_side else y
    tapped = []
    h = x
    for k, layer in enumerate(g_a, start=1):
        h = layer(h)
        if k in taps:
            tapped.append(h)
    y = h
    pooled = []
    for k, t in zip(sorted(taps), tapped, strict=True):
        pooled.extend(pool_tap(t, TAP_POOLING[k], pooling == "mean+std"))
    return y, torch.cat([torch.round(y) if decoder_side else y, *pooled], dim=1)


#: Added to a cell's variance before the square root: keeps the gradient finite in flat cells.
TAP_STD_EPSILON = 1e-6


def pool_tap(t: Tensor, cell: int, with_std: bool) -> list[Tensor]:
    """Mean (and standard deviation) of ``t`` over ``cell`` x ``cell`` cells.

    Constant kernels, not adaptive pooling: the ONNX export needs them fixed. The deviation is
    taken from the cell's mean broadcast back (two passes) rather than E[t^2] - E[t]^2, which
    cancels badly in float32 and would let torch and onnxruntime disagree on a code bit.
    """
    mean = F.avg_pool2d(t, cell)
    if not with_std:
        return [mean]
    spread = t - mean.repeat_interleave(cell, dim=2).repeat_interleave(cell, dim=3)
    return [mean, torch.sqrt(F.avg_pool2d(spread * spread, cell) + TAP_STD_EPSILON)]


class SciCbirNet(CompressionModel):
    """Joint compression + hashing network for ``config.num_bands`` input bands.

    Training API (used by ``scicbir.training``)::

        out = net(x)            # x: (B, C, H, W) float32 normalised, H and W multiples of 64
        out["x_hat"]            # reconstruction (B, C, H, W)
        out["likelihoods"]      # {"y": ..., "z": ...} for the rate loss (bits = -log2)
        out["y"], out["y_hat"]  # latents before/after quantisation (noise while training)
        out["u"]                # hash logits (B, q) (None with hash=False)
        out["b"]                # codes in {-1, +1} (B, q), Greedy Hash gradient
        out["class_probs"]      # sigmoid class probabilities (B, |L|) or None without labels

    ``net(x, hash=False)`` skips the hashing part (stages 1 and 2). ``compression_parameters()``
    and ``hashing_parameters()`` split the weights for per-part learning rates (stage 3);
    ``aux_loss()`` trains the factorized model's quantiles, as in every compressai model.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        C, N, M, K = config.num_bands, config.N, config.M, config.K
        self.g_a = nn.Sequential(
            ResidualBlockWithStride(C, N, stride=2),
            ResidualBlock(N, N),
            ResidualBlockWithStride(N, N, stride=2),
            AttentionBlock(N),
            ResidualBlock(N, N),
            ResidualBlockWithStride(N, N, stride=2),
            ResidualBlock(N, N),
            conv3x3(N, N, stride=2),
            AttentionBlock(N),
        )
        assert len(self.g_a) == ANALYSIS_LAYERS  # hash taps index these layers
        self.g_s = nn.Sequential(
            AttentionBlock(N),
            ResidualBlock(N, N),
            ResidualBlockUpsample(N, N, 2),
            ResidualBlock(N, N),
            ResidualBlockUpsample(N, N, 2),
            AttentionBlock(N),
            ResidualBlock(N, N),
            ResidualBlockUpsample(N, N, 2),
            ResidualBlock(N, N),
            subpel_conv3x3(N, C, 2),
        )
        self.latent_codec = MixtureLatentCodec(N, M, K, config.context)
        self.hash_head = HashHead.for_config(config)

    def apply_context_mask(self) -> None:
        """See ``MixtureLatentCodec.apply_context_mask``."""
        self.latent_codec.apply_context_mask()

    # ------------------------------------------------------------------ forward
    def analyse(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Latents y and the hash network's input of a padded batch (module ``analyse``)."""
        c = self.config
        return analyse(self.g_a, x, c.hash_taps, c.hash_side == "decoder", c.hash_tap_pooling)

    def forward(self, x: Tensor, hash: bool = True) -> dict[str, Any]:  # noqa: A002
        y, hash_input = self.analyse(x)
        coded = self.latent_codec(y)
        y_hat = coded["y_hat"]
        x_hat = self.g_s(y_hat)
        u = b = probs = None
        if hash:
            # the decoder side reads the latents as the bitstream gives them back
            source = y_hat if self.config.hash_side == "decoder" else hash_input
            u, b, probs = self.hash_head(source)
        return {
            "x_hat": x_hat,
            "likelihoods": coded["likelihoods"],
            "y": y,
            "y_hat": y_hat,
            "u": u,
            "b": b,
            "class_probs": probs,
        }

    def hash_logits(self, latents: Tensor) -> Tensor:
        """Hash logits u (B, q) from the hash input (``analyse``; ŷ on the decoder side);
        codes are sign(u)."""
        return self.hash_head.logits(latents)

    # ------------------------------------------------------------------ parameter groups
    def hashing_parameters(self) -> list[nn.Parameter]:
        return list(self.hash_head.parameters())

    def compression_parameters(self) -> list[nn.Parameter]:
        hashing = {id(p) for p in self.hashing_parameters()}
        return [
            p
            for name, p in self.named_parameters()
            if id(p) not in hashing and not name.endswith(".quantiles")
        ]
