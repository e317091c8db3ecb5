"""The coder's mixture parameters are the training forward's (eval mode, in float64).

The training forward (``MixtureLatentCodec.forward``) gives ``GaussianMixtureConditional`` the
scales, means and weights the rate is trained with; the coder must build its tables from the
same numbers, up to its snapping grid, for both context models.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from scicbir.codec.entropy import MixtureCoder, snap_parameters
from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet


def _forward_parameters(latent_codec: torch.nn.Module, y: torch.Tensor) -> dict:
    """What the eval forward of a float64 copy feeds ``h_s`` and the conditional."""
    lc = copy.deepcopy(latent_codec).double().eval()
    seen: dict = {}
    lc.h_s.register_forward_pre_hook(lambda _m, args: seen.update(z_hat=args[0]))
    lc.gaussian_conditional.register_forward_pre_hook(lambda _m, args: seen.update(args=args))
    with torch.no_grad():
        out = lc(y.double())
    _, scales, means, weights = seen["args"]
    B, _, H, W = y.shape
    K, N = lc.K, lc.N

    def by_component(t: torch.Tensor) -> np.ndarray:  # channel k*N + n -> (K, B, N, H, W)
        return t.reshape(B, K, N, H, W).permute(1, 0, 2, 3, 4).numpy()

    return {
        "z_hat": seen["z_hat"],
        "y_hat": out["y_hat"],
        "scales": by_component(scales),
        "bounded_scales": by_component(lc.gaussian_conditional.lower_bound_scale(scales)),
        "means": by_component(means),
        "weights": by_component(weights),
    }


@pytest.fixture(scope="module", params=["checkerboard", "serial"])
def setting(request):
    torch.manual_seed(3)
    config = ModelConfig(name="p", bands=("a",), N=8, M=8, K=3, context=request.param)
    latent_codec = SciCbirNet(config).latent_codec.eval()
    y = torch.randn(2, 8, 8, 8) * 3
    return latent_codec, y, _forward_parameters(latent_codec, y)


def test_parameters_equal_the_training_forward(setting):
    latent_codec, y, fwd = setting
    coder = MixtureCoder(latent_codec)
    y_hat = torch.round(y)
    assert torch.equal(fwd["y_hat"], y_hat.double())  # eval forward: ŷ = round(y)
    hyper = coder.hyper(fwd["z_hat"])
    scales, means, weights = coder.parameters_all(y_hat.double().numpy(), hyper, snap=False)
    for ours, theirs in ((scales, "scales"), (means, "means"), (weights, "weights")):
        np.testing.assert_allclose(ours, fwd[theirs], rtol=0, atol=1e-10)
    snapped = coder.parameters_all(y_hat.double().numpy(), hyper)
    expected = snap_parameters(fwd["scales"], fwd["means"], fwd["weights"])
    for ours, theirs in zip(snapped, expected, strict=True):
        assert np.array_equal(ours, theirs)


def test_checkerboard_anchors_get_no_context(setting):
    """At anchors the forward's parameters come from the hyperprior alone (context bias too)."""
    latent_codec, y, fwd = setting
    if latent_codec.context_model != "checkerboard":
        pytest.skip("serial context")
    anchors = (np.arange(8)[:, None] + np.arange(8)[None, :]) % 2 == 1
    shifted = y.clone()
    shifted[:, :, torch.from_numpy(anchors)] += 3.0  # ŷ changes at the anchors only
    again = _forward_parameters(latent_codec, shifted)
    assert torch.equal(again["z_hat"], fwd["z_hat"])  # (the hyperprior did not move)
    for key in ("scales", "means", "weights"):
        np.testing.assert_allclose(again[key][..., anchors], fwd[key][..., anchors], atol=1e-12)
        assert not np.allclose(again[key][..., ~anchors], fwd[key][..., ~anchors])
