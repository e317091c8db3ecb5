"""The self-describing bitstream container of one tile.

Layout (big-endian), 42 bytes of header then the two rANS payloads::

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
    len_z      I    bytes of the hyper-latent payload
    len_y      I    bytes of the latent payload
    crc32      I    zlib.crc32 of the two payloads

Everything a decoder needs to check before trusting the payload is there: a truncated or
foreign stream, or one made by another model, is refused with a message instead of decoding
garbage. ``bpp`` of a tile counts the whole container (header included).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from scicbir.errors import InputError, ModelMismatchError

MAGIC = b"SCIC"
VERSION = 1
_HEADER = struct.Struct(">4sBB8s8HIII")
HEADER_SIZE = _HEADER.size


@dataclass(frozen=True)
class StreamHeader:
    model_prefix: bytes
    bands: int
    height: int
    width: int
    latent_h: int
    latent_w: int
    hyper_h: int
    hyper_w: int
    abs_max: int


def model_prefix(checksum: str) -> bytes:
    """The 8 bytes of a weights sha256 (hex) recorded in every stream."""
    return bytes.fromhex(checksum[:16])


def pack(header: StreamHeader, z_string: bytes, y_string: bytes) -> bytes:
    crc = zlib.crc32(y_string, zlib.crc32(z_string))
    head = _HEADER.pack(
        MAGIC,
        VERSION,
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


def unpack(
    stream: bytes, checksum: str | None = None, what: str = "bitstream"
) -> tuple[StreamHeader, bytes, bytes]:
    """Parse and verify a stream; ``checksum`` (hex) is the decoding model's weights sha256."""
    if not isinstance(stream, bytes | bytearray | memoryview):
        raise InputError(f"{what}: expected bytes, got {type(stream).__name__}")
    stream = bytes(stream)
    if len(stream) < HEADER_SIZE:
        if stream[:4] != MAGIC[: len(stream[:4])]:
            raise InputError(f"{what} is not a SCI-CBIR tile stream (wrong magic bytes)")
        raise InputError(
            f"{what} is truncated: {len(stream)} bytes, the header alone needs {HEADER_SIZE}; "
            "re-encode the tile or restore the archive"
        )
    (magic, version, _flags, prefix, c, h, w, lh, lw, zh, zw, a, len_z, len_y, crc) = (
        _HEADER.unpack_from(stream)
    )
    if magic != MAGIC:
        raise InputError(f"{what} is not a SCI-CBIR tile stream (wrong magic bytes)")
    if version != VERSION:
        raise InputError(
            f"{what}: container version {version} is not supported (this engine reads "
            f"{VERSION}); update the engine"
        )
    if checksum is not None and prefix != model_prefix(checksum):
        raise ModelMismatchError(
            f"{what} was made by the model with checksum {prefix.hex()}..., not by this model "
            f"({checksum[:16]}...); decode it with the model that encoded it"
        )
    expected = HEADER_SIZE + len_z + len_y
    if len(stream) < expected:
        raise InputError(
            f"{what} is truncated: {len(stream)} of {expected} bytes; re-encode the tile or "
            "restore the archive"
        )
    if len(stream) > expected:
        raise InputError(f"{what} has {len(stream) - expected} bytes of trailing garbage")
    z_string = stream[HEADER_SIZE : HEADER_SIZE + len_z]
    y_string = stream[HEADER_SIZE + len_z :]
    if zlib.crc32(y_string, zlib.crc32(z_string)) != crc:
        raise InputError(f"{what} is corrupt (checksum of the payload differs)")
    if min(c, h, w, lh, lw, zh, zw) == 0:
        raise InputError(f"{what} has an empty shape in its header")
    header = StreamHeader(prefix, c, h, w, lh, lw, zh, zw, a)
    return header, z_string, y_string
