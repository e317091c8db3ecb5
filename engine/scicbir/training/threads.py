"""CPU threads of a training run chosen by measurement (``threads: auto``, the default).

Why: the fastest thread count for a training step cannot be known in advance. On an idle
machine every core helps (2 threads beat 1 on a 2-core CPU); on a machine where other work
runs (another training, a desktop GIS), torch's threads wait for each other and for cores that
are busy, and 2 threads can be 4-5 times slower than 1. So, unless the configuration names a
number, the trainer times a few real training steps (its own network, a batch of its own size,
forward and backward without an optimizer step, random state restored) with one thread and
with every core this process may use, interleaved so that a change in the machine's load
affects both alike, and keeps the faster. The choice and both timings go to the run's notes
(model card) and its progress messages.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class ThreadChoice:
    """The chosen thread count and the median seconds per step of each count tried."""

    threads: int
    seconds: dict[int, float] = field(default_factory=dict)

    def note(self) -> str:
        if not self.seconds:
            return f"threads: {self.threads} (one core available, nothing to measure)"
        timings = ", ".join(
            f"{n} thread{'s' if n > 1 else ''} {s:.3g} s" for n, s in sorted(self.seconds.items())
        )
        return (
            f"threads: {self.threads}, chosen by measurement (median seconds per step: {timings})"
        )


def choose_threads(
    step: Callable[[], Any],
    cores: int | None = None,
    repeats: int = 3,
    set_threads: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    decisive: float = 1.5,
) -> ThreadChoice:
    """Time ``step`` with 1 thread and with ``cores`` threads; leave the faster set.

    Each count first runs one untimed step (warm-up: first calls allocate and pick kernels),
    then up to ``repeats`` timed steps, alternating between the counts; the median decides
    (ties go to one thread, which leaves the other cores free). Timing stops early once one
    count is ``decisive`` times slower than the other: on a busy machine a slow step costs
    tens of seconds, and a clear answer needs no more of them.
    """
    if set_threads is None:
        import torch

        set_threads = torch.set_num_threads
    cores = available_cores() if cores is None else cores
    if cores <= 1:
        set_threads(1)
        return ThreadChoice(1)
    counts = (1, cores)
    times: dict[int, list[float]] = {n: [] for n in counts}
    for n in counts:
        set_threads(n)
        step()
    for _ in range(repeats):
        for n in counts:
            set_threads(n)
            t0 = clock()
            step()
            times[n].append(clock() - t0)
        seconds = {n: statistics.median(t) for n, t in times.items()}
        if max(seconds.values()) >= decisive * max(min(seconds.values()), 1e-9):
            break
    best = min(counts, key=lambda n: (seconds[n], n))
    set_threads(best)
    return ThreadChoice(best, seconds)


def choose_for_run(trainer, repeats: int = 3) -> ThreadChoice | None:
    """The trainer's hook: measure when ``threads`` is unset or ``"auto"`` and the run trains
    on the CPU; note the result. A number in the configuration is used as it is (set earlier)."""
    import numpy as np
    import torch

    from scicbir.training.batches import load_batch
    from scicbir.training.steps import forward, rd_loss

    cfg = trainer.cfg
    if cfg.threads not in (None, "auto") or torch.device(trainer.device).type != "cpu":
        return None
    pending = [s for s in sorted(cfg.stages) if s not in trainer.done_stages]
    if not pending or len(trainer.train_idx) == 0:
        return None
    stage = pending[0]
    size = min(trainer._batch_size(stage), len(trainer.train_idx))
    index = trainer.train_idx[:size]
    x, _ = load_batch(
        trainer.cache, index, cfg.model.tile_size, np.random.default_rng(0), True, trainer.device
    )
    net = trainer.net
    trainer.progress(0, 1, "timing training steps on 1 thread and on all cores", stage=0)

    def step() -> None:
        out = forward(net, x, hash=stage == 3 and not trainer._cached_stage3())
        loss = rd_loss(x, out, 0.01)[0]
        if out["u"] is not None:
            loss = loss + out["u"].square().mean()
        loss.backward()
        net.zero_grad(set_to_none=True)

    with torch.random.fork_rng(devices=[]):  # the run's random state stays as it was
        choice = choose_threads(step, repeats=repeats)
    trainer.notes.append(choice.note())
    trainer.progress(0, 1, choice.note(), stage=0, threads=choice.threads)
    return choice
