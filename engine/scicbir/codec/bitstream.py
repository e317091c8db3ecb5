"""The bitstream container of one tile.

Container version 2 (written since the checkerboard context), big-endian: 7 bytes of header,
10 for a tile smaller than the model's tile, then the latent payload::

    lead     B    0xC2, or 0xD2 for a tile smaller than the model's tile: bits 7-5 (110) mark a
                  SCI-CBIR tile stream, bit 4 says the size field follows, bits 3-0 are the
                  container version (2)
    model    2s   first 2 bytes of the model's weights sha256
    crc32    I    zlib.crc32 of the whole stream except this field (lead, model, size, payload),
                  started from the CRC-32 of the model's full 32-byte weights sha256
    size     3s   only with bit 4 of lead: (height - 1) << 12 | (width - 1)
    payload       the latent codec's string (``MixtureLatentCodec.compress``): one byte, the
                  half-width of the latent symbol tables, then one rANS stream of the
                  hyper-latent symbols followed by the latent symbols (see
                  ``scicbir.codec.entropy``)

Everything else a decoder needs comes from the model, which the archive's catalog names: the
number of bands, the latent and hyper-latent shapes (the model's tile size), the tile's size
when it is the model's tile size. A foreign stream is refused by its lead byte, a stream of
another model by its tag, and a truncated, extended or damaged one by the CRC, which also covers
the model's whole checksum: a stream of another model whose tag happens to match (1 in 65536)
fails it too. ``bpp`` of a tile counts the whole container (header included).

Container version 1 (read only, ``pack_v1`` writes it for tests), 42 bytes of header then the
two rANS payloads::

    magic      4s   b"SCIC"
    version    B    container version (1)
    flags      B    reserved, 0
    model      8s   first 8 bytes of the model's weights sha256
    bands      H    C
    height     H    h of the tile (before padding)
    width      H    w of the tile
    lat_h      H    latent rows    (padded height / 16)
    lat_w      H    latent columns (padded width / 16)
    hyp_h      H    hyper-latent rows
    hyp_w      H    hyper-latent columns
    abs_max    H    half-width of the latent symbol tables
    len_z      I    bytes of the hyper-latent payload (compressai's ``EntropyBottleneck``)
    len_y      I    bytes of the latent payload
    crc32      I    zlib.crc32 of the two payloads
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from scicbir.errors import InputError, ModelMismatchError

#: Container version written by this engine; ``READABLE`` lists those it decodes.
VERSION = 2
READABLE = (1, 2)
_LEAD_MARK, _LEAD_MASK, _PARTIAL, _VERSION_BITS = 0xC0, 0xE0, 0x10, 0x0F
_HEADER = struct.Struct(">B2sI")
#: Header bytes of a version-2 stream of a whole tile, and of a smaller (edge) tile.
HEADER_SIZE = _HEADER.size
PARTIAL_HEADER_SIZE = HEADER_SIZE + 3
#: Largest tile side the version-2 size field holds.
MAX_SIDE = 1 << 12

MAGIC = b"SCIC"
_V1_HEADER = struct.Struct(">4sBB8s8HIII")
V1_HEADER_SIZE = _V1_HEADER.size


@dataclass(frozen=True)
class StreamHeader:
    """The header of a version-1 stream."""

    model_prefix: bytes
    bands: int
    height: int
    width: int
    latent_h: int
    latent_w: int
    hyper_h: int
    hyper_w: int
    abs_max: int


@dataclass(frozen=True)
class TileStream:
    """A parsed, verified stream: the tile's size and what the latent codec decodes.

    ``strings``: version 2, ``(payload,)``; version 1, ``(y_string, z_string)`` with the
    symbol-table half-width in ``header.abs_max``.
    """

    version: int
    height: int
    width: int
    strings: tuple[bytes, ...]
    header: StreamHeader | None = None


def model_prefix(checksum: str) -> bytes:
    """The 8 bytes of a weights sha256 (hex) recorded in every version-1 stream."""
    return bytes.fromhex(checksum[:16])


def model_tag(checksum: str) -> bytes:
    """The 2 bytes of a weights sha256 (hex) recorded in every version-2 stream."""
    return bytes.fromhex(checksum[:4])


def _crc(checksum: str, data: bytes) -> int:
    return zlib.crc32(data, zlib.crc32(bytes.fromhex(checksum)))


def pack(checksum: str, payload: bytes, height: int, width: int, tile_size: int) -> bytes:
    """A version-2 stream: the latent codec's ``payload`` of a ``height`` x ``width`` tile
    coded by the model with weights sha256 ``checksum`` and tile size ``tile_size``."""
    if not (0 < height <= tile_size and 0 < width <= tile_size and tile_size <= MAX_SIDE):
        raise ValueError(f"tile of {height}x{width} does not fit the tile size {tile_size}")
    partial = (height, width) != (tile_size, tile_size)
    lead = _LEAD_MARK | (_PARTIAL if partial else 0) | VERSION
    size = (((height - 1) << 12) | (width - 1)).to_bytes(3, "big") if partial else b""
    tag = model_tag(checksum)
    crc = _crc(checksum, bytes([lead]) + tag + size + payload)
    return _HEADER.pack(lead, tag, crc) + size + payload


def unpack(stream: bytes, checksum: str, tile_size: int, what: str = "bitstream") -> TileStream:
    """Parse and verify a stream of either version for the model with weights sha256
    ``checksum`` (hex) and tile size ``tile_size``."""
    if not isinstance(stream, bytes | bytearray | memoryview):
        raise InputError(f"{what}: expected bytes, got {type(stream).__name__}")
    stream = bytes(stream)
    if stream[:4] == MAGIC[: len(stream[:4])] and stream:
        return _unpack_v1(stream, checksum, what)
    if not stream:
        raise InputError(f"{what} is truncated: it is empty; re-encode the tile or restore it")
    lead = stream[0]
    if lead & _LEAD_MASK != _LEAD_MARK:
        raise InputError(f"{what} is not a SCI-CBIR tile stream (wrong magic bytes)")
    version = lead & _VERSION_BITS
    if version not in READABLE:
        raise InputError(
            f"{what}: container version {version} is not supported (this engine reads "
            f"{', '.join(map(str, READABLE))}); update the engine"
        )
    size = PARTIAL_HEADER_SIZE if lead & _PARTIAL else HEADER_SIZE
    if len(stream) <= size:
        raise InputError(
            f"{what} is truncated: {len(stream)} bytes, the header alone needs {size}; "
            "re-encode the tile or restore the archive"
        )
    _, tag, crc = _HEADER.unpack_from(stream)
    if tag != model_tag(checksum):
        raise ModelMismatchError(
            f"{what} was made by the model with checksum {tag.hex()}..., not by this model "
            f"({checksum[:16]}...); decode it with the model that encoded it"
        )
    if _crc(checksum, stream[:3] + stream[HEADER_SIZE:]) != crc:
        raise InputError(
            f"{what} is corrupt, truncated or has trailing bytes (its checksum differs); "
            "re-encode the tile or restore the archive"
        )
    height = width = tile_size
    if lead & _PARTIAL:
        packed = int.from_bytes(stream[HEADER_SIZE:size], "big")
        height, width = (packed >> 12) + 1, (packed & 0xFFF) + 1
        if height > tile_size or width > tile_size:
            raise InputError(
                f"{what}: a tile of {height}x{width} pixels does not fit the model's tile "
                f"size {tile_size}"
            )
    return TileStream(version, height, width, (stream[size:],))


def pack_v1(header: StreamHeader, z_string: bytes, y_string: bytes) -> bytes:
    """A version-1 stream (this engine writes version 2; kept to test reading version 1)."""
    crc = zlib.crc32(y_string, zlib.crc32(z_string))
    head = _V1_HEADER.pack(
        MAGIC,
        1,
        0,
        header.model_prefix,
        header.bands,
        header.height,
        header.width,
        header.latent_h,
        header.latent_w,
        header.hyper_h,
        header.hyper_w,
        header.abs_max,
        len(z_string),
        len(y_string),
        crc,
    )
    return head + z_string + y_string


def _unpack_v1(stream: bytes, checksum: str, what: str) -> TileStream:
    if len(stream) < V1_HEADER_SIZE:
        raise InputError(
            f"{what} is truncated: {len(stream)} bytes, the header alone needs "
            f"{V1_HEADER_SIZE}; re-encode the tile or restore the archive"
        )
    (magic, version, _flags, prefix, c, h, w, lh, lw, zh, zw, a, len_z, len_y, crc) = (
        _V1_HEADER.unpack_from(stream)
    )
    if version != 1:
        raise InputError(
            f"{what}: container version {version} is not supported (this engine reads "
            f"{', '.join(map(str, READABLE))}); update the engine"
        )
    if prefix != model_prefix(checksum):
        raise ModelMismatchError(
            f"{what} was made by the model with checksum {prefix.hex()}..., not by this model "
            f"({checksum[:16]}...); decode it with the model that encoded it"
        )
    expected = V1_HEADER_SIZE + len_z + len_y
    if len(stream) < expected:
        raise InputError(
            f"{what} is truncated: {len(stream)} of {expected} bytes; re-encode the tile or "
            "restore the archive"
        )
    if len(stream) > expected:
        raise InputError(f"{what} has {len(stream) - expected} bytes of trailing garbage")
    z_string = stream[V1_HEADER_SIZE : V1_HEADER_SIZE + len_z]
    y_string = stream[V1_HEADER_SIZE + len_z :]
    if zlib.crc32(y_string, zlib.crc32(z_string)) != crc:
        raise InputError(f"{what} is corrupt (checksum of the payload differs)")
    if min(c, h, w, lh, lw, zh, zw) == 0:
        raise InputError(f"{what} has an empty shape in its header")
    header = StreamHeader(prefix, c, h, w, lh, lw, zh, zw, a)
    return TileStream(1, h, w, (y_string, z_string), header)
