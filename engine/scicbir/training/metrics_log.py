"""Metrics of a run: ``steps.csv`` (every step), ``epochs.csv`` (every epoch), TensorBoard.

Each row carries the global step. When a run resumes from a checkpoint, rows written after
that checkpoint (by the interrupted process) are dropped and TensorBoard is told to purge
events past it, so the logs read as if the run had never stopped.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any


class CsvLog:
    """A CSV file whose columns grow as new keys appear (the file is rewritten then)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []
        self.columns: list[str] = []
        if path.is_file():
            with path.open(newline="") as fh:
                reader = csv.DictReader(fh)
                self.columns = list(reader.fieldnames or [])
                self.rows = list(reader)

    def truncate_after(self, global_step: int) -> None:
        kept = [r for r in self.rows if int(float(r.get("global_step", 0) or 0)) <= global_step]
        if len(kept) != len(self.rows):
            self.rows = kept
            self._rewrite()

    def _rewrite(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self.columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.rows)
        tmp.replace(self.path)

    def append(self, row: dict[str, Any]) -> None:
        row = {k: _fmt(v) for k, v in row.items()}
        new = [k for k in row if k not in self.columns]
        self.rows.append(row)
        if new or not self.path.is_file():
            self.columns.extend(new)
            self._rewrite()
            return
        with self.path.open("a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=self.columns, extrasaction="ignore").writerow(row)


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:.6g}" if math.isfinite(v) else str(v)
    return v


def last_step_before_stage(folder: str | Path, stage: int) -> int:
    """The last global step logged in ``folder`` by stages before ``stage`` (0 if none).

    A run that starts at stage 2 or 3 from the earlier stages' checkpoints continues their step
    count, so the logs of those stages are kept rather than overwritten.
    """
    path = Path(folder) / "steps.csv"
    if not path.is_file():
        return 0
    steps = [
        int(float(r["global_step"]))
        for r in CsvLog(path).rows
        if r.get("global_step") and r.get("stage") and int(float(r["stage"])) < stage
    ]
    return max(steps, default=0)


class MetricsWriter:
    """Writes step and epoch figures to CSV files and (optionally) TensorBoard."""

    def __init__(self, folder: str | Path, resume_step: int = 0, tensorboard: bool = True) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.steps = CsvLog(self.folder / "steps.csv")
        self.epochs = CsvLog(self.folder / "epochs.csv")
        self.steps.truncate_after(resume_step)
        self.epochs.truncate_after(resume_step)
        self.tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(
                    str(self.folder / "tensorboard"), purge_step=resume_step or None
                )
            except ImportError:  # tensorboard not installed: CSV only
                self.tb = None

    def step(self, global_step: int, figures: dict[str, Any]) -> None:
        self.steps.append({"global_step": global_step, **figures})
        if self.tb is not None:
            stage = figures.get("stage", 0)
            for key, value in figures.items():
                if isinstance(value, float | int) and key not in ("stage", "epoch", "step"):
                    self.tb.add_scalar(f"stage{stage}/train/{key}", value, global_step)

    def epoch(self, global_step: int, figures: dict[str, Any]) -> None:
        self.epochs.append({"global_step": global_step, **figures})
        if self.tb is not None:
            stage = figures.get("stage", 0)
            for key, value in figures.items():
                if isinstance(value, float | int) and key not in ("stage", "epoch"):
                    self.tb.add_scalar(f"stage{stage}/epoch/{key}", value, global_step)
            self.tb.flush()

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()
