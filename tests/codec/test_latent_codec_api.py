"""``MixtureLatentCodec.compress`` / ``decompress``: compressai's ``LatentCodec`` contract."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet


@pytest.fixture(params=["checkerboard", "serial"])
def net(request) -> SciCbirNet:
    torch.manual_seed(4)
    net = SciCbirNet(ModelConfig(name="api", bands=("a", "b"), N=8, M=8, context=request.param))
    net.latent_codec.entropy_bottleneck.update(force=True)
    return net.eval()


def test_compress_and_decompress_follow_the_latent_codec_contract(net):
    lc = net.latent_codec
    y = torch.randn(2, 8, 4, 8) * 5
    out = lc.compress(y)
    assert set(out) == {"strings", "shape", "y_hat"}
    (payloads,) = out["strings"]
    assert len(payloads) == 2 and all(isinstance(p, bytes) for p in payloads)
    assert out["shape"] == {"y": (4, 8), "z": (1, 2)}
    assert torch.equal(out["y_hat"], torch.round(y))
    back = lc.decompress(out["strings"], out["shape"])
    assert set(back) == {"y_hat"} and torch.equal(back["y_hat"], torch.round(y))


def test_coding_keeps_the_weights_layout_and_follows_weight_changes(net):
    lc = net.latent_codec
    before = {k: (tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}
    y = torch.randn(1, 8, 4, 4) * 5
    first = lc.compress(y)
    assert lc.coder() is lc.coder()  # made once for unchanged weights
    after = {k: (tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}
    assert after == before  # no parameter, buffer or submodule added
    assert "_coder_cache" not in dict(net.named_modules())
    old = lc.coder()
    with torch.no_grad():
        lc.entropy_parameters[-1].bias.add_(0.5)  # as an optimiser step would
    assert lc.coder() is not old
    second = lc.compress(y)
    assert second["strings"] != first["strings"]
    assert torch.equal(lc.decompress(second["strings"], second["shape"])["y_hat"], torch.round(y))


def test_version_1_latents_need_their_table_widths(net):
    with pytest.raises(ValueError, match="abs_max"):
        net.latent_codec.decompress([[b""], [b""]], {"y": (4, 4), "z": (1, 1)}, version=1)
    with pytest.raises(ValueError, match="version 3"):
        net.latent_codec.decompress([[b""]], {"y": (4, 4), "z": (1, 1)}, version=3)


def test_importing_the_models_does_not_import_the_codec_layer(engine_env):
    script = (
        "import sys, scicbir.models.network, scicbir.models.latent_codec\n"
        "assert not [m for m in sys.modules if m.startswith('scicbir.codec')], sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env=engine_env, timeout=120)
