"""Dynamic Weight Averaging (Liu et al. 2019; thesis eq. 2.2) for the hashing sub-losses.

w_i(t) = n exp(r_i(t-1) / T) / sum_j exp(r_j(t-1) / T), r_i(t-1) = L_i(t-1) / L_i(t-2): a loss
that falls slowly gets more weight. The first two steps use weight 1 for every loss. The state
(last two losses) is saved in checkpoints so a resumed run continues with the same weights.
"""

from __future__ import annotations

import math


class DynamicWeightAverage:
    """Keeps the last two loss values per task and gives the next step's weights."""

    def __init__(self, num_tasks: int, temperature: float = 2.0) -> None:
        if temperature <= 0:
            raise ValueError("DWA temperature must be positive")
        self.num_tasks = num_tasks
        self.temperature = temperature
        self.history: list[list[float]] = []

    def weights(self) -> list[float]:
        """Weights for the coming step."""
        if len(self.history) < 2:
            return [1.0] * self.num_tasks
        prev, prev2 = self.history[-1], self.history[-2]
        ratios = [a / b if abs(b) > 1e-12 else 1.0 for a, b in zip(prev, prev2, strict=True)]
        exps = [math.exp(r / self.temperature) for r in ratios]
        total = sum(exps)
        return [self.num_tasks * e / total for e in exps]

    def update(self, losses: list[float]) -> None:
        """Record the losses of the step just taken."""
        self.history = (self.history + [list(map(float, losses))])[-2:]

    def state_dict(self) -> dict:
        return {"history": self.history, "temperature": self.temperature}

    def load_state_dict(self, state: dict) -> None:
        self.history = [list(map(float, h)) for h in state["history"]]
        self.temperature = float(state["temperature"])
