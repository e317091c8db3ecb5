"""Learning-rate rules of the paper's stages 1 and 2.

Stage 1 (eq. 4.1): the LR follows the validation PSNR (1e-4 below 45 dB, 5e-5 up to 50 dB,
1e-5 above). Stage 2: the LR starts low (1e-5); each time the validation bpp stops falling for
``patience`` epochs (a plateau) the point reached is kept as a Pareto checkpoint and the LR is
raised by ``step`` (up to ``max``, 9e-5: higher LRs collapse the PSNR), which pushes the codec
to the next, lower rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass


def lr_for_psnr(psnr_db: float | None, table: Sequence[Sequence[float]]) -> float:
    """LR of the first ``[below_dB, lr]`` row whose threshold is above ``psnr_db``.

    ``None`` (no validation yet) gives the first row's LR.
    """
    if psnr_db is None:
        return float(table[0][1])
    for below, lr in table:
        if psnr_db < below:
            return float(lr)
    return float(table[-1][1])


@dataclass
class PlateauTracker:
    """Detects a plateau of the validation bpp and steps the LR up."""

    lr: float
    step: float
    max_lr: float
    patience: int
    tolerance: float
    best: float = float("inf")
    wait: int = 0

    def update(self, value: float) -> bool:
        """Record one epoch's validation bpp; True when a plateau was reached (LR raised)."""
        if value < self.best * (1.0 - self.tolerance):
            self.best = value
            self.wait = 0
            return False
        self.wait += 1
        if self.wait < self.patience:
            return False
        self.wait = 0
        self.best = value
        self.lr = min(self.max_lr, self.lr + self.step)
        return True

    def state_dict(self) -> dict:
        return asdict(self)

    def load_state_dict(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, v)
