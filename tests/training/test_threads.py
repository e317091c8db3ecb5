"""Training threads chosen by measurement: the faster of one thread and all cores."""

from __future__ import annotations

import pytest
import torch

from scicbir.errors import InputError
from scicbir.training.config import config_from_dict
from scicbir.training.threads import ThreadChoice, choose_for_run, choose_threads
from tests.training.conftest import tiny_config


class FakeMachine:
    """A step whose duration depends on the thread count, on a fake clock."""

    def __init__(self, seconds: dict[int, float]) -> None:
        self.seconds, self.now, self.threads, self.calls = seconds, 0.0, None, []

    def set_threads(self, n: int) -> None:
        self.threads = n

    def step(self) -> None:
        self.calls.append(self.threads)
        self.now += self.seconds[self.threads]

    def clock(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("seconds", "expected", "rounds"),
    [
        ({1: 1.0, 2: 4.5}, 1, 1),  # busy machine: two threads wait for each other
        ({1: 1.0, 2: 0.6}, 2, 1),  # idle machine: both cores help
        ({1: 1.0, 2: 0.8}, 2, 3),  # a small difference takes every timed round
        ({1: 1.0, 2: 1.0}, 1, 3),  # a tie leaves the other core free
    ],
)
def test_the_faster_thread_count_is_kept_and_set(seconds, expected, rounds):
    m = FakeMachine(seconds)
    choice = choose_threads(m.step, cores=2, repeats=3, set_threads=m.set_threads, clock=m.clock)
    assert choice.threads == expected and m.threads == expected
    assert choice.seconds == pytest.approx(seconds)
    # one warm-up each, then interleaved timings; a clear difference needs one round only
    assert m.calls == [1, 2] + [1, 2] * rounds
    note = choice.note()
    assert f"threads: {expected}" in note and "1 thread" in note and "2 threads" in note


def test_one_core_measures_nothing():
    m = FakeMachine({1: 1.0})
    choice = choose_threads(m.step, cores=1, set_threads=m.set_threads, clock=m.clock)
    assert choice == ThreadChoice(1) and m.calls == [] and m.threads == 1


def test_threads_setting_accepts_auto_and_numbers_only(rgb_tiles, tmp_path):
    assert config_from_dict(tiny_config(rgb_tiles, tmp_path, threads="auto")).threads is None
    assert config_from_dict(tiny_config(rgb_tiles, tmp_path, threads=None)).threads is None
    assert config_from_dict(tiny_config(rgb_tiles, tmp_path, threads=2)).threads == 2
    for bad in ("two", 0, 1.5):
        with pytest.raises(InputError, match="threads must be"):
            config_from_dict(tiny_config(rgb_tiles, tmp_path, threads=bad))


def test_the_trainer_times_its_own_step_and_notes_the_choice(rgb_tiles, tmp_path):
    from scicbir.training.trainer import Trainer

    events = []
    cfg = config_from_dict(tiny_config(rgb_tiles, tmp_path / "run", threads="auto", batch_size=2))
    trainer = Trainer(cfg, progress=lambda d, t, m, **f: events.append((m, f)))
    before = torch.get_num_threads()
    try:
        trainer._prepare()
        trainer._build_net()
        state = torch.get_rng_state()
        weights = {k: v.clone() for k, v in trainer.net.state_dict().items()}
        choice = choose_for_run(trainer, repeats=1)
        assert choice is not None and torch.get_num_threads() == choice.threads
        assert choice.note() in trainer.notes and any(f.get("threads") for _, f in events)
        # the measurement leaves the run as it was: random state, weights, no gradients
        assert torch.equal(torch.get_rng_state(), state)
        assert all(torch.equal(v, weights[k]) for k, v in trainer.net.state_dict().items())
        assert all(p.grad is None for p in trainer.net.parameters())
        fixed = Trainer(config_from_dict(tiny_config(rgb_tiles, tmp_path / "fixed", threads=1)))
        assert choose_for_run(fixed) is None  # a number in the configuration is kept as it is
    finally:
        torch.set_num_threads(before)
