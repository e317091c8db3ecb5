"""Bad tiles and bad streams get clear errors, never a crash or garbage output."""

from __future__ import annotations

import numpy as np
import pytest

from scicbir.codec.bitstream import HEADER_SIZE
from scicbir.codec.codec import TileCodec
from scicbir.errors import InputError, ModelMismatchError
from scicbir.models.testing import make_random_package


@pytest.fixture(scope="module")
def codec(tiny_rgb_model) -> TileCodec:
    return TileCodec(tiny_rgb_model, backend="torch")


@pytest.fixture(scope="module")
def stream(codec, rgb_image) -> bytes:
    return codec.encode(codec.normalisation.forward(rgb_image[:, :64, :64]))[0].stream


def test_wrong_band_count_names_the_model_bands(codec):
    with pytest.raises(InputError, match=r"have 4 bands but model .* takes 3 \(red, green, blue\)"):
        codec.encode(np.zeros((1, 4, 64, 64), np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused_with_the_tile_index(codec, bad):
    tiles = np.zeros((3, 3, 64, 64), np.float32)
    tiles[2, 1, 5, 5] = bad
    with pytest.raises(InputError, match="tile 2 contains NaN or infinite"):
        codec.encode(tiles)
    with pytest.raises(InputError, match="NaN or infinite"):
        codec.hash(tiles)


@pytest.mark.parametrize("shape", [(0, 3, 64, 64), (1, 3, 0, 64), (3, 64)])
def test_empty_or_shapeless_tiles_are_refused(codec, shape):
    with pytest.raises(InputError):
        codec.encode(np.zeros(shape, np.float32))


def test_tile_larger_than_the_model_tile_is_refused(codec):
    with pytest.raises(InputError, match="exceed the model's tile size 64"):
        codec.encode(np.zeros((1, 3, 65, 64), np.float32))


def test_truncated_streams_are_refused(codec, stream):
    for cut in (0, 3, HEADER_SIZE - 1, HEADER_SIZE + 2, len(stream) - 1):
        with pytest.raises(InputError, match="truncated|not a SCI-CBIR"):
            codec.decode(stream[:cut])


def test_foreign_bytes_are_refused(codec, rgb_image):
    with pytest.raises(InputError, match="not a SCI-CBIR tile stream"):
        codec.decode(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(InputError, match="expected bytes"):
        codec.decode("SCIC")  # type: ignore[arg-type]


def test_corrupted_payload_is_refused(codec, stream):
    damaged = bytearray(stream)
    damaged[-3] ^= 0x40
    with pytest.raises(InputError, match="corrupt"):
        codec.decode(bytes(damaged))
    with pytest.raises(InputError, match="trailing"):
        codec.decode(stream + b"\0")


def test_stream_of_another_model_is_refused(stream, tmp_path):
    other = make_random_package(tmp_path / "other", bands=3, N=16, M=16, seed=9)
    with pytest.raises(ModelMismatchError, match="decode it with the model that encoded it"):
        TileCodec(other, backend="torch").decode(stream)


def test_unknown_backend_is_refused(tiny_rgb_model):
    with pytest.raises(InputError, match="backend"):
        TileCodec(tiny_rgb_model, backend="tensorrt")
