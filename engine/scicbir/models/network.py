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
(``hash_side="decoder"``).

Real bitstreams: ``net.latent_codec.compress(y)`` / ``decompress(strings, shape)`` (compressai's
``LatentCodec`` contract, backed by a deterministic coder so that a stream decodes
bit-identically in another process; see ``scicbir.models.latent_codec``); ``scicbir.codec`` wraps
them into tile streams. This module holds the network and its training forward pass.
"""

from __future__ import annotations

from typing import Any

import torch.nn.functional as F  # noqa: N812  (the usual name)
from torch import Tensor, nn

from scicbir._compressai import import_compressai
from scicbir.models.config import SIDE_MULTIPLE, ModelConfig
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
    def forward(self, x: Tensor, hash: bool = True) -> dict[str, Any]:  # noqa: A002
        y = self.g_a(x)
        coded = self.latent_codec(y)
        y_hat = coded["y_hat"]
        x_hat = self.g_s(y_hat)
        u = b = probs = None
        if hash:
            source = y if self.config.hash_side == "encoder" else y_hat
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
        """Hash logits u (B, q) from latents (y or ŷ, per ``hash_side``); codes are sign(u)."""
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
