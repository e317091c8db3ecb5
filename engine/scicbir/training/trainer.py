"""The three-stage SCI-CBIR trainer: resumable, cancellable, reporting progress and metrics.

``train(config)`` runs the stages listed in the configuration in order (method: thesis 3.2 and
4.2; the published code's ``train_C.py`` = stages 1-2 and ``train_SCI.py`` = stage 3):

1. distortion only, LR by validation PSNR, best-PSNR checkpoint ``stage1_best.pt``;
2. rate + distortion by MGDA, LR raised at each bpp plateau, each plateau kept as
   ``stage2_pareto_<i>.pt`` with its bpp/PSNR, lowest-bpp checkpoint ``stage2_best.pt``;
3. joint hashing (per-part LRs, MGDA for compression, PCGrad or DWA for the hashing
   sub-losses, class-balanced batches, flips), best-precision checkpoint ``stage3_best.pt``.

After every epoch the whole state goes to ``checkpoints/last.pt``; a new ``train`` with the same
output folder continues from it (after a crash or kill -9 as after a cancel, which also saves
mid-epoch). Batches, crops, flips and noise are functions of the seed and the position, and
the torch RNG state is saved, so a resumed run reproduces the uninterrupted one. The finished
run writes a model package (``ModelPackage.save``) with a model card of the measured figures.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.errors import CancelledError, InputError
from scicbir.progress import CancelToken, Progress, no_progress
from scicbir.training import distributed
from scicbir.training.checkpoint import LAST, load_checkpoint, save_checkpoint
from scicbir.training.config import TrainConfig
from scicbir.training.lr_rules import PlateauTracker, lr_for_psnr

CHECKPOINT_FORMAT = 1


@dataclass
class TrainResult:
    """Where the run's outputs are and what it measured."""

    output: Path
    package: Path | None
    stages_done: list[int]
    best: dict[str, Any] = field(default_factory=dict)
    pareto: list[dict[str, Any]] = field(default_factory=list)
    evaluation: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (paths as strings)."""
        return {
            "output": str(self.output),
            "package": str(self.package) if self.package else None,
            "stages_done": list(self.stages_done),
            "best": self.best,
            "pareto": self.pareto,
            "evaluation": self.evaluation,
        }


# buffers of compressai's entropy models whose size depends on the learnt distributions
_CODER_TABLES = ("_quantized_cdf", "_offset", "_cdf_length", "scale_table")


def train(
    config: TrainConfig | str | Path,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    restart: bool = False,
) -> TrainResult:
    """Run (or continue) the training described by ``config``; see the module docstring.

    ``restart=True`` ignores an existing ``last.pt`` in the output folder and starts over.
    """
    from scicbir.training.config import load_config

    cfg = config if isinstance(config, TrainConfig) else load_config(config)
    return Trainer(cfg, progress, cancel, restart).run()


def _architecture(config_json: str) -> dict[str, Any]:
    """What must agree between a checkpoint and the configuration to resume (not name/text)."""
    data = json.loads(config_json)
    data.pop("name", None)
    data.pop("description", None)
    return data


def _pareto_front(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points no other point beats (fewer or equal bits at equal or higher validation PSNR,
    better in one); stage 1's point always stays, it is the package's default. A fine-tune that
    ended dominated would only offer users more bits for less quality."""
    kept = []
    for p in points:
        dominated = any(
            q is not p
            and q["val_bpp"] <= p["val_bpp"]
            and q["val_psnr"] >= p["val_psnr"]
            and (q["val_bpp"] < p["val_bpp"] or q["val_psnr"] > p["val_psnr"])
            for q in points
        )
        if not dominated or p["file"] == "stage1_best.pt":
            kept.append(p)
    return kept


class _NoMetrics:
    """The metrics writer of the ranks other than 0 in a torchrun training: writes nothing."""

    def step(self, *args: Any) -> None:
        pass

    def epoch(self, *args: Any) -> None:
        pass

    def close(self) -> None:
        pass


