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

Real bitstreams are made by ``scicbir.codec`` (it adds deterministic entropy-parameter
computation so that a stream decodes bit-identically in another process); this module only
holds the network and its training forward pass.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812  (the usual name)
from torch import Tensor, nn

from scicbir._compressai import import_compressai
from scicbir.models.config import SIDE_MULTIPLE, ModelConfig
from scicbir.models.hashing import HashHead

import_compressai()

from compressai.entropy_models import EntropyBottleneck, GaussianMixtureConditional  # noqa: E402
from compressai.layers import (  # noqa: E402
    AttentionBlock,
    MaskedConv2d,
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
        self.h_a = nn.Sequential(
            conv3x3(N, N),
            nn.LeakyReLU(inplace=True),
            conv3x3(N, N),
            nn.LeakyReLU(inplace=True),
            conv3x3(N, N, stride=2),
            nn.LeakyReLU(inplace=True),
            conv3x3(N, N),
            nn.LeakyReLU(inplace=True),
            conv3x3(N, M, stride=2),
        )
        self.h_s = nn.Sequential(
            conv3x3(M, N),
            nn.LeakyReLU(inplace=True),
            subpel_conv3x3(N, N, 2),
            nn.LeakyReLU(inplace=True),
            conv3x3(N, N * 3 // 2),
            nn.LeakyReLU(inplace=True),
            subpel_conv3x3(N * 3 // 2, N * 3 // 2, 2),
            nn.LeakyReLU(inplace=True),
            conv3x3(N * 3 // 2, N * 2),
        )
        self.context_prediction = MaskedConv2d(N, 2 * N, kernel_size=5, padding=2, stride=1)
        self.apply_context_mask()
        c_in, c_out = 4 * N, 3 * N * K
        mid1 = c_in + (c_out - c_in) // 3
        mid2 = c_in + 2 * (c_out - c_in) // 3
        self.entropy_parameters = nn.Sequential(
            nn.Conv2d(c_in, mid1, 1),
            nn.LeakyReLU(inplace=True),
            nn.Conv2d(mid1, mid2, 1),
            nn.LeakyReLU(inplace=True),
            nn.Conv2d(mid2, c_out, 1),
        )
        self.entropy_bottleneck = EntropyBottleneck(M)
        self.gaussian_conditional = GaussianMixtureConditional(K=K)
        self.hash_head = HashHead(
            N,
            config.latent_size,
            config.hash_hidden,
            config.hash_bits,
            config.num_classes,
            config.hash_gamma,
        )

    @torch.no_grad()
    def apply_context_mask(self) -> None:
        """Zero the masked (future) taps of the context convolution in the stored weights.

        ``MaskedConv2d`` masks its weights on every forward call; doing it once here too keeps
        the saved weights (and so the package checksum) independent of whether a forward pass
        ran before saving.
        """
        ctx = self.context_prediction
        ctx.weight.mul_(ctx.mask)

    # ------------------------------------------------------------------ mixture
    def split_mixture(self, gmm: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Split entropy-parameter output (B, 3NK, ...) into scales, means, weights (B, NK, ...).

        Channel ``k*N + n`` of each holds component k of latent channel n (the layout
        ``GaussianMixtureConditional`` expects); weights are a softmax over the K components.
        """
        K, N = self.config.K, self.config.N
        scales, means, weights = gmm.chunk(3, dim=1)
        shape = weights.shape
        weights = weights.reshape(shape[0], K, N, *shape[2:]).softmax(dim=1).reshape(shape)
        return scales, means, weights

    # ------------------------------------------------------------------ forward
    def forward(self, x: Tensor, hash: bool = True) -> dict[str, Any]:  # noqa: A002
        y = self.g_a(x)
        z = self.h_a(y)
        z_hat, z_likelihoods = self.entropy_bottleneck(z)
        params = self.h_s(z_hat)
        y_hat = self.gaussian_conditional.quantize(y, "noise" if self.training else "dequantize")
        ctx = self.context_prediction(y_hat)
        gmm = self.entropy_parameters(torch.cat((params, ctx), dim=1))
        scales, means, weights = self.split_mixture(gmm)
        _, y_likelihoods = self.gaussian_conditional(y, scales, means, weights)
        x_hat = self.g_s(y_hat)
        u = b = probs = None
        if hash:
            source = y if self.config.hash_side == "encoder" else y_hat
            u, b, probs = self.hash_head(source)
        return {
            "x_hat": x_hat,
            "likelihoods": {"y": y_likelihoods, "z": z_likelihoods},
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
