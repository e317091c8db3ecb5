"""Training on several processes or GPUs: ``torchrun --nproc_per_node=N -m scicbir train ...``.

Data parallel, as DistributedDataParallel does it, written as two operations the training steps
already have a place for, because the steps compute their gradients in several ways (one loss,
MGDA's two, PCGrad's per task) and DDP's backward hooks only see the first:

- every rank builds the same global batch (the same samples, crops and flips, from the
  generator seeded by seed, epoch and step) and keeps its own rows (``Ranks.shard``): rank r
  takes rows r, r + N, ...; so the global batch is the configured ``batch_size`` whatever N is;
- after the backward pass and before clipping and the optimizer step, the gradients are
  averaged over the ranks (``average_gradients``, one all-reduce over a flat buffer), which for
  losses that are means over the batch is the gradient of the global batch. MGDA and PCGrad
  combine their task gradients per rank first, then the combination is averaged.

The weights stay identical on every rank (same start, same averaged step), so validation, the
learning-rate rules and the choice of best checkpoints agree without messages; only rank 0
writes (cache, checkpoints, metrics, package), and the others wait for it at ``barrier``.
The backend is NCCL on CUDA devices and gloo on the CPU. Without ``torchrun`` (no
``WORLD_SIZE``) everything here is a no-op and training is the single-process one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ranks:
    """This process's place among the training processes."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        """Whether this process writes files and reports progress."""
        return self.rank == 0

    def shard(self, rows):
        """This rank's rows of a global batch (every ``world``-th, from ``rank``)."""
        return rows if self.world == 1 else rows[self.rank :: self.world]


def start(device_type: str = "cpu") -> Ranks:
    """Join the process group that ``torchrun`` describes in the environment (a single
    process when it does not): gloo on the CPU, NCCL on CUDA devices."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Ranks()
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return Ranks(rank=dist.get_rank(), world=dist.get_world_size())


def local_device(device: str) -> str:
    """The device of this rank: ``cuda`` becomes ``cuda:LOCAL_RANK`` under torchrun."""
    if device == "cuda" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


def active() -> bool:
    try:
        import torch.distributed as dist
    except ImportError:  # pragma: no cover - torch without distributed support
        return False
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def average_gradients(params: Iterable) -> None:
    """Average the gradients of ``params`` over the ranks (no-op in a single process)."""
    if not active():
        return
    import torch
    import torch.distributed as dist

    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    offset = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[offset : offset + n].view_as(g))
        offset += n


def average_figures(figures: dict) -> dict:
    """The step's figures (losses, bpp) averaged over the ranks, so the run log shows the
    global batch's values, not rank 0's shard's (no-op in a single process)."""
    if not active():
        return figures
    import torch
    import torch.distributed as dist

    keys = sorted(k for k, v in figures.items() if isinstance(v, int | float))
    values = torch.tensor([float(figures[k]) for k in keys], dtype=torch.float64)
    dist.all_reduce(values)
    values /= dist.get_world_size()
    return {**figures, **{k: float(v) for k, v in zip(keys, values.tolist(), strict=True)}}


def barrier() -> None:
    """Wait until every rank got here (no-op in a single process)."""
    if active():
        import torch.distributed as dist

        dist.barrier()


def stop() -> None:
    """Leave the process group (the end of a torchrun training)."""
    if active():
        import torch.distributed as dist

        dist.destroy_process_group()
