"""Streams of both context models round trip through ``TileCodec``; archived streams decode.

``data/v1-rgb-tile*.bin`` are container-version-1 streams written by the engine before the
checkerboard context and the compact header existed (serial context, the ``tiny_rgb_model``
fixture's weights), with the latents ``data/v1-rgb-tile*-yhat.npy`` they decoded to then.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from scicbir.codec.codec import TileCodec
from scicbir.models.network import pad_to_multiple

DATA = Path(__file__).parent / "data"
#: weights sha256 of ``make_random_package(bands=3, tile_size=64, N=32, M=32)`` that wrote them
V1_MODEL = "957295b4274d47a692868b32f3977b7b98d8a7340831936fad73326380a9f530"


@pytest.mark.parametrize("tile", [0, 1])
def test_archived_version_1_streams_decode_bit_identically(tiny_rgb_model, tile):
    if tiny_rgb_model.checksum != V1_MODEL:
        pytest.skip("this torch build initialises the random test model differently")
    codec = TileCodec(tiny_rgb_model, backend="torch")
    stream = (DATA / f"v1-rgb-tile{tile}.bin").read_bytes()
    y_hat, headers = codec.decode_latents([stream])
    expected = np.load(DATA / f"v1-rgb-tile{tile}-yhat.npy").astype(np.float32)
    assert np.array_equal(y_hat.numpy(), expected)
    assert (headers[0].height, headers[0].width) == ((64, 64), (37, 50))[tile]


@pytest.fixture(scope="module", params=["checkerboard", "serial"])
def context_codec(request, tiny_rgb_model, checkerboard_rgb_model):
    package = checkerboard_rgb_model if request.param == "checkerboard" else tiny_rgb_model
    assert package.config.context == request.param
    return TileCodec(package, backend="torch", batch_size=3)


def test_tiles_round_trip_exactly_with_both_contexts(context_codec, rgb_image):
    codec = context_codec
    tiles = np.stack([rgb_image[:, r : r + 64, c : c + 64] for r in (0, 64) for c in (0, 128)])
    x = codec.normalisation.forward(tiles)
    x[1, :, 10:20, 10:20] = 40.0  # a wild patch: latents beyond the tables (escaped)
    encoded = codec.encode(x)
    y_hat, _ = codec.decode_latents([t.stream for t in encoded])
    with torch.no_grad():
        y = codec.net.g_a(pad_to_multiple(torch.from_numpy(x), side=64))
    assert torch.equal(y_hat, torch.round(y))
    assert y_hat.abs().max() > 64  # the escape path was exercised
    single = [codec.decode_latents([t.stream])[0] for t in encoded]
    assert torch.equal(torch.cat(single), y_hat)  # batched and single decoding agree
    decoded = codec.decode_many([t.stream for t in encoded])
    assert [d.shape for d in decoded] == [(3, 64, 64)] * 4
