"""``TileCodec``: normalised tiles <-> real bitstreams, and tiles -> binary hash codes.

Encoding runs the analysis transform and hash head on whole batches, then the latent codec's
``compress`` (``MixtureLatentCodec``: hyperprior, entropy parameters and rANS coding, one payload
per tile), and wraps each payload in a tile stream (``bitstream``). Decoding unwraps the streams
and runs the latent codec's ``decompress`` for the batch in lockstep (two passes with the
checkerboard context, one pass per latent position with the serial one), then the synthesis
transform on the batch. Tiles smaller than the model's tile size (raster edges) are replicate-padded to the
network size and cropped back on decoding; the stream header records the true size.

Hash codes: ``EncodedTile.code`` / ``HashResult.codes`` are ``np.packbits`` of (logit >= 0), most
significant bit first (bit i of the code is bit ``7 - i % 8`` of byte ``i // 8``). With
``hash_side="encoder"`` they come from the latents y; with ``"decoder"`` from ŷ, which the
decoder recovers from the stream, so ``code_from_stream`` gives the same code without the image.
"""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch

from scicbir.codec import bitstream, transform_threads
from scicbir.codec.blas_threads import single_threaded_torch
from scicbir.codec.entropy import LatentRangeError
from scicbir.codec.normalisation import Normalisation
from scicbir.errors import InputError
from scicbir.models.network import pad_to_multiple
from scicbir.models.package import ModelPackage
from scicbir.progress import CancelToken, Progress

BACKENDS = ("torch", "onnx", "auto")


@dataclass
class EncodedTile:
    """One coded tile: its stream, hash code (packed bits), hash logits and geometry."""

    stream: bytes
    code: bytes
    logits: np.ndarray
    bits: int
    height: int
    width: int

    @property
    def num_bytes(self) -> int:
        return len(self.stream)

    @property
    def bpp(self) -> float:
        """Bits of the whole stream per spatial pixel of the (unpadded) tile."""
        return 8.0 * len(self.stream) / (self.height * self.width)


@dataclass
class HashResult:
    """``codes`` uint8 (B, bits/8) packed MSB first; ``logits`` float32 (B, bits)."""

    codes: np.ndarray
    logits: np.ndarray

    @property
    def bits(self) -> int:
        return int(self.logits.shape[1])


@dataclass
class CodecTimings:
    """Seconds spent per stage since the codec was made (for benchmarks and reports).

    The transforms of one batch run while the entropy coder works on another
    (``transform_threads``), so the two add up to more than the wall time."""

    transforms: float = 0.0
    entropy: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def pack_codes(logits: np.ndarray) -> np.ndarray:
    """Packed hash codes from logits: bit = (logit >= 0), ``np.packbits`` MSB first."""
    return np.packbits(np.asarray(logits) >= 0, axis=-1)


