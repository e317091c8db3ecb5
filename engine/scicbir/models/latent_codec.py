"""The entropy model of the latents y: hyperprior, spatial context, Gaussian mixture.

``MixtureLatentCodec`` follows compressai's ``LatentCodec`` contract: ``forward(y)`` gives the
quantised latents and the likelihoods the rate loss needs. It owns every module of the
entropy path, so weights of the whole coding path live under one prefix (``latent_codec.``)
and a trained model loads into any engine that has the same layout.

Two context models share the same weights layout (``context_prediction`` is a 5x5 masked
convolution, only its mask differs):

- ``"checkerboard"`` (He et al., CVPR 2021): half the positions (the anchors, ``i + j`` odd) are
  coded from the hyperprior alone, the other half from the hyperprior and their four-plus
  anchor neighbours. Decoding takes two parallel passes instead of one pass per position.
- ``"serial"`` (Minnen et al. 2018, the thesis's model): every position sees the 12 causal
  neighbours of the 5x5 window; decoding walks the latent grid position by position.

Real bitstreams follow compressai's ``compress``/``decompress`` contract:
``compress(y) -> {"strings": [payloads], "shape": {"y": (H, W), "z": (h, w)}, "y_hat": ŷ}`` and
``decompress(strings, shape) -> {"y_hat": ŷ}``, one payload (bytes) per tile. They are backed by
the deterministic coder ``scicbir.codec.entropy.MixtureCoder`` (float64 entropy parameters
snapped to a grid, so that a stream decodes bit-identically in another process), made from this
module's weights. It is imported when first used, not with this module: the coder is part of
the codec layer (numpy/scipy tables, rANS, OpenBLAS thread control beside the container and
tile codec in ``scicbir.codec``, which imports this package), while training and ONNX export
only need the network; so importing ``scicbir.models`` never imports ``scicbir.codec``, and
the dependency at import time stays one-way (codec -> models).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import torch
from torch import Tensor, nn

from scicbir._compressai import import_compressai

import_compressai()

from compressai.entropy_models import EntropyBottleneck, GaussianMixtureConditional  # noqa: E402
from compressai.latent_codecs import LatentCodec  # noqa: E402
from compressai.layers import MaskedConv2d, conv3x3, subpel_conv3x3  # noqa: E402

CONTEXTS = ("checkerboard", "serial")


def checkerboard_anchors(height: int, width: int, device: Any = None) -> Tensor:
    """Bool (height, width): True at the anchor positions (``i + j`` odd), decoded first."""
    i = torch.arange(height, device=device)[:, None]
    j = torch.arange(width, device=device)[None, :]
    return (i + j) % 2 == 1


class ContextConv(MaskedConv2d):
    """5x5 masked convolution over ŷ: the serial causal mask or the checkerboard mask.

    The checkerboard mask keeps the taps at odd offsets (row + column offset odd): seen from a
    non-anchor position those are exactly the anchors, so one convolution over the full ŷ gives
    every non-anchor its context without masking the input.
    """

    def __init__(self, channels: int, context: str) -> None:
        super().__init__(channels, 2 * channels, kernel_size=5, padding=2, stride=1)
        if context == "checkerboard":
            k = torch.arange(5)
            odd = ((k[:, None] + k[None, :]) % 2 == 1).to(self.mask.dtype)
            self.mask.copy_(odd.expand_as(self.mask))
        elif context != "serial":
            raise ValueError(f"context must be one of {CONTEXTS}, not {context!r}")


class MixtureLatentCodec(LatentCodec):
    """Hyperprior (``h_a``, ``entropy_bottleneck``, ``h_s``) + context + K-Gaussian mixture.

    ``entropy_parameters`` (three 1x1 convolutions) maps the hyperprior features and the context
    features to the scales, means and mixture weights of each latent element (thesis eq. 3.3).
    """

    def __init__(self, N: int, M: int, K: int, context: str) -> None:
        super().__init__()
        self.N, self.K, self.context_model = N, K, context
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
        self.context_prediction = ContextConv(N, context)
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

    @torch.no_grad()
    def apply_context_mask(self) -> None:
        """Zero the masked taps in the stored weights (``MaskedConv2d`` masks on every call
        too); keeps saved weights, and so package checksums, independent of forward passes."""
        ctx = self.context_prediction
        ctx.weight.mul_(ctx.mask)

    def split_mixture(self, gmm: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Split entropy-parameter output (B, 3NK, ...) into scales, means, weights (B, NK, ...).

        Channel ``k*N + n`` of each holds component k of latent channel n (the layout
        ``GaussianMixtureConditional`` expects); weights are a softmax over the K components.
        Scales go through the conditional's lower bound (0.11) in the likelihood, which lets
        gradients through that raise a too-small scale; the coder applies the same bound.
        """
        K, N = self.K, self.N
        scales, means, weights = gmm.chunk(3, dim=1)
        shape = weights.shape
        weights = weights.reshape(shape[0], K, N, *shape[2:]).softmax(dim=1).reshape(shape)
        return scales, means, weights

    def context_features(self, y_hat: Tensor) -> Tensor:
        """Context features (B, 2N, H, W); zero at checkerboard anchors (coded without context)."""
        ctx = self.context_prediction(y_hat)
        if self.context_model == "checkerboard":
            anchors = checkerboard_anchors(*y_hat.shape[-2:], device=y_hat.device)
            ctx = ctx.masked_fill(anchors, 0.0)
        return ctx

    def forward(self, y: Tensor) -> dict[str, Any]:  # type: ignore[override]
        """ŷ and likelihoods of y and z. The rate is estimated with additive uniform noise
        (the conditional's training mode); ŷ itself, which the synthesis and the context see,
        is rounded with a straight-through gradient, so training sees the decoder's inputs."""
        z = self.h_a(y)
        z_hat, z_likelihoods = self.entropy_bottleneck(z)
        params = self.h_s(z_hat)
        y_hat = y + (torch.round(y) - y).detach()  # rounded forward, identity gradient
        gmm = self.entropy_parameters(torch.cat((params, self.context_features(y_hat)), dim=1))
        scales, means, weights = self.split_mixture(gmm)
        _, y_likelihoods = self.gaussian_conditional(y, scales, means, weights)
        return {"y_hat": y_hat, "likelihoods": {"y": y_likelihoods, "z": z_likelihoods}}

    # ------------------------------------------------------------------ real bitstreams
    def coder(self) -> Any:
        """The deterministic coder (``scicbir.codec.entropy.MixtureCoder``) of the current
        weights: made on first use, made again after any weight or table has changed."""
        from scicbir.codec.entropy import MixtureCoder  # see the module docstring

        key = tuple((t.data_ptr(), t._version) for t in chain(self.parameters(), self.buffers()))
        cached = self.__dict__.get("_coder_cache")
        if cached is None or cached[0] != key:
            cached = (key, MixtureCoder(self))
            self.__dict__["_coder_cache"] = cached  # a plain attribute, not a submodule
        return cached[1]

    @torch.no_grad()
    def compress(self, y: Tensor) -> dict[str, Any]:  # type: ignore[override]
        """Payloads of latents y (B, N, H, W), one per tile (bytes), and ŷ = round(y).

        ``{"strings": [payloads], "shape": {"y": (H, W), "z": (h, w)}, "y_hat": ŷ}``; a payload
        is the table width and one rANS stream of ẑ and ŷ (``scicbir.codec.entropy``). The
        entropy bottleneck's tables must be current (``entropy_bottleneck.update()``; loaded
        packages have them).
        """
        z = self.h_a(y)
        payloads, y_hat = self.coder().compress(y, z)
        shape = {"y": tuple(y.shape[-2:]), "z": tuple(z.shape[-2:])}
        return {"strings": [payloads], "shape": shape, "y_hat": y_hat.to(y.device)}

    @torch.no_grad()
    def decompress(  # type: ignore[override]
        self,
        strings: list[list[bytes]],
        shape: dict[str, tuple[int, int]],
        version: int = 2,
        abs_max: list[int] | None = None,
    ) -> dict[str, Any]:
        """``{"y_hat": ŷ}`` (float32, on this module's device) from ``compress``'s strings and
        shape, the tiles of the batch decoded in lockstep. ``ValueError`` for a payload that
        cannot be one.

        ``version=1`` decodes the latents of container-version-1 streams: ``strings`` is
        ``[y_strings, z_strings]`` (two rANS streams per tile) and ``abs_max`` their
        symbol-table widths.
        """
        coder = self.coder()
        if version == 1:
            if abs_max is None:
                raise ValueError("version-1 latents need their symbol-table widths (abs_max)")
            y_strings, z_strings = strings
            y_hat = coder.decompress_v1(y_strings, z_strings, abs_max, shape["y"], shape["z"])
        elif version == 2:
            (payloads,) = strings
            y_hat = coder.decompress(list(payloads), shape["y"], shape["z"])
        else:
            raise ValueError(f"no latent layout for stream version {version}")
        return {"y_hat": y_hat.to(self.h_s[0].weight.device)}
