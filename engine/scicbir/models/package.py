"""Model packages: one folder per model, readable without unpickling anything.

Layout of a package folder::

    package.json        format_version, weights file name and sha256, ONNX exports and the
                        weights checksum each was exported from
    config.json         ModelConfig (architecture, bands, tile size, normalisation, hashing, labels)
    weights.safetensors all tensors, including the factorized model's CDF tables, so that
                        every process codes with the very same integer tables
    card.md             model card: training data, recipe, measured figures
    analysis.onnx       (optional) analysis transform + hash head, see ``onnx_export``
    rate-points/        (optional) q<i>.safetensors: the codec at another rate point (large
                        weights in float16; the hashing part is the default weights')

Rate points: a trained codec comes at several rate-distortion trade-offs (the Pareto points of
training stage 2). ``package.json`` lists them as ``rate_points`` (quality 1 = fewest bits,
with the trade-off, validation bpp and PSNR of each); ``weights.safetensors`` is the default
point. ``package.at_quality(q)`` is the package seen at point q: the same config, card and
folder, but that point's weights and checksum, so archives and streams record exactly which
weights wrote them. All points share the hashing part.

The checksum (sha256 of the weights file) identifies the exact weights: archives and bitstreams
record it and refuse to be decoded by another model. A package derived from another by retraining
only its hashing part (``with_hash_head``: adapting the hash codes to an archive) keeps the
codec, so it keeps the streams too: ``package.json`` then records ``stream_sha256``, the checksum
its streams carry (its parent's), beside its own ``weights_sha256``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scicbir.errors import InputError, ModelMismatchError
from scicbir.models.config import FORMAT_VERSION, ModelConfig

if TYPE_CHECKING:
    from scicbir.models.network import SciCbirNet

MANIFEST = "package.json"
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
CARD = "card.md"
RATE_POINTS = "rate-points"
# What the codec (and so every stream it writes) depends on; a new hashing part leaves them be.
CODEC_FIELDS = (
    "bands",
    "tile_size",
    "N",
    "M",
    "K",
    "context",
    "normalisation_offset",
    "normalisation_scale",
)

#: Buffers whose size depends on training data (CDF tables): never shape-checked.
_VARIABLE_BUFFERS = ("_quantized_cdf", "_offset", "_cdf_length", "scale_table")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class ModelPackage:
    """A model package folder, loaded and verified (see the module docstring for the layout)."""

    path: Path
    config: ModelConfig
    checksum: str
    card: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)
    _net: Any = field(default=None, repr=False, compare=False)

    @property
    def model_id(self) -> str:
        """The model's name (``config.name``); with ``checksum`` it identifies the weights."""
        return self.config.name

    @property
    def stream_checksum(self) -> str:
        """The checksum this package's bitstreams carry: its weights' own, or for a package
        whose hashing part was retrained on a fixed codec, the codec's original package's."""
        return str(self.manifest.get("stream_sha256") or self.checksum)

    @property
    def weights_path(self) -> Path:
        return self.path / self.manifest.get("weights", WEIGHTS)

    # ------------------------------------------------------------------ rate points
    @property
    def rate_points(self) -> list[dict[str, Any]]:
        """The package's rate points (quality, lmbda, bpp, psnr, file), fewest bits first;
        empty for a package with one point."""
        return list(self.manifest.get("rate_points", []))

    @property
    def default_quality(self) -> int | None:
        for point in self.rate_points:
            if point.get("default"):
                return int(point["quality"])
        return None

    @property
    def quality(self) -> int | None:
        """The rate point these weights are (None for a package with one point)."""
        return self.manifest.get("quality", self.default_quality)

    def at_quality(self, quality: int | None) -> ModelPackage:
        """This package at rate point ``quality`` (None or the default: the package itself)."""
        if quality is None or quality == self.quality:
            return self
        points = {int(p["quality"]): p for p in self.rate_points}
        if quality not in points:
            have = sorted(points) or "only its default point"
            raise InputError(
                f"model '{self.model_id}' has no rate point {quality} (it has {have}); "
                "choose one of those with --quality"
            )
        point = points[quality]
        weights = self.path / point["file"]
        if not weights.is_file():
            raise InputError(
                f"model package {self.path}: rate point file {point['file']} is missing"
            )
        checksum = sha256_file(weights)
        if checksum != point["weights_sha256"]:
            raise InputError(
                f"{weights}: checksum differs from {MANIFEST} (file corrupt or replaced); "
                "restore the package"
            )
        manifest = dict(self.manifest)
        manifest.update(
            weights=point["file"],
            weights_sha256=checksum,
            stream_sha256=point.get("stream_sha256", checksum),
            onnx=point.get("onnx", {}),
            quality=quality,
            # the package ships exports for its default point: export this point's in memory
            onnx_on_load=not point.get("onnx") and self.onnx_path("analysis") is not None,
        )
        return ModelPackage(self.path, self.config, checksum, self.card, manifest)

    @property
    def onnx_on_load(self) -> bool:
        """Whether a codec of these weights exports them to ONNX in memory when it is built:
        a rate point whose package stores exports for its default point only."""
        return bool(self.manifest.get("onnx_on_load"))

    def onnx_path(self, part: str = "analysis") -> Path | None:
        """The ONNX export of ``part`` if present and made from these very weights, else None."""
        entry = self.manifest.get("onnx", {}).get(part)
        if not entry:
            return None
        path = self.path / entry["file"]
        if not path.is_file() or entry.get("weights_sha256") != self.checksum:
            return None
        return path

    def summary(self) -> dict[str, Any]:
        """The facts a user picks a model by (``scicbir model list``, ``scicbir info``)."""
        cfg = self.config
        return {
            "name": self.model_id,
            "path": str(self.path),
            "checksum": self.checksum,
            "bands": cfg.band_names,
            "tile_size": cfg.tile_size,
            "N": cfg.N,
            "M": cfg.M,
            "K": cfg.K,
            "hash_bits": cfg.hash_bits,
            "hash_side": cfg.hash_side,
            "labels": len(cfg.labels),
            "onnx": self.onnx_path() is not None,
            "quality": self.quality,
            "rate_points": [
                {k: p[k] for k in ("quality", "bpp", "psnr", "lmbda", "default") if k in p}
                for p in self.rate_points
            ],
            "weights_bytes": self.weights_path.stat().st_size,
        }

    # ------------------------------------------------------------------ load
    @classmethod
    def load(cls, path: str | Path, check_weights: bool = True) -> ModelPackage:
        """Read and verify a package folder; raise ``InputError`` naming the file and the fix.

        ``check_weights`` builds the network and loads the weights now (refusing tensors whose
        shapes do not fit the config); without it that happens in ``build_network``, which is
        what listing many packages wants.
        """
        path = Path(path).expanduser()
        if not path.is_dir():
            raise InputError(
                f"model package {path} is not a folder; give a package folder or a model name "
                "(see `scicbir model list`)"
            )
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            raise InputError(f"{path} is not a model package: {MANIFEST} is missing")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{manifest_path}: unreadable ({exc})") from exc
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise InputError(
                f"{manifest_path}: package format_version {version!r} is not supported "
                f"(this engine reads {FORMAT_VERSION}); update the engine or re-export the model"
            )
        config = ModelConfig.load(path / CONFIG)
        weights = path / manifest.get("weights", WEIGHTS)
        if not weights.is_file():
            raise InputError(f"model package {path}: weights file {weights.name} is missing")
        checksum = sha256_file(weights)
        expected = manifest.get("weights_sha256")
        if expected and expected != checksum:
            raise InputError(
                f"{weights}: checksum differs from {MANIFEST} (file corrupt or replaced); "
                "restore the package or re-save it"
            )
        card_path = path / CARD
        card = card_path.read_text(encoding="utf-8") if card_path.is_file() else ""
        package = cls(path=path, config=config, checksum=checksum, card=card, manifest=manifest)
        if check_weights:
            package._net = package._build_checked()
        return package

    def _build_checked(self) -> SciCbirNet:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        from scicbir.models.network import SciCbirNet

        net = SciCbirNet(self.config)
        try:
            state = load_file(str(self.weights_path))
        except (SafetensorError, OSError) as exc:
            raise InputError(
                f"{self.weights_path}: not a readable safetensors file ({exc})"
            ) from exc
        expected = net.state_dict()
        state = upgrade_legacy_state(state, expected)
        if self.manifest.get("quality") is not None and self.weights_path.name != WEIGHTS:
            state = self._with_shared_hashing(state, expected)
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise ModelMismatchError(
                f"{self.weights_path} does not fit {self.path / CONFIG}: "
                f"missing {missing[:5]}, unexpected {unexpected[:5]}; the weights were saved "
                "for another architecture"
            )
        for key, tensor in expected.items():
            if key.rsplit(".", 1)[-1] in _VARIABLE_BUFFERS:
                continue
            if tuple(state[key].shape) != tuple(tensor.shape):
                raise ModelMismatchError(
                    f"{self.weights_path}: tensor {key} has shape {tuple(state[key].shape)} but "
                    f"{self.path / CONFIG} needs {tuple(tensor.shape)}; config and weights do "
                    "not belong together"
                )
        net.load_state_dict(state)
        if net.latent_codec.entropy_bottleneck._quantized_cdf.numel() == 0:
            net.latent_codec.entropy_bottleneck.update(force=True)
        net.eval()
        return net

    def _with_shared_hashing(self, state: dict[str, Any], expected: dict[str, Any]) -> dict:
        """A rate point's file holds its codec only, stored in float16 (the points differ in the
        codec alone, and half precision halves the package); the hashing part comes from the
        default weights. Tensors are brought to the network's dtypes."""
        from safetensors.torch import load_file

        if not any(k.startswith("hash_head.") for k in state):
            default = load_file(str(self.path / WEIGHTS))
            state = {**{k: v for k, v in default.items() if k.startswith("hash_head.")}, **state}
        return {
            k: (v.to(expected[k].dtype) if k in expected and v.is_floating_point() else v)
            for k, v in state.items()
        }

    def build_network(self, device: str = "cpu") -> SciCbirNet:
        """The network in eval mode with its entropy tables loaded (a fresh copy per call)."""
        if self._net is not None:
            net, self._net = self._net, None  # the copy verified by load(), handed out once
        else:
            net = self._build_checked()
        return net.to(device).eval()

    # ------------------------------------------------------------------ save
    @staticmethod
    def save(
        net: SciCbirNet,
        config: ModelConfig,
        path: str | Path,
        card: str = "",
        rate_points: list[tuple[dict[str, Any], dict[str, Any] | None]] | None = None,
    ) -> ModelPackage:
        """Write ``net`` as a package folder at ``path`` (created or overwritten) and load it back.

        The factorized model's CDF tables are computed here and stored in the weights, so that
        encoder and decoder never recompute them independently. ``rate_points``: one
        ``(figures, state_dict)`` per rate point (figures: lmbda, bpp, psnr); the state of the
        default point is None (it is ``net``). They are numbered by rate (quality 1 = fewest bits).
        """
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        # the caller's network stays where it is and in its mode (a trainer may save mid-run)
        net.apply_context_mask()
        net.latent_codec.entropy_bottleneck.update(force=True)
        state = {k: v.detach().cpu().contiguous().clone() for k, v in net.state_dict().items()}
        weights = path / WEIGHTS
        tmp = weights.with_suffix(".tmp")
        save_file(state, str(tmp), metadata={"format": "pt"})  # one key: stable bytes
        tmp.replace(weights)
        config.save(path / CONFIG)
        (path / CARD).write_text(card or f"# {config.name}\n\n{config.description}\n", "utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "weights": WEIGHTS,
            "weights_sha256": sha256_file(weights),
            "onnx": {},
        }
        if rate_points:
            manifest["rate_points"] = _save_rate_points(net, path, rate_points, manifest)
        write_manifest(path, manifest)
        return ModelPackage.load(path)


