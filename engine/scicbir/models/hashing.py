"""The hashing part of SCI-CBIR (thesis Table 3.1): attention, hash network, hash and class layers.

Codes are made by Greedy Hash: the forward pass takes the sign of the hash-layer logits u, so the
network trains on the very codes it will emit; the backward pass lets the gradient of the codes
through unchanged (straight-through) and adds ``gamma * (u - b)``, the gradient of the penalty
``gamma/2 * ||u - b||^2`` that pulls the logits towards the codes so that sign flips become rare.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class GreedyHashSign(torch.autograd.Function):
    """``b = sign(u)`` in {-1, +1} (0 maps to +1); backward: ``dL/du = dL/db + gamma * (u - b)``."""

    @staticmethod
    def forward(ctx, u: Tensor, gamma: float) -> Tensor:  # type: ignore[override]
        b = torch.where(u >= 0, torch.ones_like(u), -torch.ones_like(u))
        ctx.save_for_backward(u, b)
        ctx.gamma = gamma
        return b

    @staticmethod
    def backward(ctx, grad_b: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        u, b = ctx.saved_tensors
        return grad_b + ctx.gamma * (u - b), None


def greedy_hash(u: Tensor, gamma: float = 0.1) -> Tensor:
    """Binary codes in {-1, +1} with the Greedy Hash gradient (see ``GreedyHashSign``)."""
    return GreedyHashSign.apply(u, gamma)


def codes_to_bits(b: Tensor | object) -> object:
    """Pack {-1,+1} (or logits: sign decides) codes ``(B, q)`` into ``uint8 (B, q/8)``, MSB first.

    Bit i of a code is 1 where the hash logit u_i >= 0; ``np.packbits`` puts bit 0 in the most
    significant bit of byte 0. This is the layout stored in archives and searched by faiss.
    """
    import numpy as np

    arr = b.detach().cpu().numpy() if isinstance(b, Tensor) else np.asarray(b)
    return np.packbits(arr >= 0, axis=-1)


def _attention_network(N: int, latent_size: int, hidden: int) -> tuple[nn.Module, nn.Module]:
    """Thesis Table 3.1 for 8x8 latents: attention, then Conv5x5 s2 p1 (N->hidden) + ReLU,
    Conv3x3 s1 p0 (hidden->hidden) + ReLU gives (B, hidden, 1, 1). For other latent sides the
    second convolution pads by 1 when its input is smaller than 3x3, and a global average pool
    makes the features (B, hidden, 1, 1) whatever the tile size."""
    from scicbir._compressai import import_compressai

    import_compressai()
    from compressai.layers import AttentionBlock

    attention = AttentionBlock(N)  # made first: the initial weights follow the seed as before
    side1 = (latent_size + 2 - 5) // 2 + 1
    pad2 = 0 if side1 >= 3 else 1
    network = nn.Sequential(
        nn.Conv2d(N, hidden, 5, stride=2, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(hidden, hidden, 3, stride=1, padding=pad2),
        nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool2d(1),
    )
    return attention, network


def _conv_network(N: int, hidden: int, dropout: float = 0.3) -> nn.Module:
    """Two batch-normalised 3x3 convolutions at the latents' own resolution (N -> hidden/2 ->
    hidden), a global average pool and dropout. A 64 px tile has only 4 x 4 latents: the thesis
    network's stride-2 5x5 convolution reduces them to 1 x 1 at once, while this one sees every
    latent position twice before pooling; batch normalisation makes it indifferent to the
    latents' scale, which differs between codecs trained at different rates. Measured on cached
    AID latents (docs/training.md) it retrieves far better than the thesis network."""
    return nn.Sequential(
        nn.Conv2d(N, hidden // 2, 3, padding=1),
        nn.BatchNorm2d(hidden // 2),
        nn.ReLU(inplace=True),
        nn.Conv2d(hidden // 2, hidden, 3, padding=1),
        nn.BatchNorm2d(hidden),
        nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool2d(1),
        nn.Dropout(dropout),
    )


class HashHead(nn.Module):
    """Hash network -> (hash layer, classification layer).

    ``kind`` ``"attention"``: the thesis's attention module and network (Table 3.1);
    ``"conv"``: ``_conv_network``. The classification layer is absent when the model has no
    labels.
    """

    def __init__(
        self,
        N: int,
        latent_size: int,
        hidden: int,
        bits: int,
        num_classes: int,
        gamma: float,
        kind: str = "attention",
    ) -> None:
        super().__init__()
        self.gamma = gamma
        if kind == "attention":
            self.attention, self.network = _attention_network(N, latent_size, hidden)
        else:
            self.attention, self.network = nn.Identity(), _conv_network(N, hidden)
        self.hash_layer = nn.Conv2d(hidden, bits, 1)
        # the class layer reads the codes, so the classification loss shapes the codes
        # themselves (and reaches the hash layer through the Greedy Hash gradient)
        self.classifier = nn.Linear(bits, num_classes) if num_classes > 0 else None

    @classmethod
    def for_config(cls, config: Any) -> HashHead:
        """The hashing part a ``ModelConfig`` describes (the network's, or a fresh one to
        retrain it alone)."""
        return cls(
            config.hash_input_channels,
            config.latent_size,
            config.hash_hidden,
            config.hash_bits,
            config.num_classes,
            config.hash_gamma,
            config.hash_head,
        )

    def features(self, y: Tensor) -> Tensor:
        """Hidden features h (B, hidden)."""
        return self.network(self.attention(y)).flatten(1)

    def logits(self, y: Tensor) -> Tensor:
        """Hash-layer logits u (B, bits); the code is their sign. Used by the ONNX export."""
        h = self.network(self.attention(y))
        return self.hash_layer(h).flatten(1)

    def forward(self, y: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """Return (logits u, codes b in {-1,+1}, class probabilities or None)."""
        h = self.network(self.attention(y))
        u = self.hash_layer(h).flatten(1)
        b = greedy_hash(u, self.gamma)
        probs = torch.sigmoid(self.classifier(b)) if self.classifier is not None else None
        return u, b, probs
