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

from scicbir.codec import bitstream
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


def _version_1_stream(codec: TileCodec, x: np.ndarray) -> tuple[bytes, torch.Tensor]:
    """A container-version-1 stream of one normalised tile, made the way the engine made them."""
    from scicbir.codec.entropy import MixtureCoder

    lc = codec.net.latent_codec
    coder = MixtureCoder(lc)
    with torch.no_grad():
        y = codec.net.g_a(pad_to_multiple(torch.from_numpy(x[None]), side=64))
        z = lc.h_a(y)
        z_strings = lc.entropy_bottleneck.compress(z)
        z_hat = lc.entropy_bottleneck.decompress(z_strings, z.shape[-2:])
    y_np = torch.round(y).double().numpy()
    params = coder.parameters_all(y_np, coder.hyper(z_hat), scale_rule="abs")
    abs_max = coder.symbol_range(y_np[0])
    y_string = coder.encode(y_np[0], tuple(p[:, 0] for p in params), abs_max)
    header = bitstream.StreamHeader(
        bitstream.model_prefix(codec.package.checksum),
        x.shape[0],
        *x.shape[1:],
        *y.shape[-2:],
        *z.shape[-2:],
        abs_max,
    )
    return bitstream.pack_v1(header, z_strings[0], y_string), torch.round(y)


def test_version_1_streams_decode_beside_version_2(context_codec, rgb_image):
    codec = context_codec
    x = codec.normalisation.forward(rgb_image[:, 64:128, 0:64])
    edge = codec.normalisation.forward(rgb_image[:, 0:40, 0:64])
    old, y_old = _version_1_stream(codec, x)
    old_edge, y_edge = _version_1_stream(codec, edge)
    assert old[:5] == b"SCIC\x01" and len(old) > bitstream.V1_HEADER_SIZE
    new = codec.encode(x)[0].stream
    assert new[0] == 0xC2
    y_hat, parsed = codec.decode_latents([old, new, old_edge])
    assert [p.version for p in parsed] == [1, 2, 1]
    assert [(p.height, p.width) for p in parsed] == [(64, 64), (64, 64), (40, 64)]
    assert torch.equal(y_hat[0:1], y_old) and torch.equal(y_hat[1:2], y_old)
    assert torch.equal(y_hat[2:3], y_edge)
    assert codec.decode(old_edge).shape == (3, 40, 64)


def test_compact_header_sizes(context_codec, rgb_image):
    codec = context_codec
    full, edge = (
        codec.encode(codec.normalisation.forward(t))[0]
        for t in (rgb_image[:, :64, :64], rgb_image[:, :37, :50])
    )
    checksum = codec.package.checksum
    for tile, header, size in ((full, 7, (64, 64)), (edge, 10, (37, 50))):
        parsed = bitstream.unpack(tile.stream, checksum, 64)
        (payload,) = parsed.strings
        assert (parsed.version, parsed.height, parsed.width) == (2, *size)
        assert len(tile.stream) == header + len(payload)
        assert tile.stream[1:3] == bytes.fromhex(checksum[:4])
        assert 1 <= payload[0] <= 64  # the symbol-table width opens the payload
    assert bitstream.HEADER_SIZE == 7 and bitstream.PARTIAL_HEADER_SIZE == 10
    assert (bitstream.V1_HEADER_SIZE, edge.stream[0]) == (42, 0xD2)


def test_damaged_or_foreign_version_2_streams_are_refused(context_codec, rgb_image):
    from scicbir.errors import InputError, ModelMismatchError

    codec = context_codec
    stream = codec.encode(codec.normalisation.forward(rgb_image[:, :37, :50]))[0].stream
    checksum = codec.package.checksum

    def damaged(index: int, mask: int) -> bytes:
        out = bytearray(stream)
        out[index] ^= mask
        return bytes(out)

    with pytest.raises(InputError, match="version 3 is not supported"):
        codec.decode(damaged(0, 0x01))  # 0xD3
    with pytest.raises(InputError, match="not a SCI-CBIR tile stream"):
        codec.decode(damaged(0, 0x20))
    with pytest.raises(ModelMismatchError, match="decode it with the model that encoded it"):
        codec.decode(damaged(1, 0x01))
    for index in (0, 4, 8, len(stream) - 1):  # the size flag, the CRC, the size, the payload
        with pytest.raises(InputError, match="corrupt"):
            codec.decode(damaged(index, 0x10 if index == 0 else 0x01))
    # another model whose checksum starts with the same 2 bytes: the CRC covers all of it
    twin = checksum[:4] + ("0" if checksum[4] != "0" else "1") + checksum[5:]
    with pytest.raises(InputError, match="corrupt"):
        bitstream.unpack(stream, twin, 64)
    with pytest.raises(InputError, match="does not fit the model's tile size 32"):
        bitstream.unpack(bitstream.pack(checksum, b"\x01" + bytes(8), 40, 20, 64), checksum, 32)
    with pytest.raises(ValueError):
        bitstream.pack(checksum, b"\x01", 65, 64, 64)


def test_checkerboard_latents_decode_identically_in_another_process(
    checkerboard_rgb_model, rgb_image, tmp_path, engine_env
):
    """Batch of 4 encoded with 2 threads here; decoded one by one on 1 thread elsewhere."""
    import subprocess
    import sys
    import textwrap

    codec = TileCodec(checkerboard_rgb_model, backend="torch", batch_size=4)
    tiles = np.stack([rgb_image[:, r : r + 64, c : c + 64] for r in (0, 200) for c in (0, 300)])
    encoded = codec.encode(codec.normalisation.forward(tiles))
    here, _ = codec.decode_latents([t.stream for t in encoded])
    for i, tile in enumerate(encoded):
        (tmp_path / f"{i}.bin").write_bytes(tile.stream)
    script = textwrap.dedent(
        f"""
        import numpy as np, torch
        torch.set_num_threads(1)
        from scicbir.models.package import ModelPackage
        from scicbir.codec.codec import TileCodec
        codec = TileCodec(ModelPackage.load({str(checkerboard_rgb_model.path)!r}), backend="torch")
        streams = [open({str(tmp_path)!r} + f"/{{i}}.bin", "rb").read() for i in range(4)]
        out = torch.cat([codec.decode_latents([s])[0] for s in streams])
        np.save({str(tmp_path / "other.npy")!r}, out.numpy())
        """
    )
    env = dict(engine_env, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=300)
    assert np.array_equal(np.load(tmp_path / "other.npy"), here.numpy())
