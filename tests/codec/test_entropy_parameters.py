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
    # the tables are built from the bounded scales training uses: compressai's LowerBound(0.11)
    snapped = coder.parameters_all(y_hat.double().numpy(), hyper)
    expected = snap_parameters(fwd["bounded_scales"], fwd["means"], fwd["weights"])
    for ours, theirs in zip(snapped, expected, strict=True):
        assert np.array_equal(ours, theirs)


def test_scale_bound_is_the_training_lower_bound_and_version_1_keeps_abs(setting):
    latent_codec, y, fwd = setting
    coder = MixtureCoder(latent_codec)
    hyper = coder.hyper(fwd["z_hat"])
    y_hat = torch.round(y).double().numpy()
    raw = fwd["scales"]
    negative = raw < 0
    assert negative.mean() > 0.2  # a random network has many negative raw scales
    assert (raw < -0.15).sum() > 10  # some where |scale| would give a wider Gaussian
    bound, means, weights = coder.parameters_all(y_hat, hyper)
    old, _, _ = coder.parameters_all(y_hat, hyper, scale_rule="abs")
    at_bound = snap_parameters(np.full(1, 0.11), np.zeros(1), np.ones(1))[0][0]
    assert np.all(bound[negative] == at_bound)  # LowerBound: a negative output means 0.11
    np.testing.assert_allclose(bound[negative], 0.11, rtol=0.05)
    snapped_abs = snap_parameters(np.abs(raw), fwd["means"], fwd["weights"])[0]
    assert np.array_equal(old, snapped_abs)  # version 1: |scale| (kept for its streams)
    assert np.all(old[raw < -0.15] > bound[raw < -0.15])
    positive = raw > 0
    assert np.array_equal(bound[positive], old[positive])