class TileCodec:
    """Codec of one model package. ``backend``: "torch", "onnx" or "auto" (ONNX when exported).

    The ONNX path (onnxruntime, when the package has current exports) runs the analysis
    transform + hash head and the synthesis transform; the hyperprior and the entropy coder
    always run in torch/numpy/compressai. The transforms run on worker threads beside the
    entropy coder, one batch ahead or behind it (``scicbir.codec.transform_threads``).

    Decoded pixels are bit-identical across processes. torch's float32 convolutions are not
    (they differ in the last bits between thread counts, measured 2e-6), so the torch path runs
    the synthesis in float64 and rounds to float32 (``exact_synthesis``, default; about 1.6x
    the float32 time; ``False`` uses float32). onnxruntime's float32 synthesis gives the same
    bits for any thread count and batch size on one kind of CPU and is several times faster;
    to get the same pixels on a different kind of CPU use ``backend="torch"``.
    """

    def __init__(
        self,
        package: ModelPackage,
        device: str = "cpu",
        backend: str = "auto",
        batch_size: int = 16,
        exact_synthesis: bool = True,
    ) -> None:
        if backend not in BACKENDS:
            raise InputError(f"backend must be one of {BACKENDS}, not {backend!r}")
        self.package = package
        self.config = package.config
        self.device = torch.device(device)
        self.net = package.build_network(device)
        self.normalisation = Normalisation.from_config(self.config)
        self.batch_size = max(1, int(batch_size))
        self.timings = CodecTimings()
        self.exact_synthesis = exact_synthesis
        self._g_s64: torch.nn.Module | None = None
        self._g_s64_lock = threading.Lock()
        self.onnx = None
        self.onnx_synthesis = None
        if backend in ("onnx", "auto") and self.device.type == "cpu":
            from scicbir.codec.onnx_runtime import OnnxAnalysis, OnnxSynthesis

            exported = None
            if package.onnx_path("analysis") is None and package.onnx_path("synthesis") is None:
                exported = OnnxAnalysis.exported_for(package, self.net, threads=1)
            if exported is not None:
                self.onnx, self.onnx_synthesis = exported["analysis"], exported["synthesis"]
            else:
                required = backend == "onnx"
                self.onnx = OnnxAnalysis.for_package(package, required, threads=1)
                self.onnx_synthesis = OnnxSynthesis.for_package(package, required, threads=1)
        elif backend == "onnx":
            raise InputError("the ONNX backend runs on the CPU only; use device 'cpu'")

    @property
    def backend(self) -> str:
        return "onnx" if self.onnx is not None else "torch"

    # ------------------------------------------------------------------ input checks
    def check_tiles(self, tiles: np.ndarray, what: str = "tiles") -> np.ndarray:
        """Validate normalised tiles and return them as float32 (B, C, h, w)."""
        arr = np.asarray(tiles)
        if arr.ndim == 3:
            arr = arr[None]
        if arr.ndim != 4:
            raise InputError(f"{what}: expected (B, C, h, w) or (C, h, w), got shape {arr.shape}")
        B, C, h, w = arr.shape
        cfg = self.config
        if C != cfg.num_bands:
            raise InputError(
                f"{what} have {C} bands but model '{cfg.name}' takes {cfg.num_bands} "
                f"({', '.join(cfg.band_names)}); select or map the bands to the model's"
            )
        if B == 0 or h == 0 or w == 0:
            raise InputError(f"{what} are empty (shape {arr.shape}); nothing to encode")
        if h > cfg.tile_size or w > cfg.tile_size:
            raise InputError(
                f"{what} of {h}x{w} pixels exceed the model's tile size {cfg.tile_size}; cut "
                "the raster on the model's tile grid"
            )
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            raise InputError(f"{what}: dtype {arr.dtype} is not a real number type")
        arr = arr.astype(np.float32, copy=False)
        bad = ~np.isfinite(arr)
        if bad.any():
            index = int(np.argwhere(bad.reshape(B, -1).any(axis=1))[0, 0])
            raise InputError(
                f"{what}: tile {index} contains NaN or infinite values; mask nodata before "
                "encoding (fill it or skip the tile)"
            )
        return arr

    def _to_network(self, arr: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(arr)).to(self.device)
        return pad_to_multiple(x, side=self.config.padded_size)

    # ------------------------------------------------------------------ transforms
    def _analysis_arrays(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Latents y and float32 hash logits u of a padded batch (ONNX or torch), on the
        calling thread (a worker of ``transform_threads``)."""
        if self.onnx is not None:
            y, u = self.onnx.run(x)
            return y, u.astype(np.float32, copy=False)
        with torch.no_grad():  # grad mode is per thread: say it here, not on the caller
            y, hash_input = self.net.analyse(torch.from_numpy(x).to(self.device))
            return y.cpu().numpy(), self.net.hash_logits(hash_input).float().cpu().numpy()

    def _synthesis_arrays(self, y_hat: np.ndarray) -> tuple[np.ndarray]:
        """(x̂,) = g_s(ŷ), float32: onnxruntime, or torch in float64 when ``exact_synthesis``."""
        if self.onnx_synthesis is not None:
            return tuple(self.onnx_synthesis.run(y_hat))
        with torch.no_grad():
            y = torch.from_numpy(y_hat).to(self.device)
            if not self.exact_synthesis:
                return (self.net.g_s(y).cpu().numpy(),)
            with self._g_s64_lock:
                if self._g_s64 is None:
                    import copy

                    self._g_s64 = copy.deepcopy(self.net.g_s).double().eval()
            return (self._g_s64(y.double()).float().cpu().numpy(),)

    def _coding_threads(self) -> AbstractContextManager:
        """One torch thread for the entropy coder's hyperprior while ONNX sessions run the
        transforms beside it (see ``single_threaded_torch``); torch transforms keep theirs."""
        if self.onnx is not None and self.device.type == "cpu":
            return single_threaded_torch()
        return nullcontext()

    def _submit_analysis(self, arr: np.ndarray) -> transform_threads.PendingBatch:
        """Start the analysis of normalised tiles on the transform threads (see there)."""
        x = self._to_network(arr).cpu().numpy()
        return transform_threads.submit(self._analysis_arrays, x, self.onnx is not None)

    def _submit_synthesis(self, y_hat: torch.Tensor) -> transform_threads.PendingBatch:
        y = np.ascontiguousarray(y_hat.cpu().numpy(), dtype=np.float32)
        return transform_threads.submit(self._synthesis_arrays, y, self.onnx_synthesis is not None)

    # ------------------------------------------------------------------ hash
    def hash(self, tiles: np.ndarray) -> HashResult:
        """Hash codes of normalised tiles (B, C, h, w), the same codes ``encode`` gives."""
        arr = self.check_tiles(tiles)
        logits = []
        for start in range(0, arr.shape[0], self.batch_size):
            _, u = self._submit_analysis(arr[start : start + self.batch_size]).result()
            logits.append(u)
        u = np.concatenate(logits)
        return HashResult(pack_codes(u), u)

    # ------------------------------------------------------------------ encode
    @torch.no_grad()
    def encode(
        self,
        tiles: np.ndarray,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> list[EncodedTile]:
        """Encode normalised float32 tiles (B, C, h, w) into streams + hash codes.

        The analysis of the next batch runs on the transform threads while this thread
        entropy-codes the current one."""
        arr = self.check_tiles(tiles)
        out: list[EncodedTile] = []
        total = arr.shape[0]
        batches = transform_threads.batch_slices(total, self.batch_size, short="last")
        pending = self._submit_analysis(arr[batches[0]])
        for i, batch in enumerate(batches):
            if cancel is not None:
                cancel.raise_if_cancelled("encoding")
            y, u = pending.result()
            self.timings.transforms += pending.seconds
            if i + 1 < len(batches):
                pending = self._submit_analysis(arr[batches[i + 1]])
            out += self._code_batch(arr[batch], y, u)
            if progress is not None:
                progress(len(out), total, "encoding tiles")
        return out

    def _code_batch(self, arr: np.ndarray, y: np.ndarray, u: np.ndarray) -> list[EncodedTile]:
        """Streams and codes of one batch from its latents y and hash logits u."""
        t0 = time.perf_counter()
        _, _, h, w = arr.shape
        try:
            with self._coding_threads():
                latents = torch.from_numpy(y).to(self.device)
                (payloads,) = self.net.latent_codec.compress(latents)["strings"]
        except LatentRangeError as exc:
            raise InputError(
                f"tile {', '.join(map(str, exc.tiles))} of the batch cannot be coded: its latents "
                f"reach {exc.largest:.3g}, beyond what the entropy coder can code; its input holds "
                "values far outside the model's range (normalised tiles should lie near [0, 1]). "
                "Mask fill values as nodata or clip the input",
                tiles=exc.tiles,
                reason="latents_out_of_range",
                largest=exc.largest,
            ) from exc
        codes = pack_codes(u)
        tiles = []
        for b in range(arr.shape[0]):
            stream = bitstream.pack(
                self.package.stream_checksum, payloads[b], h, w, self.config.tile_size
            )
            tiles.append(EncodedTile(stream, codes[b].tobytes(), u[b], self.config.hash_bits, h, w))
        self.timings.entropy += time.perf_counter() - t0
        return tiles

    # ------------------------------------------------------------------ decode
    def _parse(self, streams: list[bytes]) -> list[bitstream.TileStream]:
        parsed = []
        cfg = self.config
        for i, s in enumerate(streams):
            what = "bitstream" if len(streams) == 1 else f"bitstream {i}"
            stream = bitstream.unpack(s, self.package.stream_checksum, cfg.tile_size, what)
            parsed.append(stream)
            header = stream.header
            if header is None:  # version 2: the shapes are the model's
                continue
            lat = cfg.latent_size
            if (
                header.bands != cfg.num_bands
                or (header.latent_h, header.latent_w) != (lat, lat)
                or (header.hyper_h, header.hyper_w) != (cfg.hyper_size, cfg.hyper_size)
                or header.height > cfg.tile_size
                or header.width > cfg.tile_size
            ):
                raise InputError(f"{what}: header shapes do not fit model '{cfg.name}'")
        return parsed

    @torch.no_grad()
    def decode_latents(self, streams: list[bytes]) -> tuple[torch.Tensor, list]:
        """ŷ (B, N, H, W) float32 recovered from streams (no synthesis), and the parsed
        streams (``bitstream.TileStream``: version, height, width)."""
        parsed = self._parse(list(streams))
        cfg = self.config
        shape = {"y": (cfg.latent_size,) * 2, "z": (cfg.hyper_size,) * 2}
        y_hat = torch.zeros(len(parsed), cfg.N, *shape["y"])
        try:
            for version in sorted({p.version for p in parsed}):
                index = [i for i, p in enumerate(parsed) if p.version == version]
                group = [parsed[i] for i in index]
                strings = [[p.strings[k] for p in group] for k in range(len(group[0].strings))]
                abs_max = [p.header.abs_max for p in group] if version == 1 else None
                with self._coding_threads():
                    out = self.net.latent_codec.decompress(strings, shape, version, abs_max)
                y_hat[index] = out["y_hat"].cpu()
        except (RuntimeError, ValueError) as exc:  # rANS refuses an inconsistent payload
            raise InputError(f"bitstream payload cannot be decoded ({exc})") from exc
        return y_hat, parsed

    @torch.no_grad()
    def decode_many(
        self,
        streams: list[bytes],
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> list[np.ndarray]:
        """Decode streams into normalised float32 tiles (C, h, w), batch by batch.

        The synthesis of a batch runs on the transform threads while this thread decodes the
        latents of the next one."""
        out: list[np.ndarray] = []
        streams = list(streams)
        pending: tuple[transform_threads.PendingBatch, list] | None = None
        for batch in transform_threads.batch_slices(len(streams), self.batch_size, short="first"):
            if cancel is not None:
                cancel.raise_if_cancelled("decoding")
            t0 = time.perf_counter()
            y_hat, headers = self.decode_latents(streams[batch])
            self.timings.entropy += time.perf_counter() - t0
            if pending is not None:
                self._collect(*pending, out, len(streams), progress)
            pending = (self._submit_synthesis(y_hat), headers)
        if pending is not None:
            self._collect(*pending, out, len(streams), progress)
        return out

    def _collect(
        self,
        pending: transform_threads.PendingBatch,
        headers: list,
        out: list[np.ndarray],
        total: int,
        progress: Progress | None,
    ) -> None:
        """Append a batch's decoded tiles, cropped to their true sizes, to ``out``."""
        (x_hat,) = pending.result()
        self.timings.transforms += pending.seconds
        for b, header in enumerate(headers):
            out.append(np.ascontiguousarray(x_hat[b, :, : header.height, : header.width]))
        if progress is not None:
            progress(len(out), total, "decoding tiles")

    def decode(self, stream: bytes) -> np.ndarray:
        """Decode one stream into a normalised float32 tile (C, h, w)."""
        return self.decode_many([stream])[0]

    # ------------------------------------------------------------------ decoder-side codes
    def hash_decoded(self, tiles: list[np.ndarray]) -> HashResult:
        """Hash codes of decoded tiles (C, h, w) of mixed sizes (edge tiles are smaller), in
        their order."""
        if not tiles:
            bits = self.config.hash_bits
            return HashResult(pack_codes(np.zeros((0, bits))), np.zeros((0, bits), np.float32))
        out: list[np.ndarray | None] = [None] * len(tiles)
        shapes: dict[tuple[int, ...], list[int]] = {}
        for i, tile in enumerate(tiles):
            shapes.setdefault(tile.shape, []).append(i)
        for index in shapes.values():
            result = self.hash(np.stack([tiles[i] for i in index]))
            for i, u in zip(index, result.logits, strict=True):
                out[i] = u
        u = np.stack(out).astype(np.float32)
        return HashResult(pack_codes(u), u)

    @torch.no_grad()
    def codes_from_streams(self, streams: list[bytes]) -> HashResult:
        """Hash codes computed from the streams alone (decoder side): from the latents they
        give back, or, for a model whose hash network also reads analysis features
        (``hash_taps``), from the decoded tiles, which is all a decoder has to analyse."""
        streams = list(streams)
        if self.config.hash_taps:
            return self.hash_decoded(self.decode_many(streams))
        logits = []
        for start in range(0, len(streams), self.batch_size):
            y_hat, _ = self.decode_latents(streams[start : start + self.batch_size])
            logits.append(self.net.hash_logits(y_hat.to(self.device)).cpu().float().numpy())
        u = np.concatenate(logits)
        return HashResult(pack_codes(u), u)
