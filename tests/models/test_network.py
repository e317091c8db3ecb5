"""The network's training API (what the trainer relies on) and the paper's shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from scicbir.codec.codec import TileCodec
from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet, pad_to_multiple
from scicbir.models.testing import make_random_package
from scicbir.training.datasets.labels import BEN19_CLASSES as BIGEARTHNET_19_LABELS


def test_forward_returns_everything_training_needs_and_gradients_reach_both_parts():
    config = ModelConfig(
        name="t", bands=("a", "b", "c", "d"), N=16, M=16, hash_hidden=16, labels=("x", "y", "z")
    )
    net = SciCbirNet(config).train()
    x = torch.rand(2, 4, 64, 64)
    out = net(x)
    assert out["x_hat"].shape == x.shape
    assert out["likelihoods"]["y"].shape == (2, 16, 4, 4)
    assert out["likelihoods"]["z"].shape == (2, 16, 1, 1)
    assert out["u"].shape == (2, 32) and set(out["b"].unique().tolist()) <= {-1.0, 1.0}
    assert out["class_probs"].shape == (2, 3) and bool((out["class_probs"] > 0).all())
    loss = out["b"].sum() + out["class_probs"].sum() + out["x_hat"].mean()
    loss = loss - torch.log2(out["likelihoods"]["y"]).sum()
    loss.backward()
    assert net.hash_head.hash_layer.weight.grad.abs().sum() > 0
    assert net.g_a[0].conv1.weight.grad.abs().sum() > 0
    hashing = {id(p) for p in net.hashing_parameters()}
    assert not hashing & {id(p) for p in net.compression_parameters()}
    assert float(net.aux_loss().detach()) > 0
    assert net(x, hash=False)["u"] is None


def test_paper_configuration_has_the_paper_shapes(repo_root):
    config = ModelConfig.load(repo_root / "engine" / "configs" / "model-paper.json")
    net = SciCbirNet(config).eval()
    x = pad_to_multiple(torch.rand(1, 12, 120, 120))
    assert x.shape[-1] == 128
    with torch.no_grad():
        y = net.g_a(x)
        z = net.latent_codec.h_a(y)
        h = net.hash_head.network(net.hash_head.attention(y))
        u, _, probs = net.hash_head(y)
    assert y.shape == (1, 192, 8, 8) and z.shape == (1, 128, 2, 2)
    assert h.shape == (1, 512, 1, 1)
    assert u.shape == (1, 64) and probs.shape == (1, 19)
    assert len(BIGEARTHNET_19_LABELS) == 19
    params = net.latent_codec.entropy_parameters[-1]
    assert params.out_channels == 3 * 192 * 3  # weights, means, scales of K=3 per channel


def test_decoder_side_codes_equal_the_codes_from_the_stream(tmp_path, rgb_tiles):
    package = make_random_package(tmp_path / "dec", bands=3, N=16, M=16, hash_side="decoder")
    codec = TileCodec(package, backend="torch")
    x = codec.normalisation.forward(rgb_tiles)
    encoded = codec.encode(x)
    again = codec.codes_from_streams([e.stream for e in encoded])
    assert [e.code for e in encoded] == [bytes(c) for c in again.codes]
    assert np.array_equal(codec.hash(x).codes, again.codes)


@pytest.mark.parametrize(("pooling", "channels"), [("mean", 48), ("mean+std", 80)])
def test_hash_taps_feed_the_hash_network_the_same_way_on_every_path(
    tmp_path, rgb_tiles, pooling, channels
):
    """A model whose hash network also reads earlier analysis features (pooled to the latent
    grid by their mean, or their mean and standard deviation): the codec's torch and
    onnxruntime paths, the latent cache of training and the training forward give one code."""
    from scicbir.models.onnx_export import export_analysis
    from scicbir.models.package import ModelPackage
    from scicbir.training.latent_cache import analysis_latents

    path = tmp_path / "taps"
    make_random_package(path, bands=3, N=16, M=16, hash_taps=(5, 7), hash_tap_pooling=pooling)
    export_analysis(ModelPackage.load(path))
    package = ModelPackage.load(path)
    assert package.config.hash_taps == (5, 7)
    assert package.config.hash_tap_pooling == pooling
    # latents + two taps of N, each once (mean) or twice (mean, std)
    assert package.build_network("cpu").hash_head.network[0].in_channels == channels
    torch_codec = TileCodec(package, backend="torch")
    onnx_codec = TileCodec(package, backend="auto")
    assert onnx_codec.backend == "onnx"
    x = torch_codec.normalisation.forward(rgb_tiles)
    by_torch, by_onnx = torch_codec.hash(x), onnx_codec.hash(x)
    assert np.array_equal(by_torch.codes, by_onnx.codes)
    net = torch_codec.net.eval()
    with torch.no_grad():
        cached = analysis_latents(net, torch.from_numpy(x))
        assert cached.shape == (4, channels, 4, 4)
        if pooling == "mean+std":  # the last 16 channels: layer 7's spread in each 2 x 2 cell
            h = net.g_a[:7](torch.from_numpy(x))
            cells = h.reshape(4, 16, 4, 2, 4, 2)
            np.testing.assert_allclose(
                cached[:, 48:64].numpy(), cells.mean(dim=(3, 5)).numpy(), atol=1e-5
            )
            np.testing.assert_allclose(
                cached[:, 64:].numpy(),
                cells.var(dim=(3, 5), unbiased=False).add(1e-6).sqrt().numpy(),
                rtol=1e-4,
                atol=1e-5,
            )
        np.testing.assert_allclose(
            net.hash_logits(cached).numpy(), by_torch.logits, rtol=1e-5, atol=1e-5
        )
        np.testing.assert_allclose(
            net(torch.from_numpy(x))["u"].numpy(), by_torch.logits, rtol=1e-5, atol=1e-5
        )
        # the taps matter: the latents alone (taps zeroed) give other logits
        alone = cached.clone()
        alone[:, 16:] = 0
        assert not np.allclose(net.hash_logits(alone).numpy(), by_torch.logits, atol=1e-3)
    # decoder side: a decoder has no analysis features, so it hashes the decoded tiles, mixed
    # sizes included (an edge tile)
    encoded = onnx_codec.encode(x)
    edge = onnx_codec.encode(x[:1, :, :40, :24])[0]
    streams = [e.stream for e in encoded] + [edge.stream]
    decoded = onnx_codec.decode_many(streams)
    side = onnx_codec.codes_from_streams(streams)
    assert np.array_equal(side.codes[:4], onnx_codec.hash(np.stack(decoded[:4])).codes)
    assert np.array_equal(side.codes[4:], onnx_codec.hash(decoded[4][None]).codes)


def test_hash_taps_are_checked_and_absent_from_configs_without_them():
    from scicbir.errors import InputError

    plain = ModelConfig(name="p", bands=("a",), N=8, M=8)
    assert "hash_taps" not in plain.to_dict()  # older engines can still read it
    tapped = ModelConfig(name="t", bands=("a",), N=8, M=8, hash_taps=(7,))
    assert ModelConfig.from_json(tapped.to_json()).hash_taps == (7,)
    assert tapped.hash_input_channels == 16
    assert "hash_tap_pooling" not in tapped.to_dict()  # the mean, as before the field existed
    spread = ModelConfig(
        name="s", bands=("a",), N=8, M=8, hash_taps=(5, 7), hash_tap_pooling="mean+std"
    )
    assert ModelConfig.from_json(spread.to_json()).hash_tap_pooling == "mean+std"
    assert spread.hash_input_channels == 8 * (1 + 2 * 2)
    for bad in (
        {"hash_taps": (9,)},
        {"hash_taps": (0,)},
        {"hash_taps": (7,), "hash_side": "decoder"},
        {"hash_taps": (7,), "hash_tap_pooling": "max"},
        {"hash_tap_pooling": "mean+std"},  # nothing to pool
    ):
        with pytest.raises(InputError):
            ModelConfig(name="b", bands=("a",), N=8, M=8, **bad)


@pytest.fixture()
def rgb_tiles(data_dir):
    import rasterio

    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        image = ds.read()
    return np.stack([image[:, r : r + 64, c : c + 64] for r in (0, 128) for c in (0, 256)])
