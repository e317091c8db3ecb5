"""Rate-distortion of the learned codec against JPEG 2000 on the same tiles and value range.

Both codecs start from the same source integers. Quality is measured where the model works: each
reconstruction is brought back to the source dtype (what a user's decoded GeoTIFF holds), then
normalised with the same offset/scale as the original, and compared with the engine's own PSNR
and spectral-angle functions; a set with a stated peak (Sentinel-2: 10000) has its PSNR taken
against that peak in source units instead. A model package with several rate points (stage 2's
Pareto points, ``ModelPackage.rate_points``) gives one RD point per rate point
(``codec_points``), so one package draws a curve. Rates are the bytes really produced (SCI-CBIR stream with its
header, J2K codestream) per spatial pixel, all bands together. Throughput is tiles per second of
encode and of decode on the threads the process was given (``run_all`` sets 2), from the median
of ``TIMING_PASSES`` passes over the whole set for both codecs alike: a single pass over a small
set (24 Landsat crops take ~0.15 s to decode) swung by a quarter from run to run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from benchmarks.datasets import TileSet, normalise
from benchmarks.metrics import bd_rate
from benchmarks.peers import jpeg2000, lossless

#: Passes over a set whose median time gives a codec's tiles/s.
TIMING_PASSES = 3


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


def quality(
    original: np.ndarray, decoded: np.ndarray, offset, scale, peak: float | None = None
) -> tuple[float, float]:
    """(PSNR dB, spectral angle rad) of one tile given in source units, by the engine's metrics.

    Both tiles are normalised with ``offset``/``scale`` (the value range the codecs are compared
    in); PSNR is against peak 1.0 there, or against ``peak`` in source units when given.
    """
    from scicbir.codec import metrics

    a, b = normalise(original, offset, scale), normalise(decoded, offset, scale)
    if peak is None:
        value = metrics.psnr(a, b)
    else:
        value = metrics.psnr(
            np.asarray(original, np.float64), np.asarray(decoded, np.float64), peak
        )
    return float(value), float(metrics.spectral_angle(a, b))


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
        bpps, scores, enc, dec = [], [], [], []
        for n in range(TIMING_PASSES):
            enc.append(0.0)
            dec.append(0.0)
            for tile in tileset.tiles:
                result = jpeg2000.round_trip(tile, q)
                enc[-1] += result.encode_s
                dec[-1] += result.decode_s
                if n == 0:
                    bpps.append(result.bpp())
                    scores.append(quality(tile, result.decoded, offset, scale, tileset.peak))
        if tuple(bpps) in seen:  # below its smallest codestream OpenJPEG repeats a point
            continue
        seen.add(tuple(bpps))
        points.append(
            _mean_point("JPEG 2000", f"QUALITY={q:g}", bpps, scores, np.median(enc), np.median(dec))
        )
    return points


def rate_point_packages(package) -> list:
    """The package at each of its rate points, fewest bits first (itself if it has none)."""
    points = sorted(int(p["quality"]) for p in package.rate_points)
    return [package.at_quality(q) for q in points] if points else [package]


def point_label(package) -> str:
    """``model q2 (default)``: which package and rate point an RD point comes from."""
    if package.quality is None or not package.rate_points:
        return package.model_id
    default = " (default)" if package.quality == package.default_quality else ""
    return f"{package.model_id} q{package.quality}{default}"


def codec_points(package, tileset: TileSet, offset, scale) -> list[RDPoint]:
    """One RD point per rate point of ``package``: the curve of one model package."""
    return [codec_point(p, tileset, offset, scale) for p in rate_point_packages(package)]


def codec_point(package, tileset: TileSet, offset: np.ndarray, scale: np.ndarray) -> RDPoint:
    """The model package's operating point: real streams, decoded back to source dtype."""
    from scicbir.codec.codec import TileCodec
    from scicbir.codec.normalisation import Normalisation

    codec = TileCodec(package)
    norm = Normalisation(offset, scale)
    originals = norm.forward(tileset.tiles)
    codec.decode(codec.encode(originals[:1])[0].stream)  # warm-up: first-call costs untimed
    enc, dec = [], []
    for _ in range(TIMING_PASSES):  # the same streams and tiles every pass (deterministic)
        start = time.perf_counter()
        encoded = codec.encode(originals)
        middle = time.perf_counter()
        decoded = codec.decode_many([e.stream for e in encoded])
        enc.append(middle - start)
        dec.append(time.perf_counter() - middle)
    dtype = tileset.tiles.dtype
    scores = [
        quality(t, Normalisation.to_dtype(norm.inverse(d), dtype), offset, scale, tileset.peak)
        for t, d in zip(tileset.tiles, decoded, strict=True)
    ]
    bpps = [e.bpp for e in encoded]
    return _mean_point(
        "SCI-CBIR", point_label(package), bpps, scores, np.median(enc), np.median(dec)
    )


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


def savings_at_quality(
    reference: list[RDPoint], test: list[RDPoint], min_psnr: float
) -> list[tuple[RDPoint, float | None, str]]:
    """Rate saving (%, negative: fewer bits) of each ``test`` point with PSNR >= ``min_psnr``
    against the reference curve at the same PSNR: (point, saving or None, why not)."""
    ref_r = [p.bpp for p in reference]
    ref_q = [p.psnr for p in reference]
    out: list[tuple[RDPoint, float | None, str]] = []
    for point in sorted(test, key=lambda p: p.bpp):
        if not point.psnr >= min_psnr:
            continue
        try:
            out.append((point, point_saving(ref_r, ref_q, point.bpp, point.psnr), ""))
        except ValueError as exc:
            out.append((point, None, str(exc)))
    return out


def sa_at_equal_rate(
    reference: list[RDPoint], test: list[RDPoint]
) -> list[tuple[RDPoint, float | None, str]]:
    """Spectral angle of the reference curve at each ``test`` point's bpp: (point, reference
    SA or None, why not). The reference's SA is interpolated (monotone piecewise cubic) against
    log bpp between its own points, never extrapolated."""
    from scipy.interpolate import PchipInterpolator

    pts = sorted((p for p in reference if p.bpp > 0 and np.isfinite(p.sa)), key=lambda p: p.bpp)
    rates, first = np.unique(np.log([p.bpp for p in pts]), return_index=True)
    angles = np.asarray([pts[i].sa for i in first], float)
    out: list[tuple[RDPoint, float | None, str]] = []
    for point in sorted(test, key=lambda p: p.bpp):
        if rates.size < 2:
            out.append((point, None, "the reference curve has fewer than 2 points"))
            continue
        x = np.log(point.bpp)
        if not rates[0] <= x <= rates[-1]:
            lo, hi = np.exp(rates[[0, -1]])
            out.append(
                (point, None, f"{point.bpp:.3g} bpp is outside the reference's {lo:.3g}..{hi:.3g}")
            )
            continue
        out.append((point, float(PchipInterpolator(rates, angles)(x)), ""))
    return out
