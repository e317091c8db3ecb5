"""The training configuration (YAML): data sources, model size, the three stages, evaluation.

Every key has a default taken from the SCI-CBIR paper where the paper gives one; the example
files in ``engine/configs/`` document each key. Unknown keys are refused (a typo must not
silently fall back to a default), and every error names the file and the key.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

from scicbir.errors import InputError

FORMATS = ("bigearthnet", "mlrsnet", "class-folder", "geotiff-csv", "raster-tiles")


@dataclass
class SourceConfig:
    """One dataset folder. ``format`` picks the adapter; the other keys are adapter options."""

    format: str = "class-folder"
    path: str = ""
    resize: int | None = None  # resample every sample to resize x resize before caching
    nomenclature: int = 19  # bigearthnet: 19 or 43 classes
    exclude: list[str] = field(default_factory=list)  # bigearthnet: snow/cloud lists
    splits: dict[str, str] = field(default_factory=dict)  # bigearthnet: train/val/test CSVs
    labels_csv: str | None = None  # geotiff-csv
    band_names: list[str] | None = None  # geotiff-csv, raster-tiles
    tile: int = 64  # raster-tiles: window size
    label_from: str = "file"  # raster-tiles: file, folder or none
    max_samples: int | None = None  # keep the first n samples (by key) of this source


@dataclass
class DataConfig:
    sources: list[SourceConfig] = field(default_factory=list)
    sample_size: int = 64  # side of the tiles kept in the cache (centre crop / reflect pad)
    normalisation_offset: list[float] | float = 0.0  # (x - offset) / scale, per band or one
    # "auto": read from the data when the run starts (scicbir/training/value_scale.py)
    normalisation_scale: list[float] | float | str = 10000.0
    train_fraction: float = 0.7
    val_fraction: float = 0.1
    split_salt: str = ""
    cache_dir: str | None = None  # default: <output>/cache
    augment: bool = False  # random flips and 90-degree rotations of the crops, every stage


@dataclass
class ModelSection:
    N: int = 64
    M: int = 64
    K: int = 3
    hash_bits: int = 32
    hash_hidden: int = 128
    hash_side: str = "encoder"
    hash_gamma: float = 0.1
    tile_size: int = 64
    context: str = "serial"  # latent context model: "serial" (the thesis) or "checkerboard"
    hash_head: str = "attention"  # hash network: "attention" (the thesis) or "conv"
    hash_taps: list = field(default_factory=list)  # g_a layers joining the hash input
    hash_tap_pooling: str = "mean"  # "mean" or "mean+std" per latent cell


@dataclass
class Stage1Config:
    """Reconstruction; LR by validation PSNR (eq. 4.1): [[below_dB, lr], ...].

    ``loss``: ``"ssim"`` (the paper: 1 - SSIM, no rate term) or ``"mse_rate"``
    (``lmbda * 255**2 * MSE + bpp``, compressai's convention for data in [0, 1]), which trains the
    codec at one target rate from the first step. ``lr_decay_last``: the last fraction of the
    stage's epochs runs at a tenth of the LR. ``clip_grad_norm`` (0 = off) bounds the gradient
    norm of each ``mse_rate`` step, here and in stage 2's fine-tunes to other lambdas.
    """

    epochs: int = 120
    lr_by_psnr: list[list[float]] = field(
        default_factory=lambda: [[45.0, 1e-4], [50.0, 5e-5], [math.inf, 1e-5]]
    )
    loss: str = "ssim"
    lmbda: float = 0.013
    lr_decay_last: float = 0.0
    clip_grad_norm: float = 0.0


@dataclass
class Stage2Config:
    """Rate points. Without ``lambdas`` (the paper): MGDA on rate + distortion, LR raised by
    ``lr_step`` at each bpp plateau up to ``lr_max``, each plateau a Pareto point. With
    ``lambdas``: the stage-1 codec is fine-tuned to each other trade-off ``lmbda`` in turn (equal
    shares of ``epochs``, LR ``lr_start``), each giving a Pareto point beside stage 1's own.
    """

    epochs: int = 200
    lambdas: list[float] = field(default_factory=list)
    lr_start: float = 1e-5
    lr_step: float = 1e-5
    lr_max: float = 9e-5
    plateau_patience: int = 3  # epochs without relative bpp improvement > plateau_tolerance
    plateau_tolerance: float = 0.01


@dataclass
class Stage3Config:
    epochs: int = 40
    lr_hashing: float = 1e-4
    lr_compression: float = 1e-7
    hashing_combiner: str = "pcgrad"  # or "dwa"
    dwa_temperature: float = 2.0
    num_samples_per_class: int = 2  # 0 = plain shuffled batches
    flips: bool = True
    start_from: str = "best"  # stage-2 checkpoint: "best" (lowest bpp) or "pareto-<i>"
    # hash head on cached latents: None = when lr_compression <= 1e-6 (the codec stays fixed)
    cached_latents: bool | None = None
    latent_variants: int = 8  # augmented versions (crop, flip, rotation) cached per sample
    # "thesis": soft pairwise + bit balance + classification from the codes (eqs. 3.6-3.9);
    # "central": central similarity to per-class hash centres (scicbir.training.losses)
    hash_loss: str = "thesis"
    lr_decay_last: float = 0.0  # the last fraction of the stage's epochs at a tenth of the LR
    batch_size: int | None = None  # None = the run's batch_size

    def uses_cached_latents(self) -> bool:
        if self.cached_latents is None:
            return self.lr_compression <= 1e-6
        return bool(self.cached_latents)


@dataclass
class EvalConfig:
    retrieved: int = 8  # R of the thesis protocol
    map_at: list[int] = field(default_factory=lambda: [8, 20])
    test_on_finish: bool = True  # evaluate the package on the test split, figures in the card
    max_test_samples: int | None = None  # cap for that evaluation (None = whole test split)
    # "split": the thesis's protocol (validation tiles query the test split, centre crops);
    # "archive-tiles": each test image cut on the tile grid at its own resolution, as an
    # archive stores it; every tile queries all others, tiles of its own image excluded
    protocol: str = "split"


@dataclass
class TrainConfig:
    name: str = "scicbir-model"
    description: str = ""
    output: str = "runs/scicbir-model"
    device: str = "auto"
    seed: int = 0
    threads: int | str | None = None  # CPU threads; None or "auto": chosen by measurement
    batch_size: int = 32
    eval_batch_size: int = 64
    max_steps_per_epoch: int | None = None  # cap for quick runs
    max_val_samples: int | None = None
    stages: list[int] = field(default_factory=lambda: [1, 2, 3])
    init_from: str | None = None  # checkpoint (.pt) or model package to start from
    aux_lr: float = 1e-3
    tensorboard: bool = True
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelSection = field(default_factory=ModelSection)
    stage1: Stage1Config = field(default_factory=Stage1Config)
    stage2: Stage2Config = field(default_factory=Stage2Config)
    stage3: Stage3Config = field(default_factory=Stage3Config)
    evaluation: EvalConfig = field(default_factory=EvalConfig)
    source_file: str = ""  # where it was read from (set by load_config)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def validate(self) -> None:
        where = self.source_file or "training configuration"
        if not self.data.sources:
            raise InputError(f"{where}: data.sources is empty; list at least one dataset folder")
        for i, src in enumerate(self.data.sources):
            if src.format not in FORMATS:
                raise InputError(
                    f"{where}: data.sources[{i}].format '{src.format}' is not one of {FORMATS}"
                )
            if not src.path:
                raise InputError(f"{where}: data.sources[{i}].path is empty")
        if any(s not in (1, 2, 3) for s in self.stages) or not self.stages:
            raise InputError(f"{where}: stages must list some of 1, 2, 3")
        if self.evaluation.protocol not in ("split", "archive-tiles"):
            raise InputError(f"{where}: evaluation.protocol must be 'split' or 'archive-tiles'")
        if self.stage1.clip_grad_norm < 0:
            raise InputError(f"{where}: stage1.clip_grad_norm must be 0 (off) or positive")
        if self.stage1.loss not in ("ssim", "mse_rate"):
            raise InputError(f"{where}: stage1.loss must be 'ssim' or 'mse_rate'")
        if self.stage2.lambdas and (
            self.stage1.loss != "mse_rate" or self.stage2.epochs < len(self.stage2.lambdas)
        ):
            raise InputError(
                f"{where}: stage2.lambdas needs stage1.loss 'mse_rate' and at least one "
                "stage-2 epoch per lambda"
            )
        if self.stage3.hash_loss not in ("thesis", "central"):
            raise InputError(f"{where}: stage3.hash_loss must be 'thesis' or 'central'")
        if self.stage3.hashing_combiner not in ("pcgrad", "dwa"):
            raise InputError(f"{where}: stage3.hashing_combiner must be 'pcgrad' or 'dwa'")
        if not 16 <= self.model.tile_size <= 1024:
            raise InputError(f"{where}: model.tile_size must be between 16 and 1024")
        if self.data.sample_size < 16:
            raise InputError(f"{where}: data.sample_size must be at least 16")
        if self.batch_size < 2:
            raise InputError(f"{where}: batch_size must be at least 2 (pairwise loss)")
        if self.threads == "auto":  # the default: see scicbir.training.threads
            self.threads = None
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise InputError(f"{where}: threads must be a positive number or 'auto'")
        frac = self.data.train_fraction + self.data.val_fraction
        if not (0 < self.data.train_fraction and 0 < self.data.val_fraction and frac < 1):
            raise InputError(
                f"{where}: train_fraction and val_fraction must be > 0 and sum to less than 1"
            )


def _build(cls: type, data: Any, where: str) -> Any:
    """Recursively build dataclass ``cls`` from a mapping, refusing unknown keys."""
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping, got {type(data).__name__}")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{where}: unknown keys {unknown}; allowed: {sorted(known)}")
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        if is_dataclass(hint):
            kwargs[key] = _build(hint, value, f"{where}.{key}")
        elif key == "sources":
            if not isinstance(value, list):
                raise InputError(f"{where}.sources: expected a list of dataset folders")
            kwargs[key] = [
                _build(SourceConfig, v, f"{where}.sources[{i}]") for i, v in enumerate(value)
            ]
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InputError(f"{where}: {exc}") from exc


def config_from_dict(data: dict[str, Any], where: str = "training configuration") -> TrainConfig:
    cfg = _build(TrainConfig, data, where)
    cfg.source_file = where
    cfg.validate()
    return cfg


def load_config(path: str | Path) -> TrainConfig:
    """Read and validate a YAML training configuration.

    Relative paths are taken from the current directory (as for every other ``scicbir``
    command), so a configuration can be run from the repository root or copied elsewhere.
    """
    import yaml

    p = Path(path).expanduser()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputError(f"cannot read training configuration '{p}': {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"'{p}' is not valid YAML: {exc}") from exc
    cfg = config_from_dict(data, str(p))
    base = Path.cwd()
    for src in cfg.data.sources:
        src.path = str((base / Path(src.path).expanduser()).resolve())
        if src.labels_csv:
            src.labels_csv = str((base / src.labels_csv).resolve())
        src.exclude = [str((base / e).resolve()) for e in src.exclude]
        src.splits = {k: str((base / v).resolve()) for k, v in src.splits.items()}
    cfg.output = str((base / Path(cfg.output).expanduser()).resolve())
    if cfg.init_from:
        cfg.init_from = str((base / cfg.init_from).resolve())
    if cfg.data.cache_dir:
        cfg.data.cache_dir = str((base / cfg.data.cache_dir).resolve())
    return cfg
