"""Rate-distortion of the learned codec against JPEG 2000 on the same tiles and value range.

Both codecs start from the same source integers. Quality is measured where the model works: each
reconstruction is brought back to the source dtype (what a user's decoded GeoTIFF holds), then
normalised with the same offset/scale as the original, and compared with the engine's own PSNR
and spectral-angle functions. Rates are the bytes really produced (SCI-CBIR stream with its
header, J2K codestream) per spatial pixel, all bands together. Throughput is tiles per second of
encode and of decode on the threads the process was given (``run_all`` sets 2).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from benchmarks.datasets import TileSet, normalise
from benchmarks.metrics import bd_rate
from benchmarks.peers import jpeg2000, lossless


@dataclass
class RDPoint:
    """One operating point of one method, averaged over the tiles of a set."""

    method: str
    setting: str
    bpp: float
    psnr: float
    sa: float
    encode_tiles_s: float
    decode_tiles_s: float
    tiles: int

    def as_dict(self) -> dict:
        return asdict(self)


def normalisation_of(tileset: TileSet, config) -> tuple[np.ndarray, np.ndarray]:
    """The set's own value range when it has one (16-bit scenes), else the model's."""
    if tileset.offset is not None and tileset.scale is not None:
        return np.asarray(tileset.offset, float), np.asarray(tileset.scale, float)
    return np.asarray(config.normalisation_offset, float), np.asarray(
        config.normalisation_scale, float
    )


def quality(original: np.ndarray, decoded: np.ndarray) -> tuple[float, float]:
    """(PSNR dB, spectral angle rad) of one normalised tile, by the engine's metrics."""
    from scicbir.codec import metrics

    return (
        float(metrics.psnr(original, decoded)),
        float(metrics.spectral_angle(original, decoded)),
    )


def _mean_point(method, setting, bpps, scores, enc_s, dec_s) -> RDPoint:
    psnr = np.array([s[0] for s in scores], dtype=np.float64)
    sa = np.array([s[1] for s in scores], dtype=np.float64)
    n = len(bpps)
    return RDPoint(
        method,
        setting,
        float(np.mean(bpps)),
        float(np.mean(psnr[np.isfinite(psnr)])) if np.isfinite(psnr).any() else float("inf"),
        float(np.mean(sa)),
        n / enc_s if enc_s > 0 else float("nan"),
        n / dec_s if dec_s > 0 else float("nan"),
        n,
    )


def jpeg2000_curve(
    tileset: TileSet,
    offset: np.ndarray,
    scale: np.ndarray,
    qualities: Sequence[float] = jpeg2000.DEFAULT_QUALITIES,
) -> list[RDPoint]:
    """One RD point per JPEG 2000 quality setting, every tile of the set coded at each."""
    points = []
    seen: set[tuple[float, ...]] = set()
    for q in qualities:
        bpps, scores, enc, dec = [], [], 0.0, 0.0
        for tile in tileset.tiles:
            result = jpeg2000.round_trip(tile, q)
            bpps.append(result.bpp())
            enc += result.encode_s
            dec += result.decode_s
            scores.append(
                quality(normalise(tile, offset, scale), normalise(result.decoded, offset, scale))
            )
        if tuple(bpps) in seen:  # below its smallest codestream OpenJPEG repeats a point
            continue
        seen.add(tuple(bpps))
        points.append(_mean_point("JPEG 2000", f"QUALITY={q:g}", bpps, scores, enc, dec))
    return points


def codec_point(package, tileset: TileSet, offset: np.ndarray, scale: np.ndarray) -> RDPoint:
    """The model package's operating point: real streams, decoded back to source dtype."""
    from scicbir.codec.codec import TileCodec
    from scicbir.codec.normalisation import Normalisation

    codec = TileCodec(package)
    norm = Normalisation(offset, scale)
    originals = norm.forward(tileset.tiles)
    codec.decode(codec.encode(originals[:1])[0].stream)  # warm-up: first-call costs untimed
    start = time.perf_counter()
    encoded = codec.encode(originals)
    middle = time.perf_counter()
    decoded = codec.decode_many([e.stream for e in encoded])
    end = time.perf_counter()
    dtype = tileset.tiles.dtype
    scores = [
        quality(o, norm.forward(Normalisation.to_dtype(norm.inverse(d), dtype)))
        for o, d in zip(originals, decoded, strict=True)
    ]
    bpps = [e.bpp for e in encoded]
    return _mean_point("SCI-CBIR", package.model_id, bpps, scores, middle - start, end - middle)


def lossless_reference(tileset: TileSet) -> dict[str, float]:
    """Mean bpp of each lossless GeoTIFF compression over the set (distortion zero)."""
    return {
        name: float(np.mean([lossless.geotiff_bpp(t, name) for t in tileset.tiles]))
        for name in lossless.COMPRESSIONS
    }


def bd_rates(reference: list[RDPoint], test: list[RDPoint]) -> dict[str, float | str]:
    """BD-rate (%) of ``test`` against ``reference`` on PSNR and on spectral angle.

    A curve of one point cannot be integrated; then the saving at that point against the
    reference curve is given instead (log-rate interpolated at equal quality), marked as such.
    """
    out: dict[str, float | str] = {}
    for key, sign in (("psnr", 1.0), ("sa", -1.0)):
        ref_r = [p.bpp for p in reference]
        ref_q = [sign * getattr(p, key) for p in reference]
        test_r = [p.bpp for p in test]
        test_q = [sign * getattr(p, key) for p in test]
        try:
            if len(test) >= 2:
                out[key] = bd_rate(ref_r, ref_q, test_r, test_q)
                out[f"{key}_kind"] = "BD-rate"
            else:
                out[key] = point_saving(ref_r, ref_q, test_r[0], test_q[0])
                out[f"{key}_kind"] = "rate saving at the single point"
        except ValueError as exc:
            out[key] = float("nan")
            out[f"{key}_kind"] = f"not computable: {exc}"
    return out


def point_saving(ref_rates, ref_quality, rate: float, quality_value: float) -> float:
    """Rate difference (%) of one point against the reference curve at the same quality."""
    from scipy.interpolate import PchipInterpolator

    q = np.asarray(ref_quality, float)
    r = np.asarray(ref_rates, float)
    order = np.argsort(q)
    q, r = q[order], r[order]
    q, first = np.unique(q, return_index=True)
    r = r[first]
    if not q[0] <= quality_value <= q[-1]:
        raise ValueError(
            f"quality {quality_value:.3g} is outside the reference curve ({q[0]:.3g}..{q[-1]:.3g})"
        )
    ref_rate = float(np.exp(PchipInterpolator(q, np.log(r))(quality_value)))
    return (rate / ref_rate - 1.0) * 100.0