def with_hash_head(
    base: ModelPackage,
    head: dict[str, Any],
    path: str | Path,
    name: str,
    card: str,
    extra: dict[str, Any] | None = None,
    config: ModelConfig | None = None,
) -> ModelPackage:
    """A new package at ``path``: ``base``'s codec and rate points with the hashing part ``head``
    (``hash_head.*`` tensors), named ``name``.

    ``config``: the new package's config when its hashing part is built differently (another
    hash network, its input taps, its width or labels); its codec settings must be ``base``'s.
    Default: ``base``'s config.

    The codec's tensors are copied bit for bit, so every stream ``base`` wrote decodes with the
    new package (``stream_sha256``); the rate points' files hold the codec only and are copied
    as they are. ONNX exports are made afresh for the default point (the analysis export holds
    the hash head); rate points keep only their synthesis exports. The folder is written under a
    temporary name and renamed, so a crash leaves no half package.
    """
    import shutil

    from safetensors.torch import load_file, save_file

    path = Path(path)
    if path.exists():
        raise InputError(f"{path} already exists; choose another folder for the new model")
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        from scicbir.models.hashing import HashHead

        source = config if config is not None else base.config
        changed = [f for f in CODEC_FIELDS if getattr(source, f) != getattr(base.config, f)]
        if changed:
            raise ValueError(f"the new package's codec settings differ from the base's: {changed}")
        config = dataclasses.replace(
            source, name=name, extra={**base.config.extra, **source.extra, **(extra or {})}
        )
        expected = {f"hash_head.{k}" for k in HashHead.for_config(config).state_dict()}
        if set(head) != expected:
            missing, unknown = sorted(expected - set(head)), sorted(set(head) - expected)
            raise ValueError(
                f"the new hashing part does not fit the config: lacks {missing[:4]}, "
                f"has unknown {unknown[:4]}"
            )
        state = load_file(str(base.path / WEIGHTS))
        state = {k: v for k, v in state.items() if not k.startswith("hash_head.")}
        state.update({k: v.detach().cpu().contiguous().clone() for k, v in head.items()})
        save_file(state, str(tmp / WEIGHTS), metadata={"format": "pt"})
        config.save(tmp / CONFIG)
        (tmp / CARD).write_text(card, "utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "weights": WEIGHTS,
            "weights_sha256": sha256_file(tmp / WEIGHTS),
            "stream_sha256": base.stream_checksum,
            "onnx": {},
        }
        points = []
        for point in base.rate_points:
            entry = {k: v for k, v in point.items() if k != "onnx"}
            if point.get("default"):
                entry["weights_sha256"] = manifest["weights_sha256"]
                entry["stream_sha256"] = base.stream_checksum
            else:
                (tmp / point["file"]).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(base.path / point["file"], tmp / point["file"])
                entry["stream_sha256"] = point.get("stream_sha256", point["weights_sha256"])
                synthesis = point.get("onnx", {}).get("synthesis")
                if synthesis and (base.path / synthesis["file"]).is_file():
                    shutil.copy2(base.path / synthesis["file"], tmp / synthesis["file"])
                    entry["onnx"] = {"synthesis": synthesis}
            points.append(entry)
        if points:
            manifest["rate_points"] = points
        write_manifest(tmp, manifest)
        package = ModelPackage.load(tmp)
        if base.onnx_path("analysis") is not None:
            from scicbir.models.onnx_export import export_analysis

            export_analysis(package)
        tmp.replace(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ModelPackage.load(path)


def _save_rate_points(
    net: SciCbirNet,
    path: Path,
    points: list[tuple[dict[str, Any], dict[str, Any] | None]],
    manifest: dict[str, Any],
) -> list[dict[str, Any]]:
    """Write the non-default points' weights (CDF tables updated for each) and list them all."""
    import copy

    from safetensors.torch import save_file

    folder = path / RATE_POINTS
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.safetensors"):
        old.unlink()
    ordered = sorted(points, key=lambda p: float(p[0]["bpp"]))
    entries = []
    for quality, (figures, state) in enumerate(ordered, start=1):
        entry = {
            "quality": quality,
            **{k: float(figures[k]) for k in ("lmbda", "bpp", "psnr") if k in figures},
        }
        if state is None:
            entry.update(default=True, file=WEIGHTS, weights_sha256=manifest["weights_sha256"])
        else:
            other = copy.deepcopy(net).cpu()
            # CDF tables are rebuilt from the point's own quantiles just below
            current = other.state_dict()
            other.load_state_dict(
                {
                    k: (current[k] if k.rsplit(".", 1)[-1] in _VARIABLE_BUFFERS else v)
                    for k, v in state.items()
                }
            )
            other.apply_context_mask()
            other.latent_codec.entropy_bottleneck.update(force=True)
            tensors = {
                # large convolution weights in float16; the entropy models' small tensors
                # (quantiles, CDF tables, biases) keep their precision
                k: (v.half() if v.is_floating_point() and v.numel() > 4096 else v)
                .detach()
                .contiguous()
                .clone()
                for k, v in other.state_dict().items()
                if not k.startswith("hash_head.")
            }
            file = folder / f"q{quality}.safetensors"
            save_file(tensors, str(file), metadata={"format": "pt"})
            entry.update(
                file=f"{RATE_POINTS}/{file.name}", weights_sha256=sha256_file(file), default=False
            )
        entries.append(entry)
    if sum(1 for e in entries if e["default"]) != 1:
        raise ValueError("exactly one rate point must be the default (state None)")
    return entries


#: Modules of the entropy path that packages written before ``latent_codec`` kept at the top.
_LATENT_CODEC_MODULES = (
    "h_a",
    "h_s",
    "context_prediction",
    "entropy_parameters",
    "entropy_bottleneck",
    "gaussian_conditional",
)


def upgrade_legacy_state(state: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """Weights of a package from before the ``latent_codec`` module, in today's layout.

    The entropy path's tensors are the same; only their names changed when it became one module
    (``scicbir.models.latent_codec``). The class layer then read the hidden features; it now
    reads the codes. It only serves training (coding and search never use it), so an old one is
    replaced by the fresh network's. Current packages pass through unchanged.
    """
    if not any(k.split(".", 1)[0] in _LATENT_CODEC_MODULES for k in state):
        return state
    out = {
        (f"latent_codec.{k}" if k.split(".", 1)[0] in _LATENT_CODEC_MODULES else k): v
        for k, v in state.items()
    }
    for key, tensor in fresh.items():
        if key.startswith("hash_head.classifier.") and (
            key not in out or tuple(out[key].shape) != tuple(tensor.shape)
        ):
            out[key] = tensor
    return out


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Write ``package.json`` atomically (a crash leaves the old one)."""
    tmp = path / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path / MANIFEST)
