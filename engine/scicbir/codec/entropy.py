"""Deterministic rANS coding of the latents y with the K-component Gaussian mixture.

The decoder must rebuild, symbol by symbol, exactly the probability tables the encoder used, in
another process, perhaps with another thread count. Floating-point convolutions are not
bit-reproducible across thread counts, so the entropy-parameter path is made robust in three
steps:

1. its inputs are exact: the quantised latents ŷ are integers and ẑ comes from the factorized
   model's integer tables stored in the package;
2. ``h_s``, the masked context convolution and ``entropy_parameters`` run in float64, so that
   two evaluations differ by ~1e-15 at most;
3. the mixture parameters are snapped to a coarse grid (means to 1/64, scales to 1/16 of an
   octave, weights to 1/256) before the CDFs are built with scipy's element-wise normal CDF and
   integer arithmetic. A difference of 1e-15 changes a snapped value only if it falls within
   1e-15 of a grid boundary (probability ~1e-13 per parameter).

The encoder computes all parameters at once (ŷ is known). The decoder follows the model's
context (``MixtureLatentCodec.context_model``):

- ``"checkerboard"``: the anchors (``i + j`` odd) have no context, so their parameters come from
  the hyperprior alone and all of them are decoded in one pass; the other positions' context
  reads anchors only, so a second pass decodes all of them. Both passes cover every tile of a
  batch at once and build their tables in one vectorised call; the decoder computes them with
  the very function the encoder uses (``parameters_all``), on ŷ with the not yet decoded
  positions at 0, which the checkerboard taps never read.
- ``"serial"``: the decoder walks the latent grid in raster order, computing the parameters of
  one position from the already decoded neighbours (the 12 causal taps of the 5x5 window).

Symbols are written in decoding order: checkerboard anchors (raster order among them), then the
other positions; serial positions in raster order; channels within a position. Values beyond
±``MAX_ABS`` are escaped (compressai's rANS bypass coding), so an outlier never blows up the
table size.

The payload of one tile (``compress``/``decompress``, container version 2) is one byte, the
half-width ``abs_max`` of the latent symbol tables (1..``MAX_ABS``: the largest |ŷ| of the tile),
then a single rANS stream: the hyper-latent symbols ``round(z - median)`` (channel by channel,
raster order, with the factorized model's integer tables stored in the package, as compressai's
``EntropyBottleneck.compress``), followed by the latent symbols. One stream instead of two saves
the second stream's 8-byte coder flush. Container version 1 kept two streams (the hyper-latent
one made by ``EntropyBottleneck.compress``) and bounded scales by their absolute value
(``SCALE_RULES``); ``decode`` reads its latent stream.
"""

from __future__ import annotations

import copy
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import torch
from scipy.special import ndtr
from torch import Tensor

from scicbir._compressai import import_compressai
from scicbir.codec.blas_threads import single_threaded_blas
from scicbir.codec.normal_cdf_table import NormalCdfTable
from scicbir.codec.table_kernels import mixture_tables

import_compressai()

from compressai.ans import BufferedRansEncoder, RansDecoder, RansEncoder  # noqa: E402