class Trainer:
    """State and loop of one training run (use ``train()``)."""

    def __init__(
        self,
        cfg: TrainConfig,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
        restart: bool = False,
    ) -> None:
        self.cfg = cfg
        self.progress = progress or no_progress
        self.cancel = cancel or CancelToken()
        self.restart = restart
        self.out = Path(cfg.output)
        self.ckpt_dir = self.out / "checkpoints"
        # position and state saved in checkpoints
        self.stage = sorted(cfg.stages)[0]
        self.epoch = 0
        self.step = 0
        self.global_step = 0
        self.stage_started = False
        self.done_stages: list[int] = []
        self.best: dict[str, Any] = {}
        self.pareto: list[dict[str, Any]] = []
        self.lr = 0.0
        self.plateau: PlateauTracker | None = None
        self.dwa = None
        self.latents = None  # cached latents of a cached stage 3 (built when it starts)
        self.val_latents = None
        self.ranks = distributed.Ranks()  # this process among torchrun's (set in _prepare)

    # ------------------------------------------------------------------ set-up
    def _prepare(self) -> None:
        import torch

        from scicbir.environment import select_device
        from scicbir.training.cache import build_or_open
        from scicbir.training.datasets import open_sources
        from scicbir.training.splits import assign_splits

        cfg = self.cfg
        if cfg.threads:
            torch.set_num_threads(int(cfg.threads))
        device = select_device(cfg.device)
        self.ranks = distributed.start(device.split(":")[0])
        self.device = distributed.local_device(device)
        if not self.ranks.main:  # rank 0 reports and writes; the others train in step with it
            self.progress = no_progress
        self.out.mkdir(parents=True, exist_ok=True)
        self.progress(0, 1, "listing the dataset", stage=0)
        sources = open_sources(cfg.data)
        cache_root = Path(cfg.data.cache_dir) if cfg.data.cache_dir else self.out / "cache"
        if not self.ranks.main:
            distributed.barrier()  # rank 0 builds the tile cache, the others open it
        self.cache = build_or_open(
            sources,
            cache_root,
            cfg.data.sample_size,
            cfg.data.normalisation_offset,
            cfg.data.normalisation_scale,
            self.progress,
            self.cancel,
        )
        if self.ranks.main:
            distributed.barrier()
        keys = [k.split(":", 1)[-1] for k in self.cache.keys]
        self.splits = assign_splits(
            keys,
            self.cache.prescribed,
            cfg.data.train_fraction,
            cfg.data.val_fraction,
            cfg.data.split_salt,
        )
        self.train_idx = np.flatnonzero(self.splits == 0)
        self.val_idx = np.flatnonzero(self.splits == 1)
        if cfg.max_val_samples:
            self.val_idx = self.val_idx[: cfg.max_val_samples]
        if len(self.train_idx) < 2 or len(self.val_idx) < 1:
            raise InputError(
                f"{cfg.source_file}: the dataset has {len(self.train_idx)} training and "
                f"{len(self.val_idx)} validation samples after the split; add samples or change "
                "data.train_fraction / data.val_fraction"
            )
        if 3 in cfg.stages and not self.cache.label_names:
            raise InputError(
                f"{cfg.source_file}: stage 3 (hashing) needs labelled samples but the dataset "
                "has no labels; give a labels CSV or a class-per-folder layout, or drop stage 3"
            )
        self.model_config = self._model_config()
        self.notes = sources.notes

    def _model_config(self):
        from scicbir.models.config import BIGEARTHNET_S2_BANDS, RGB_BANDS, BandSpec, ModelConfig

        cfg, m = self.cfg, self.cfg.model
        known = {b.name: b for b in BIGEARTHNET_S2_BANDS + RGB_BANDS}
        bands = tuple(known.get(b, BandSpec(b)) for b in self.cache.bands)
        n = len(bands)

        def per_band(v):
            arr = np.asarray(v, dtype=float).reshape(-1)
            return tuple(float(a) for a in (np.repeat(arr, n) if arr.size == 1 else arr))

        return ModelConfig(
            name=cfg.name,
            bands=bands,
            tile_size=m.tile_size,
            N=m.N,
            M=m.M,
            K=m.K,
            hash_bits=m.hash_bits,
            hash_hidden=m.hash_hidden,
            hash_side=m.hash_side,
            hash_gamma=m.hash_gamma,
            context=m.context,
            hash_head=m.hash_head,
            hash_taps=tuple(m.hash_taps),
            hash_tap_pooling=m.hash_tap_pooling,
            labels=self.cache.label_names,
            normalisation_offset=per_band(cfg.data.normalisation_offset),
            normalisation_scale=per_band(cfg.data.normalisation_scale),
            description=cfg.description,
        )

    def _build_net(self) -> None:
        import torch

        from scicbir.models.network import SciCbirNet

        torch.manual_seed(self.cfg.seed)
        self.net = SciCbirNet(self.model_config).to(self.device)
        self.net.train()
        self.comp_params = self.net.compression_parameters()
        self.hash_params = self.net.hashing_parameters()
        aux = [p for n, p in self.net.named_parameters() if n.endswith(".quantiles")]
        self.aux_opt = torch.optim.Adam(aux, lr=self.cfg.aux_lr)
        self.opt = None

    def _new_optimizer(self, stage: int) -> None:
        import torch

        s3 = self.cfg.stage3
        if stage == 3:
            self.opt = torch.optim.Adam(
                [
                    {"params": self.comp_params, "lr": s3.lr_compression, "name": "compression"},
                    {"params": self.hash_params, "lr": s3.lr_hashing, "name": "hashing"},
                ]
            )
        else:
            self.opt = torch.optim.Adam(self.comp_params, lr=self.lr)

    def _set_lr(self, lr: float) -> None:
        self.lr = lr
        if self.stage != 3 and self.opt is not None:
            for group in self.opt.param_groups:
                group["lr"] = lr

    # ------------------------------------------------------------------ checkpoints
    def _state(self) -> dict[str, Any]:
        import torch

        state = {
            "format": CHECKPOINT_FORMAT,
            "stage": self.stage,
            "epoch": self.epoch,
            "step": self.step,
            "global_step": self.global_step,
            "stage_started": self.stage_started,
            "done_stages": list(self.done_stages),
            "model": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "optimizer": self.opt.state_dict() if self.opt is not None else {},
            "aux_optimizer": self.aux_opt.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "lr": self.lr,
            "plateau": self.plateau.state_dict() if self.plateau else {},
            "dwa": self.dwa.state_dict() if self.dwa else {},
            "best": json.loads(json.dumps(self.best)),
            "pareto": json.loads(json.dumps(self.pareto)),
            "model_config": self.model_config.to_json(),
            "cache": self.cache.folder.name,
        }
        if torch.cuda.is_available() and self.device.startswith("cuda"):
            state["cuda_rng"] = torch.cuda.get_rng_state()
        return state

    def _save_last(self) -> None:
        if self.ranks.main:
            save_checkpoint(self._state(), self.ckpt_dir / LAST)
        distributed.barrier()

    def _save_weights(self, name: str, figures: dict[str, Any]) -> None:
        if self.ranks.main:
            state = {"model": {k: v.detach().cpu() for k, v in self.net.state_dict().items()}}
            state.update(figures=dict(figures), model_config=self.model_config.to_json())
            save_checkpoint(state, self.ckpt_dir / name)
        distributed.barrier()  # the others may load it next (a rate point's start, stage 3)

    def _load_weights(self, state: dict[str, Any], source: str) -> None:
        """Load matching tensors (a package with other labels keeps its compression part)."""
        own = self.net.state_dict()
        # the entropy coders' tables change size when they are rebuilt (compressai resizes
        # them on load), so they are taken whatever their shape
        usable = {
            k: v
            for k, v in state.items()
            if k in own
            and (tuple(v.shape) == tuple(own[k].shape) or k.rsplit(".", 1)[-1] in _CODER_TABLES)
        }
        skipped = sorted(set(own) - set(usable))
        if not any(k.startswith("g_a.") for k in usable):
            raise InputError(
                f"'{source}' holds no weights that fit this model (bands, N or M differ); "
                "start from a checkpoint of the same architecture"
            )
        self.net.load_state_dict(usable, strict=False)
        if skipped:
            self.notes.append(f"started from {source}; not taken from it: {skipped[:6]}")

    def _resume(self) -> bool:
        import torch

        path = self.ckpt_dir / LAST
        if self.restart or not path.is_file():
            return False
        state = load_checkpoint(path)
        if state.get("format") != CHECKPOINT_FORMAT:
            raise InputError(f"'{path}' was written by another engine version; use --restart")
        if _architecture(state["model_config"]) != _architecture(self.model_config.to_json()):
            raise InputError(
                f"'{path}' belongs to a run with another model or dataset configuration; "
                "use another output folder or --restart to start over"
            )
        model_state = dict(state["model"])
        own = self.net.state_dict()
        stale = [
            k
            for k, v in model_state.items()
            if k.startswith("hash_head.") and k in own and tuple(v.shape) != tuple(own[k].shape)
        ]
        if stale and int(state["stage"]) == 3 and bool(state["stage_started"]):
            raise InputError(
                f"'{path}': the hashing part changed shape during stage 3; use --restart"
            )
        for k in stale:  # stages 1-2 never train the hash head: a fresh one is as good
            model_state[k] = own[k]
        self.net.load_state_dict(model_state)
        self.stage = int(state["stage"])
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.global_step = int(state["global_step"])
        self.stage_started = bool(state["stage_started"])
        self.done_stages = list(state["done_stages"])
        self.best, self.pareto = dict(state["best"]), list(state["pareto"])
        self.lr = float(state["lr"])
        self.aux_opt.load_state_dict(state["aux_optimizer"])
        if self.stage_started:
            self._setup_stage_objects(self.stage)
            if state["optimizer"]:
                self.opt.load_state_dict(state["optimizer"])
            if state["plateau"] and self.plateau is not None:
                self.plateau.load_state_dict(state["plateau"])
            if state["dwa"] and self.dwa is not None:
                self.dwa.load_state_dict(state["dwa"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.device.startswith("cuda"):
            torch.cuda.set_rng_state(state["cuda_rng"])
        return True

    # ------------------------------------------------------------------ stages
    def _setup_stage_objects(self, stage: int) -> None:
        from scicbir.training.dwa import DynamicWeightAverage

        self.plateau = None
        self.dwa = None
        if stage == 2:
            s2 = self.cfg.stage2
            self.plateau = PlateauTracker(
                s2.lr_start, s2.lr_step, s2.lr_max, s2.plateau_patience, s2.plateau_tolerance
            )
            self.lr = self.lr or s2.lr_start
        if stage == 3 and self.cfg.stage3.hashing_combiner == "dwa":
            self.dwa = DynamicWeightAverage(3, self.cfg.stage3.dwa_temperature)
        self._new_optimizer(stage)

    def _enter_stage(self, stage: int) -> None:
        """Start ``stage`` fresh: load the previous stage's chosen weights, new optimizer."""
        start = None
        if stage == 2 and (self.ckpt_dir / "stage1_best.pt").is_file():
            start = self.ckpt_dir / "stage1_best.pt"
        if stage == 3:
            start = self._stage3_start()
        if start is not None:
            self._load_weights(load_checkpoint(start)["model"], str(start))
        self.stage, self.epoch, self.step, self.stage_started = stage, 0, 0, True
        self.lr = 0.0
        if stage == 1:
            self.lr = lr_for_psnr(None, self.cfg.stage1.lr_by_psnr)
        if stage == 3:  # logged only: stage 3 has one LR per part (optimizer groups)
            self.lr = self.cfg.stage3.lr_hashing
        self._setup_stage_objects(stage)

    def _stage3_start(self) -> Path | None:
        choice = self.cfg.stage3.start_from
        if choice == "best":
            # with rate points by lambda, the stage-1 codec is the model's main point
            names = ("stage1_best.pt",) if self.cfg.stage2.lambdas else ()
            for name in (*names, "stage2_best.pt", "stage1_best.pt"):
                if (self.ckpt_dir / name).is_file():
                    return self.ckpt_dir / name
            return None
        if choice.startswith("pareto-"):
            path = self.ckpt_dir / f"stage2_{choice.replace('-', '_')}.pt"
            if not path.is_file():
                have = [p["file"] for p in self.pareto]
                raise InputError(
                    f"stage3.start_from '{choice}': '{path}' does not exist (Pareto "
                    f"checkpoints of this run: {have or 'none'})"
                )
            return path
        raise InputError(f"stage3.start_from must be 'best' or 'pareto-<i>', not '{choice}'")

    def _init_from(self) -> None:
        """Weights to start from when the run does not begin with stage 1 (``init_from``)."""
        src = self.cfg.init_from
        if not src:
            return
        p = Path(src)
        if p.is_dir():
            from safetensors.torch import load_file

            from scicbir.models.package import ModelPackage

            package = ModelPackage.load(p)
            state = load_file(str(package.weights_path))
        else:
            state = load_checkpoint(p)["model"]
        self._load_weights(state, str(p))

    # ------------------------------------------------------------------ loop
    def _batch_size(self, stage: int) -> int:
        if stage == 3 and self.cfg.stage3.batch_size:
            return int(self.cfg.stage3.batch_size)
        return self.cfg.batch_size

    def _steps_per_epoch(self, stage: int = 1) -> int:
        n = max(1, len(self.train_idx) // self._batch_size(stage))
        return min(n, self.cfg.max_steps_per_epoch or n)

    def _epochs(self, stage: int) -> int:
        return {1: self.cfg.stage1, 2: self.cfg.stage2, 3: self.cfg.stage3}[stage].epochs

    def _total_steps(self) -> int:
        return sum(self._epochs(s) * self._steps_per_epoch(s) for s in self.cfg.stages)

    def _cached_stage3(self) -> bool:
        return self.cfg.stage3.uses_cached_latents()

    def _ensure_latent_cache(self) -> None:
        """Latents of the training and validation tiles for a cached stage 3 (built once per
        process: they are a function of the fixed codec, the seed and the data)."""
        if self.latents is not None:
            return
        from scicbir.training.latent_cache import build_latent_cache

        s3, tile = self.cfg.stage3, self.cfg.model.tile_size
        common = dict(device=self.device, progress=self.progress, cancel=self.cancel)
        self.latents = build_latent_cache(
            self.net,
            self.cache,
            self.train_idx,
            tile,
            max(1, s3.latent_variants),
            self.cfg.seed,
            augment=self.cfg.data.augment or s3.flips,
            **common,
        )
        self.val_latents = build_latent_cache(
            self.net, self.cache, self.val_idx, tile, 1, self.cfg.seed, **common
        )

    def _batches(self, stage: int, epoch: int) -> list[np.ndarray]:
        from scicbir.training.sampler import class_balanced_batches, shuffled_batches

        bs, seed = min(self._batch_size(stage), len(self.train_idx)), self.cfg.seed
        if stage == 3:
            local = class_balanced_batches(
                self.cache.labels[self.train_idx],
                bs,
                self.cfg.stage3.num_samples_per_class,
                seed + 3,
                epoch,
            )
        else:
            local = shuffled_batches(len(self.train_idx), bs, seed + stage, epoch)
        return [self.train_idx[b] for b in local][: self._steps_per_epoch(stage)]

    def _val_batches(self):
        from scicbir.training.batches import load_batch

        bs = self.cfg.eval_batch_size
        for i in range(0, len(self.val_idx), bs):
            yield load_batch(
                self.cache, self.val_idx[i : i + bs], self.cfg.model.tile_size, device=self.device
            )

    def _hash_centres(self):
        """The class centres of ``stage3.hash_loss: central`` (None for the thesis's losses)."""
        if self.cfg.stage3.hash_loss != "central":
            return None
        if getattr(self, "_centres", None) is None:
            from scicbir.training.losses import hash_centres

            mc = self.model_config
            self._centres = hash_centres(mc.hash_bits, mc.num_classes, self.cfg.seed)
        return self._centres

    def _train_step(self, stage: int, index: np.ndarray, epoch: int, step: int) -> dict[str, Any]:
        import torch

        from scicbir.training.batches import load_batch
        from scicbir.training.sampler import epoch_rng
        from scicbir.training.steps import aux_step, stage1_step, stage2_step, stage3_step

        rng = epoch_rng(self.cfg.seed, epoch, 1000 * stage + 7 + step * 10)
        if stage == 3 and self._cached_stage3():
            from scicbir.training.steps import stage3_cached_step

            self._ensure_latent_cache()
            latents = self.ranks.shard(self.latents.batch(index, rng, self.device))
            labels = torch.from_numpy(self.ranks.shard(self.cache.labels[index]).astype(np.float32))
            return stage3_cached_step(
                self.net,
                self.opt,
                latents,
                labels.to(self.device),
                self.hash_params,
                self.cfg.stage3.hashing_combiner,
                self.dwa,
                seed=self.cfg.seed * 1_000_003 + self.global_step,
                centres=self._hash_centres(),
            )
        augment = self.cfg.data.augment
        flips = augment or (stage == 3 and self.cfg.stage3.flips)
        x, y = load_batch(
            self.cache, index, self.cfg.model.tile_size, rng, flips, self.device, augment
        )
        x, y = self.ranks.shard(x), self.ranks.shard(y)  # the global batch, this rank's rows
        s1 = self.cfg.stage1
        if stage == 1:
            figures = stage1_step(self.net, self.opt, x, s1.loss, s1.lmbda, s1.clip_grad_norm)
        elif stage == 2 and self.cfg.stage2.lambdas:
            lmbda = self.cfg.stage2.lambdas[self._rate_point(epoch)]
            figures = stage1_step(self.net, self.opt, x, "mse_rate", lmbda, s1.clip_grad_norm)
            figures["lmbda"] = lmbda
        elif stage == 2:
            figures = stage2_step(self.net, self.opt, x, self.comp_params)
        else:
            figures = stage3_step(
                self.net,
                self.opt,
                x,
                y,
                self.comp_params,
                self.hash_params,
                self.cfg.stage3.hashing_combiner,
                self.dwa,
                seed=self.cfg.seed * 1_000_003 + self.global_step,
                centres=self._hash_centres(),
            )
        figures["loss_aux"] = aux_step(self.net, self.aux_opt)
        return figures

    def _after_epoch(self, stage: int, epoch: int, val: dict[str, float]) -> dict[str, Any]:
        """LR rules, best and Pareto checkpoints; returns extra figures for the epoch row."""
        extra: dict[str, Any] = {}
        key = f"stage{stage}"
        if stage == 1:
            s1 = self.cfg.stage1
            if s1.loss == "mse_rate":  # best = lowest validation rate-distortion loss
                val["val_rd"] = val["val_bpp"] + s1.lmbda * 255.0**2 * val["val_mse"]
                better = val["val_rd"] < self.best.get(key, {}).get("val_rd", np.inf)
            else:
                better = val["val_psnr"] > self.best.get(key, {}).get("val_psnr", -np.inf)
            if better:
                self.best[key] = {"epoch": epoch, **val}
                self._save_weights("stage1_best.pt", self.best[key])
            lr = lr_for_psnr(val["val_psnr"], s1.lr_by_psnr)
            if epoch + 1 >= round(self._epochs(1) * (1.0 - s1.lr_decay_last)):
                lr *= 0.1
            self._set_lr(lr)
        elif stage == 2 and self.cfg.stage2.lambdas:
            extra.update(self._after_rate_point_epoch(epoch, val))
        elif stage == 2:
            if val["val_bpp"] < self.best.get(key, {}).get("val_bpp", np.inf):
                self.best[key] = {"epoch": epoch, **val}
                self._save_weights("stage2_best.pt", self.best[key])
            assert self.plateau is not None
            last_epoch = epoch + 1 == self._epochs(2)
            if self.plateau.update(val["val_bpp"]) or last_epoch:
                i = len(self.pareto)
                point = {"index": i, "epoch": epoch, "lr": self.lr, "file": f"stage2_pareto_{i}.pt"}
                point.update(val)
                self.pareto.append(point)
                self._save_weights(point["file"], point)
                extra["pareto_point"] = i
                self._set_lr(self.plateau.lr)
        else:
            metric = f"val_mAP@{max(self.cfg.evaluation.map_at)}"
            value = val.get(metric, -np.inf)
            if value > self.best.get(key, {}).get(metric, -np.inf) or key not in self.best:
                self.best[key] = {"epoch": epoch, **val}
                self._save_weights("stage3_best.pt", self.best[key])
            s3 = self.cfg.stage3
            if s3.lr_decay_last and epoch + 1 >= round(self._epochs(3) * (1.0 - s3.lr_decay_last)):
                self.lr = s3.lr_hashing * 0.1  # the epoch log's lr column
                for group in self.opt.param_groups:
                    if group.get("name") == "hashing":
                        group["lr"] = self.lr
        return extra

    # ------------------------------------------------------------------ stage 2 by lambdas
    def _epochs_per_point(self) -> int:
        return max(1, self._epochs(2) // len(self.cfg.stage2.lambdas))

    def _rate_point(self, epoch: int) -> int:
        """Index in ``stage2.lambdas`` of the fine-tune that ``epoch`` of stage 2 belongs to."""
        return min(epoch // self._epochs_per_point(), len(self.cfg.stage2.lambdas) - 1)

    def _start_rate_point(self) -> None:
        """Every fine-tune starts from the stage-1 codec with a fresh optimizer. A run of stage 2
        alone (``init_from`` a package or checkpoint) takes the codec it starts from as that
        stage-1 point: it is validated once and kept, so the package's default stays first."""
        from scicbir.training.steps import validate

        start = self.ckpt_dir / "stage1_best.pt"
        if not start.is_file() and 1 not in self.cfg.stages:
            val = validate(self.net, list(self._val_batches()), hashing=False)
            self.best["stage1"] = {"epoch": -1, **val}
            self._save_weights(start.name, self.best["stage1"])
        if start.is_file():
            self._load_weights(load_checkpoint(start)["model"], str(start))
        self.lr = self.cfg.stage2.lr_start
        self._new_optimizer(2)

    def _after_rate_point_epoch(self, epoch: int, val: dict[str, Any]) -> dict[str, Any]:
        """Keep a Pareto point at the end of each fine-tune (stage 1's own point first)."""
        if not self.pareto and "stage1" in self.best:
            first = {**self.best["stage1"], "index": 0, "epoch": -1, "lr": 0.0}
            first.update(file="stage1_best.pt", lmbda=self.cfg.stage1.lmbda)
            self.pareto.append(first)
        i = self._rate_point(epoch)
        last_of_point = epoch + 1 == self._epochs(2) or (self._rate_point(epoch + 1) != i)
        if not last_of_point:
            return {}
        index = len(self.pareto)
        point = {"index": index, "epoch": epoch, "lr": self.lr, "file": f"stage2_pareto_{index}.pt"}
        point.update(val, lmbda=self.cfg.stage2.lambdas[i])
        self.pareto.append(point)
        self._save_weights(point["file"], point)
        return {"pareto_point": index}

    def _run_stage(self, stage: int, metrics, total: int) -> None:
        from scicbir.training.steps import validate

        epochs = self._epochs(stage)
        while self.epoch < epochs:
            epoch = self.epoch
            batches = self._batches(stage, epoch)
            if (
                stage == 2
                and self.cfg.stage2.lambdas
                and self.step == 0
                and epoch % self._epochs_per_point() == 0
                and epoch // self._epochs_per_point() < len(self.cfg.stage2.lambdas)
            ):
                self._start_rate_point()
            t0 = time.perf_counter()
            while self.step < len(batches):
                if self.cancel.cancelled:
                    self._save_last()
                    raise CancelledError(
                        f"training cancelled in stage {stage}, epoch {epoch + 1}; state saved in "
                        f"'{self.ckpt_dir / LAST}': run the same command again to continue"
                    )
                figures = self._train_step(stage, batches[self.step], epoch, self.step)
                figures = distributed.average_figures(figures)
                self.step += 1
                self.global_step += 1
                lrs = {g.get("name", "lr"): g["lr"] for g in self.opt.param_groups}
                row = {"stage": stage, "epoch": epoch, "step": self.step, **figures}
                row.update({f"lr_{k}" if k != "lr" else "lr": v for k, v in lrs.items()})
                metrics.step(self.global_step, row)
                self.progress(
                    self.global_step,
                    total,
                    f"stage {stage} epoch {epoch + 1}/{epochs} step {self.step}/{len(batches)}",
                    **row,
                )
            if stage == 3 and self._cached_stage3():
                from scicbir.training.steps import validate_hashing

                self._ensure_latent_cache()
                val = validate_hashing(
                    self.net,
                    self.val_latents.batch(self.val_latents.index, None, self.device),
                    self.cache.labels[self.val_latents.index],
                    self.cfg.evaluation.retrieved,
                    self.cfg.evaluation.map_at,
                )
            else:
                val = validate(
                    self.net,
                    list(self._val_batches()),
                    hashing=stage == 3,
                    retrieved=self.cfg.evaluation.retrieved,
                    map_at=self.cfg.evaluation.map_at,
                )
            extra = self._after_epoch(stage, epoch, val)
            row = {"stage": stage, "epoch": epoch, "lr": self.lr, **val, **extra}
            row["seconds"] = round(time.perf_counter() - t0, 3)
            metrics.epoch(self.global_step, row)
            self.progress(
                self.global_step,
                total,
                f"stage {stage} epoch {epoch + 1}/{epochs} validated",
                **row,
            )
            self.epoch, self.step = epoch + 1, 0
            self._save_last()

    def run(self) -> TrainResult:
        import torch

        threads = torch.get_num_threads()
        try:
            return self._run()
        finally:  # ``threads`` applies to this run only, not to the calling process
            torch.set_num_threads(threads)
            distributed.stop()

    def _run(self) -> TrainResult:
        from scicbir.training.metrics_log import MetricsWriter, last_step_before_stage
        from scicbir.training.threads import choose_for_run

        self._prepare()
        self._build_net()
        resumed = self._resume()
        distributed.barrier()  # every rank read the same checkpoint before rank 0 writes one
        if not resumed:
            self._init_from()
            first = min(self.cfg.stages)
            if first > 1:
                self.global_step = last_step_before_stage(self.out / "metrics", first)
        if self.ranks.world == 1:
            choose_for_run(self)  # threads unset or "auto": faster of 1 and all cores, measured
        if self.ranks.main:
            (self.out / "config.json").write_text(json.dumps(self.cfg.to_dict(), indent=2))
            metrics = MetricsWriter(self.out / "metrics", self.global_step, self.cfg.tensorboard)
        else:
            metrics = _NoMetrics()
        total = self._total_steps()
        try:
            for stage in sorted(self.cfg.stages):
                if stage in self.done_stages:
                    continue
                if not (self.stage == stage and self.stage_started):
                    self._enter_stage(stage)
                    self._save_last()
                self._run_stage(stage, metrics, total)
                self.done_stages.append(stage)
                self._save_last()
        finally:
            metrics.close()
        package = self._write_package() if self.ranks.main else self.out / self.cfg.name
        evaluation = None
        if self.ranks.main and self.cfg.evaluation.test_on_finish:
            evaluation = self._evaluate_package(package)
        distributed.barrier()
        return TrainResult(self.out, package, self.done_stages, self.best, self.pareto, evaluation)

    # ------------------------------------------------------------------ package
    def _final_checkpoint(self) -> Path | None:
        """The weights the package is written from. With stage 2 by lambdas the stage-1 codec is
        the package's default rate point (the fine-tunes become its other points), also when
        stage 2 ran alone from a package."""
        names = ["stage3_best.pt", "stage2_best.pt", "stage1_best.pt"]
        if self.cfg.stage2.lambdas:
            names.remove("stage2_best.pt")
        for name in names:
            stage = int(name[5])
            ran = stage in self.cfg.stages or (name == "stage1_best.pt" and 2 in self.cfg.stages)
            if ran and (self.ckpt_dir / name).is_file():
                return self.ckpt_dir / name
        return None

    def _write_package(self) -> Path | None:
        from scicbir.models.package import ModelPackage
        from scicbir.training.card import model_card

        final = self._final_checkpoint()
        if final is not None:
            self.net.load_state_dict(load_checkpoint(final)["model"])
        path = self.out / self.cfg.name
        self.progress(self.global_step, self.global_step, "writing the model package", stage=0)
        card = model_card(self.cfg, self.model_config, self.cache, self.splits, self, final)
        base = self._package_with_this_codec()
        if base is not None:
            self._write_new_hashing_part(base, path, card)
        else:
            ModelPackage.save(self.net, self.model_config, path, card, self._rate_points())
        self.net.to(self.device)
        return path

    def _package_with_this_codec(self):
        """The ``init_from`` package when this run left its codec bit for bit (stage 3 alone,
        codec fixed), else None."""
        src = Path(self.cfg.init_from) if self.cfg.init_from else None
        codec_fixed = self.cfg.stages == [3] and self.cfg.stage3.uses_cached_latents()
        if src is None or not src.is_dir() or not codec_fixed:
            return None
        import torch
        from safetensors.torch import load_file

        from scicbir.models.package import CODEC_FIELDS, ModelPackage

        base = ModelPackage.load(src)
        if any(getattr(base.config, f) != getattr(self.model_config, f) for f in CODEC_FIELDS):
            return None  # e.g. another value scale: the package's streams mean other values
        stored = load_file(str(base.weights_path))
        ours = self.net.state_dict()
        for key, tensor in stored.items():
            if key.startswith("hash_head."):
                continue
            if key not in ours or not torch.equal(ours[key].detach().cpu(), tensor):
                return None
        return base

    def _write_new_hashing_part(self, base, path: Path, card: str) -> None:
        """Write ``base``'s codec and rate points with this run's hashing part
        (``with_hash_head``): the package keeps ``base``'s stream checksum, so every archive made
        with ``base`` decodes with it and moves to its codes by ``scicbir archive rehash``
        without re-encoding a tile. An earlier package at ``path`` is replaced only once the
        new one is complete."""
        import shutil

        from scicbir.models.package import with_hash_head

        head = {
            k: v.detach().cpu()
            for k, v in self.net.state_dict().items()
            if k.startswith("hash_head.")
        }
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            path.replace(old)
        try:
            with_hash_head(base, head, path, self.cfg.name, card, config=self.model_config)
        except BaseException:
            if old.exists() and not path.exists():
                old.replace(path)
            raise
        shutil.rmtree(old, ignore_errors=True)

    def _rate_points(self) -> list[tuple[dict[str, Any], dict[str, Any] | None]] | None:
        """The Pareto points of stage 2 by lambda as package rate points: each point's codec
        with the final hashing part (the stage-1 point is the package's default). A run that
        only retrains the hashing part of a package (``init_from``, stage 3 with the codec
        fixed) keeps that package's rate points."""
        head = {k: v for k, v in self.net.state_dict().items() if k.startswith("hash_head.")}
        if not self.cfg.stage2.lambdas or len(self.pareto) < 2:
            return self._inherited_rate_points(head)
        candidates = list(self.pareto)
        inherited: dict[str, dict[str, Any]] = {}
        if 1 not in self.cfg.stages:
            # stage 2 alone extends the init_from package: its other rate points stay on offer
            for figures, state in self._package_rate_points(head) or []:
                if state is None:
                    continue
                name = f"package:{figures.get('lmbda')}:{figures.get('bpp')}"
                inherited[name] = state
                candidates.append(
                    {
                        "file": name,
                        "lmbda": figures.get("lmbda"),
                        "val_bpp": figures["bpp"],
                        "val_psnr": figures["psnr"],
                    }
                )
        points: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for point in sorted(_pareto_front(candidates), key=lambda p: p["val_bpp"]):
            figures = {"lmbda": point["lmbda"], "bpp": point["val_bpp"], "psnr": point["val_psnr"]}
            if point["file"] == "stage1_best.pt":
                points.append((figures, None))
            elif point["file"] in inherited:
                points.append((figures, inherited[point["file"]]))
            else:
                state = {**load_checkpoint(self.ckpt_dir / point["file"])["model"], **head}
                points.append((figures, state))
        return points

    def _inherited_rate_points(
        self, head: dict[str, Any]
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]] | None:
        """The rate points of the ``init_from`` package, each with the new hashing part, when
        this run left the codec as the package had it (stage 3 alone, codec fixed)."""
        codec_fixed = self.cfg.stages == [3] and self.cfg.stage3.uses_cached_latents()
        if not codec_fixed:
            return None
        return self._package_rate_points(head)

    def _package_rate_points(
        self, head: dict[str, Any]
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None]] | None:
        """The ``init_from`` package's rate points (figures; codec state with ``head``, None for
        its default), or None when the run did not start from a package with rate points."""
        src = Path(self.cfg.init_from) if self.cfg.init_from else None
        if src is None or not src.is_dir():
            return None
        from scicbir.models.package import ModelPackage

        package = ModelPackage.load(src)
        if not package.rate_points:
            return None
        points: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for point in package.rate_points:
            figures = {k: point[k] for k in ("lmbda", "bpp", "psnr") if k in point}
            if point.get("default"):
                points.append((figures, None))
                continue
            state = package.at_quality(int(point["quality"])).build_network("cpu").state_dict()
            codec = {k: v for k, v in state.items() if not k.startswith("hash_head.")}
            points.append((figures, {**codec, **head}))
        return points

    def _evaluate_package(self, path: Path) -> dict[str, Any] | None:
        """Test-split figures with real bitstreams, saved as evaluation.json and in the card."""
        from scicbir.models.package import CARD, ModelPackage
        from scicbir.training.card import append_evaluation
        from scicbir.training.evaluate import evaluate

        if not np.any(self.splits == 2):
            return None
        package = ModelPackage.load(path)
        result = evaluate(
            package,
            self.cfg,
            self.progress,
            self.cancel,
            max_samples=self.cfg.evaluation.max_test_samples,
            device=self.device,
        )
        (self.out / "evaluation.json").write_text(json.dumps(result, indent=2))
        card = path / CARD
        card.write_text(append_evaluation(card.read_text(encoding="utf-8"), result), "utf-8")
        return result