PRECISION = 16
TOTAL = 1 << PRECISION
#: Largest |symbol| with its own table entry; larger ones are escaped.
MAX_ABS = 64
MEAN_GRID = 64.0
LOG2_SCALE_GRID = 16.0
WEIGHT_GRID = 256.0
SCALE_MIN, SCALE_MAX = 0.11, 256.0
#: How scales are bounded below before snapping. ``"bound"``: ``max(scale, 0.11)``, compressai's
#: ``LowerBound(0.11)`` that the training forward applies (``GaussianMixtureConditional``), so
#: the tables are the distribution the rate was trained with; ``"abs"``: ``max(|scale|, 0.11)``,
#: the rule of container version 1, kept so that its streams decode bit-identically.
SCALE_RULES = ("bound", "abs")
#: Most table rows built at once (bounds the memory of the CDF tables of a large tile).
TABLE_ROWS = 1 << 14
#: Largest |symbol| the coder accepts (latents and hyper-latents, after rounding). compressai's
#: rANS coder escapes a value beyond its table by writing it in 4-bit chunks, counting the chunks
#: with a 32-bit shift that never ends once the value reaches 2**27 (the shift wraps), and refuses
#: values beyond int32; anything a model gives for inputs in its range is far below this bound.
MAX_SYMBOL = 1 << 20
#: Latent positions (over a batch) up to which the entropy-parameter products run on one
#: OpenBLAS thread (see ``scicbir.codec.blas_threads``); larger products use all of them.
SMALL_PRODUCT = 4096
#: Normal CDF values on the parameter grid, shared by every coder of the process.
CDF_TABLE = NormalCdfTable(
    int(np.rint(np.log2(SCALE_MIN) * LOG2_SCALE_GRID)),
    int(np.rint(np.log2(SCALE_MAX) * LOG2_SCALE_GRID)),
    LOG2_SCALE_GRID,
    int(MEAN_GRID),
)


class LatentRangeError(ValueError):
    """Latents that the entropy coder cannot code (not finite, or beyond ``MAX_SYMBOL``).

    ``tiles``: the batch indexes of the tiles at fault; ``largest``: the largest |value| seen
    (inf or NaN included)."""

    def __init__(self, tiles: list[int], largest: float) -> None:
        super().__init__(
            f"latents of tile(s) {tiles} are outside the entropy coder's range "
            f"(largest |value| {largest:.3g}, limit {MAX_SYMBOL})"
        )
        self.tiles = tiles
        self.largest = largest


def check_symbols(*arrays: np.ndarray) -> None:
    """Raise ``LatentRangeError`` unless every value of the (B, ...) arrays is finite and within
    ±``MAX_SYMBOL``: the check that keeps the rANS coder's escape loop bounded."""
    bad: set[int] = set()
    maxima: list[float] = []
    for array in arrays:
        flat = np.abs(np.asarray(array, np.float64).reshape(array.shape[0], -1))
        with np.errstate(invalid="ignore"):
            wrong = ~(flat <= MAX_SYMBOL)  # NaN compares False: wrong too
        if wrong.any():
            bad.update(int(r) for r in np.flatnonzero(wrong.any(axis=1)))
            maxima.append(float(np.max(flat[wrong])))  # NaN propagates
    if bad:
        raise LatentRangeError(sorted(bad), float(np.max(maxima)))


def _blas_threads(rows: int) -> AbstractContextManager:
    return single_threaded_blas() if rows <= SMALL_PRODUCT else nullcontext()


def snap_parameters(
    scales: np.ndarray, means: np.ndarray, weights: np.ndarray, scale_rule: str = "bound"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Snap float64 mixture parameters to the fixed grid (see the module docstring).

    Scales are bounded below by ``scale_rule`` (``SCALE_RULES``) and capped at ``SCALE_MAX``
    (a wider Gaussian is flat over the ±``MAX_ABS`` symbol range anyway).
    """
    if scale_rule not in SCALE_RULES:
        raise ValueError(f"scale_rule must be one of {SCALE_RULES}, not {scale_rule!r}")
    s = np.clip(np.abs(scales) if scale_rule == "abs" else scales, SCALE_MIN, SCALE_MAX)
    s = np.exp2(np.rint(np.log2(s) * LOG2_SCALE_GRID) / LOG2_SCALE_GRID)
    m = np.rint(means * MEAN_GRID) / MEAN_GRID
    w = np.rint(weights * WEIGHT_GRID) / WEIGHT_GRID
    w = np.where(w.sum(axis=0, keepdims=True) > 0, w, 1.0)  # all-zero weights -> uniform
    return s, m, w


def build_cdfs(
    scales: np.ndarray, means: np.ndarray, weights: np.ndarray, abs_max: int
) -> np.ndarray:
    """Integer CDFs ``(L, 2*abs_max + 3)`` for symbols -abs_max..abs_max plus the escape symbol.

    Inputs are snapped parameters shaped ``(K, L)``. Each of the 2*abs_max+1 symbols gets at
    least frequency 1, the escape symbol exactly 1, and the frequencies sum to 2**16. Built by
    the compiled ``table_kernels.mixture_tables`` from ``CDF_TABLE``'s values where the table
    covers every parameter pair (always, for parameters a model gives), else by
    ``build_cdfs_numpy``, the definition, whose bits the compiled path reproduces.
    """
    bases = _table_bases(scales, means, weights, abs_max)
    if bases is None:
        return build_cdfs_numpy(scales, means, weights, abs_max)
    weights = np.ascontiguousarray(weights, dtype=np.float64)  # one compiled specialisation
    return mixture_tables(CDF_TABLE.values, bases, weights, 2 * abs_max + 1, TOTAL)


def build_cdfs_numpy(
    scales: np.ndarray, means: np.ndarray, weights: np.ndarray, abs_max: int
) -> np.ndarray:
    """``build_cdfs`` as numpy operations: the definition of the tables. The normal CDF values
    come from ``CDF_TABLE`` where it covers a pair (the same float64 values as computing them,
    ``component_cdfs``)."""
    c = _component_cdfs(scales, means, abs_max)  # (K, L, n + 1)
    steps = np.diff(c, axis=2)
    pmf = weights[0][:, None] * steps[0]  # summed in component order, as 0 + w0 d0 + w1 d1 ...
    for k in range(1, scales.shape[0]):
        pmf += weights[k][:, None] * steps[k]
    n = pmf.shape[1]
    budget = TOTAL - 1 - n  # escape takes 1, every symbol at least 1
    total = pmf.sum(axis=1, keepdims=True)
    total[total <= 0] = 1.0
    freq = np.floor(pmf / total * budget).astype(np.int64) + 1
    rest = (TOTAL - 1) - freq.sum(axis=1)
    freq[np.arange(freq.shape[0]), np.argmax(pmf, axis=1)] += rest
    cdf = np.zeros((freq.shape[0], n + 2), dtype=np.int64)
    np.cumsum(freq, axis=1, out=cdf[:, 1 : n + 1])
    cdf[:, n + 1] = TOTAL
    return cdf


def component_cdfs(scales: np.ndarray, means: np.ndarray, abs_max: int) -> np.ndarray:
    """Normal CDF of each mixture component (parameters (K, L)) at the symbol edges
    -abs_max - 0.5 .. abs_max + 1.5: (K, L, 2 * abs_max + 2), computed."""
    edges = np.arange(-abs_max, abs_max + 2, dtype=np.float64) - 0.5
    return ndtr((edges - means[..., None]) / scales[..., None])


def _lowest_edge(abs_max: int) -> int:
    """The lowest symbol edge, -abs_max - 0.5, times ``MEAN_GRID`` (an integer)."""
    grid = int(MEAN_GRID)
    return -abs_max * grid - grid // 2


def _covered(scales: np.ndarray, means: np.ndarray, abs_max: int) -> tuple[np.ndarray, ...]:
    """Per flat parameter pair: its ``CDF_TABLE`` row, its mean in grid steps, and whether the
    table covers it (see ``_component_cdfs``)."""
    flat_scales, flat_means = scales.reshape(-1), means.reshape(-1)
    rows = CDF_TABLE.rows_of(flat_scales)
    with np.errstate(invalid="ignore"):
        steps = np.rint(flat_means * MEAN_GRID)
        covered = (rows >= 0) & (np.abs(steps) <= CDF_TABLE.half + _lowest_edge(abs_max))
        covered &= steps / MEAN_GRID == flat_means
    return rows, steps, covered


def _table_bases(
    scales: np.ndarray, means: np.ndarray, weights: np.ndarray, abs_max: int
) -> np.ndarray | None:
    """Flat ``CDF_TABLE`` index of each component's lowest edge value, (K, L); None unless
    the table covers every pair and the weights are finite."""
    rows, steps, covered = _covered(scales, means, abs_max)
    if not covered.all() or not np.isfinite(weights).all():
        return None
    first = _lowest_edge(abs_max) - steps.astype(np.int64)
    return np.ascontiguousarray(CDF_TABLE.bases(rows, first).reshape(scales.shape))


def _component_cdfs(scales: np.ndarray, means: np.ndarray, abs_max: int) -> np.ndarray:
    """``component_cdfs``, looked up in ``CDF_TABLE`` where it covers a parameter pair.

    A snapped mean is ``rint(mean * MEAN_GRID) / MEAN_GRID``, so ``edge - mean`` is exactly
    ``(edge * MEAN_GRID - mean_steps) / MEAN_GRID`` with integers on both sides of the minus.
    """
    first = _lowest_edge(abs_max)
    count = 2 * abs_max + 2
    flat_scales, flat_means = scales.reshape(-1), means.reshape(-1)
    rows, steps, covered = _covered(scales, means, abs_max)
    if covered.all():
        out = CDF_TABLE.lookup(rows, first - steps.astype(np.int64), count)
    else:
        out = np.empty((flat_means.size, count), dtype=np.float64)
        idx = np.flatnonzero(covered)
        out[idx] = CDF_TABLE.lookup(rows[idx], first - steps[idx].astype(np.int64), count)
        rest = np.flatnonzero(~covered)
        out[rest] = component_cdfs(flat_scales[rest], flat_means[rest], abs_max)
    return out.reshape(*scales.shape, count)


def coding_order(context: str, H: int, W: int) -> list[np.ndarray]:
    """Flat latent positions (``i * W + j``) in coding order, in the groups decoded together.

    ``"checkerboard"``: the anchors (``i + j`` odd), then the other positions, each in raster
    order; ``"serial"``: one group per position, in raster order.
    """
    flat = np.arange(H * W)
    if context == "checkerboard":
        anchors = (flat // W + flat % W) % 2 == 1
        return [flat[anchors], flat[~anchors]]
    return [flat[p : p + 1] for p in range(H * W)]


class MixtureCoder:
    """Codes ŷ of one network; holds float64 matrices of the entropy-parameter path.

    The 5x5 masked context convolution only sees its 12 taps (serial: two rows above, two
    columns to the left; checkerboard: the odd offsets); it and the 1x1 ``entropy_parameters``
    convolutions are applied as float64 numpy matrix products. For one latent position at a
    time this is far cheaper than a torch call, and numpy runs such small products on the
    calling thread, so a busy machine does not make every position wait for a second thread.
    """

    def __init__(self, net: torch.nn.Module) -> None:
        self.N = net.N
        self.K = net.K
        self.context = getattr(net, "context_model", "serial")
        self.entropy_bottleneck = net.entropy_bottleneck  # its integer tables code ẑ
        self._z_tables: tuple | None = None
        self.h_s = copy.deepcopy(net.h_s).cpu().double().eval()
        ctx = net.context_prediction
        mask = ctx.mask[0, 0].reshape(-1).bool().cpu().numpy()
        self.taps = np.flatnonzero(mask)  # causal positions in the 5x5 window
        weight = (ctx.weight * ctx.mask).detach().cpu().double().numpy()
        out_ch = weight.shape[0]
        w = weight.reshape(out_ch, self.N, 25)[:, :, self.taps].reshape(out_ch, -1)
        self.ctx_weight_t = np.ascontiguousarray(w.T)  # (12N, 2N)
        self.ctx_bias = ctx.bias.detach().cpu().double().numpy()
        self.layers: list[tuple[np.ndarray, np.ndarray] | float] = []
        for module in net.entropy_parameters:
            if isinstance(module, torch.nn.Conv2d):
                wt = module.weight.detach().cpu().double().flatten(1).numpy().T
                self.layers.append(
                    (np.ascontiguousarray(wt), module.bias.detach().double().numpy())
                )
            elif isinstance(module, torch.nn.LeakyReLU):
                self.layers.append(float(module.negative_slope))
            else:  # pragma: no cover - the architecture is fixed in SciCbirNet
                raise TypeError(f"unexpected entropy-parameter layer {module}")

    # ------------------------------------------------------------------ hyper-latents
    def z_tables(self) -> tuple[list, list[int], list[int], Tensor]:
        """The factorized model's integer tables (CDFs, lengths, offsets) and medians (1, M, 1, 1)."""
        if self._z_tables is None:
            eb = self.entropy_bottleneck
            if eb._quantized_cdf.numel() == 0:
                raise RuntimeError("the entropy bottleneck has no tables; call its update()")
            self._z_tables = (
                eb._quantized_cdf.tolist(),
                eb._cdf_length.reshape(-1).int().tolist(),
                eb._offset.reshape(-1).int().tolist(),
                eb._get_medians().detach().cpu().reshape(1, -1, 1, 1).clone(),
            )
        return self._z_tables

    @staticmethod
    def _z_indexes(channels: int, h: int, w: int) -> list[int]:
        return np.repeat(np.arange(channels), h * w).tolist()

    # ------------------------------------------------------------------ parameters
    @torch.no_grad()
    def hyper(self, z_hat: Tensor) -> np.ndarray:
        """h_s(ẑ) in float64, (B, 2N, H, W) numpy."""
        return self.h_s(z_hat.detach().cpu().double()).numpy()

    def _entropy_mlp(self, h: np.ndarray) -> np.ndarray:
        """The 1x1 ``entropy_parameters`` stack on features (..., 4N) -> (..., 3NK).

        The leading axes are flattened first: numpy multiplies a (B, P, 4N) stack by a matrix
        as B small products, one matrix product of all B * P rows is about twice as fast."""
        lead = h.shape[:-1]
        h = h.reshape(-1, h.shape[-1])
        for layer in self.layers:
            if isinstance(layer, float):
                h = np.where(h >= 0, h, h * layer)
            else:
                h = h @ layer[0] + layer[1]
        return h.reshape(*lead, h.shape[-1])

    def _mixture(
        self, gmm: np.ndarray, scale_rule: str = "bound", snap: bool = True
    ) -> tuple[np.ndarray, ...]:
        """Snapped (scales, means, weights) from gmm (B, ..., 3NK): each (K, B, N, ...).

        ``snap=False``: the float64 values before snapping (scales not bounded yet)."""
        B = gmm.shape[0]
        rest = gmm.shape[1:-1]
        order = (len(rest) + 1, 0, len(rest) + 2, *range(1, len(rest) + 1))
        scales, means, logits = (
            t.reshape(B, *rest, self.K, self.N).transpose(order)
            for t in np.split(gmm, 3, axis=-1)  # channel k*N + n
        )
        logits = logits - logits.max(axis=0, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=0, keepdims=True)
        if not snap:
            return scales, means, weights
        return snap_parameters(scales, means, weights, scale_rule)

    def parameters_all(
        self,
        y_hat: np.ndarray,
        hyper: np.ndarray,
        scale_rule: str = "bound",
        snap: bool = True,
        positions: np.ndarray | None = None,
    ) -> tuple[np.ndarray, ...]:
        """Parameters of every position at once, each (K, B, N, H, W) (see ``_mixture``); with
        ``positions`` (flat ``i * W + j``), of those positions only, each (K, B, N, P).

        The encoder and the checkerboard decoder both compute their parameters here.
        """
        B, N, H, W = y_hat.shape
        flat = np.arange(H * W) if positions is None else np.asarray(positions)
        padded = np.pad(y_hat.astype(np.float64), ((0, 0), (0, 0), (2, 2), (2, 2)))
        rows, cols = np.divmod(self.taps, 5)
        windows = np.stack(
            [padded[:, :, r : r + H, c : c + W] for r, c in zip(rows, cols, strict=True)], 2
        )
        feats = windows.transpose(0, 3, 4, 1, 2).reshape(B, H * W, -1)[:, flat]  # (B, P, 12N)
        ctx = (feats.reshape(-1, feats.shape[-1]) @ self.ctx_weight_t).reshape(B, flat.size, -1)
        ctx += self.ctx_bias
        if self.context == "checkerboard":  # anchors are coded without context (bias included)
            ctx[:, (flat // W + flat % W) % 2 == 1] = 0.0
        hyp = hyper.transpose(0, 2, 3, 1).reshape(B, H * W, -1)[:, flat]
        params = self._mixture(
            self._entropy_mlp(np.concatenate((hyp, ctx), axis=-1)), scale_rule, snap
        )
        if positions is None:
            return tuple(p.reshape(self.K, B, N, H, W) for p in params)
        return params

    def parameters_at(
        self, y_padded: np.ndarray, hyper: np.ndarray, i: int, j: int, scale_rule: str = "bound"
    ) -> tuple[np.ndarray, ...]:
        """Decoder side: parameters at (i, j) from the 5x5 window of ŷ (zero-padded by 2)."""
        B = y_padded.shape[0]
        window = y_padded[:, :, i : i + 5, j : j + 5].reshape(B, self.N, 25)
        ctx = window[:, :, self.taps].reshape(B, -1) @ self.ctx_weight_t + self.ctx_bias
        both = np.concatenate((hyper[:, :, i, j], ctx), axis=-1)
        return self._mixture(self._entropy_mlp(both), scale_rule)

    # ------------------------------------------------------------------ coding
    @staticmethod
    def symbol_range(y_hat: np.ndarray) -> int:
        """Table half-width for one tile: max |ŷ| capped at ``MAX_ABS`` (at least 1)."""
        return int(min(max(int(np.abs(y_hat).max(initial=0)), 1), MAX_ABS))

    def _flat(self, params: tuple[np.ndarray, ...], positions: np.ndarray) -> list[np.ndarray]:
        """One tile's parameters (each (K, N, H, W)) at flat ``positions``: each (K, P * N),
        position-major, channel-minor (the order symbols are coded in)."""
        K, N, H, W = params[0].shape
        return [
            p.transpose(0, 2, 3, 1).reshape(K, H * W, N)[:, positions].reshape(K, -1)
            for p in params
        ]

    @staticmethod
    def _rows(params: tuple[np.ndarray, ...], part: slice) -> list[np.ndarray]:
        """One tile's parameters (each (K, N, P)) of the positions ``part``: each (K, p * N),
        position-major, channel-minor (the order symbols are coded in)."""
        return [p[:, :, part].transpose(0, 2, 1).reshape(p.shape[0], -1) for p in params]

    def encode(self, y_hat: np.ndarray, params: tuple[np.ndarray, ...], abs_max: int) -> bytes:
        """A latent stream of its own (container version 1) of one tile's ŷ (N, H, W), with its
        parameters (each (K, N, H, W)); ``compress`` makes the current payloads."""
        check_symbols(y_hat[None])
        N, H, W = y_hat.shape
        order = np.concatenate(coding_order(self.context, H, W))
        symbols = y_hat.transpose(1, 2, 0).reshape(H * W, N)[order].reshape(-1).astype(np.int64)
        cdf = build_cdfs(*self._flat(params, order), abs_max)
        count = symbols.size
        lengths = [cdf.shape[1]] * count
        offsets = [-abs_max] * count
        return RansEncoder().encode_with_indexes(
            symbols.tolist(), list(range(count)), cdf.tolist(), lengths, offsets
        )

    @torch.no_grad()
    def compress(self, y: Tensor, z: Tensor) -> tuple[list[bytes], Tensor]:
        """Payloads of a batch (one per tile, see the module docstring) and ŷ (float32, CPU).

        ``y``: latents (B, N, H, W); ``z``: hyper-latents ``h_a(y)`` (B, M, h, w).
        ``LatentRangeError`` when a tile's latents cannot be coded (checked before any coding).
        """
        cdfs, lengths, offsets, medians = self.z_tables()
        z = z.detach().cpu()
        z_symbols = torch.round(z - medians.to(z.dtype))  # as EntropyBottleneck.compress
        y_hat = torch.round(y.detach()).cpu().double().numpy()
        check_symbols(y_hat, z_symbols.double().numpy())
        hyper = self.hyper(z_symbols + medians.to(z.dtype))  # ẑ, as its decompress
        B, N, H, W = y_hat.shape
        order = np.concatenate(coding_order(self.context, H, W))
        with _blas_threads(B * order.size):
            params = self.parameters_all(y_hat, hyper, positions=order)  # each (K, B, N, P)
        z_indexes = self._z_indexes(*z.shape[1:])
        step = max(1, TABLE_ROWS // N)
        payloads = []
        for b in range(B):
            abs_max = self.symbol_range(y_hat[b])
            encoder = BufferedRansEncoder()
            symbols = z_symbols[b].reshape(-1).to(torch.int64).tolist()
            encoder.encode_with_indexes(symbols, z_indexes, cdfs, lengths, offsets)
            tile = tuple(p[:, b] for p in params)
            latents = y_hat[b].transpose(1, 2, 0).reshape(H * W, N)[order].astype(np.int64)
            for start in range(0, order.size, step):
                part = slice(start, start + step)
                cdf = build_cdfs(*self._rows(tile, part), abs_max)
                rows = cdf.shape[0]
                encoder.encode_with_indexes(
                    latents[part].reshape(-1).tolist(),
                    list(range(rows)),
                    cdf.tolist(),
                    [cdf.shape[1]] * rows,
                    [-abs_max] * rows,
                )
            payloads.append(bytes([abs_max]) + encoder.flush())
        return payloads, torch.from_numpy(y_hat.astype(np.float32))

    @torch.no_grad()
    def decompress(
        self, payloads: list[bytes], y_shape: tuple[int, int], z_shape: tuple[int, int]
    ) -> Tensor:
        """ŷ (B, N, H, W) float32 of a batch of payloads, every tile decoded in lockstep.

        ``ValueError`` for a payload that cannot be one (see the module docstring).
        """
        cdfs, lengths, offsets, medians = self.z_tables()
        channels = medians.shape[1]
        decoders, abs_maxes = [], []
        for payload in payloads:
            if len(payload) < 2 or not 1 <= payload[0] <= MAX_ABS:
                raise ValueError("not a latent payload (symbol-table width out of range)")
            decoder = RansDecoder()
            decoder.set_stream(bytes(payload[1:]))
            decoders.append(decoder)
            abs_maxes.append(payload[0])
        z_indexes = self._z_indexes(channels, *z_shape)
        z_symbols = torch.tensor(
            [d.decode_stream(z_indexes, cdfs, lengths, offsets) for d in decoders],
            dtype=medians.dtype,
        ).reshape(len(decoders), channels, *z_shape)
        hyper = self.hyper(z_symbols + medians)
        return self._decode_latents(decoders, hyper, abs_maxes, *y_shape, "bound")

    @torch.no_grad()
    def decompress_v1(
        self,
        y_strings: list[bytes],
        z_strings: list[bytes],
        abs_maxes: list[int],
        y_shape: tuple[int, int],
        z_shape: tuple[int, int],
    ) -> Tensor:
        """ŷ of container-version-1 streams: ẑ from ``EntropyBottleneck.compress``'s strings,
        ŷ from latent streams of their own (``encode``) with the ``"abs"`` scale rule."""
        z_hat = self.entropy_bottleneck.decompress(list(z_strings), tuple(z_shape))
        return self.decode(list(y_strings), self.hyper(z_hat), list(abs_maxes), *y_shape, "abs")

    def decode(
        self,
        strings: list[bytes],
        hyper: np.ndarray,
        abs_maxes: list[int],
        H: int,
        W: int,
        scale_rule: str = "bound",
    ) -> Tensor:
        """Decode the ŷ of several tiles in lockstep (parameters batched, rANS per tile) from
        latent streams of their own (``encode``; container version 1)."""
        decoders = []
        for s in strings:
            d = RansDecoder()
            d.set_stream(s)
            decoders.append(d)
        return self._decode_latents(decoders, hyper, abs_maxes, H, W, scale_rule)

    def _decode_latents(
        self,
        decoders: list,
        hyper: np.ndarray,
        abs_maxes: list[int],
        H: int,
        W: int,
        scale_rule: str,
    ) -> Tensor:
        if self.context == "checkerboard":
            y_hat = self._decode_checkerboard(decoders, hyper, abs_maxes, H, W, scale_rule)
            return torch.from_numpy(y_hat.astype(np.float32))
        return self._decode_serial(decoders, hyper, abs_maxes, H, W, scale_rule)

    def _decode_checkerboard(
        self,
        decoders: list,
        hyper: np.ndarray,
        abs_maxes: list[int],
        H: int,
        W: int,
        scale_rule: str,
    ) -> np.ndarray:
        """Two passes (anchors, then the rest), each over every tile and position at once."""
        B, N = len(decoders), self.N
        y_hat = np.zeros((B, N, H, W), dtype=np.float64)
        y_flat = y_hat.reshape(B, N, H * W)  # a view: filling it fills y_hat
        step = max(1, TABLE_ROWS // N)
        for group in coding_order("checkerboard", H, W):
            # positions not decoded yet are 0; the parameters of ``group`` do not read them
            with _blas_threads(B * group.size):
                params = self.parameters_all(y_hat, hyper, scale_rule, positions=group)
            for b, decoder in enumerate(decoders):
                tile = tuple(p[:, b] for p in params)
                for start in range(0, group.size, step):
                    part = group[start : start + step]
                    values = self._decode_rows(
                        decoder, self._rows(tile, slice(start, start + step)), abs_maxes[b]
                    )
                    y_flat[b][:, part] = values.reshape(part.size, N).T
        return y_hat

    @staticmethod
    def _decode_rows(decoder: RansDecoder, flat: list[np.ndarray], abs_max: int) -> np.ndarray:
        """Decode one symbol per row of the tables built from ``flat`` (each (K, L))."""
        cdf = build_cdfs(*flat, abs_max)
        rows = cdf.shape[0]
        values = decoder.decode_stream(
            list(range(rows)), cdf.tolist(), [cdf.shape[1]] * rows, [-abs_max] * rows
        )
        return np.asarray(values, dtype=np.float64)

    def _decode_serial(
        self,
        decoders: list,
        hyper: np.ndarray,
        abs_maxes: list[int],
        H: int,
        W: int,
        scale_rule: str,
    ) -> Tensor:
        """Position by position in raster order, every tile of the batch in lockstep."""
        B = len(decoders)
        y_padded = np.zeros((B, self.N, H + 4, W + 4), dtype=np.float64)
        channels = list(range(self.N))
        with single_threaded_blas():
            for i in range(H):
                for j in range(W):
                    scales, means, weights = self.parameters_at(y_padded, hyper, i, j, scale_rule)
                    for b, decoder in enumerate(decoders):
                        a = abs_maxes[b]
                        cdf = build_cdfs(scales[:, b], means[:, b], weights[:, b], a)
                        values = decoder.decode_stream(
                            channels, cdf.tolist(), [cdf.shape[1]] * self.N, [-a] * self.N
                        )
                        y_padded[b, :, i + 2, j + 2] = values
        return torch.from_numpy(y_padded[:, :, 2 : H + 2, 2 : W + 2].astype(np.float32))
