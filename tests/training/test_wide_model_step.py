"""A training step of the paper-sized network (N = M = 128, 12 bands) runs on the CPU.

Guards against native crashes in the CPU convolution kernels: "free(): invalid next size" was
reported in backward() at N = M = 128 with oneDNN enabled (torch 2.13 CPU). The step runs in a
child process, so a crash fails this test with the child's output instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

STEPS = textwrap.dedent(
    """
    import torch
    torch.set_num_threads(1)
    from scicbir.models.config import ModelConfig
    from scicbir.models.network import SciCbirNet
    from scicbir.training.steps import aux_step, stage1_step

    for context in ("checkerboard", "serial"):
        torch.manual_seed(0)
        config = ModelConfig(
            name="wide", bands=tuple(f"b{i}" for i in range(12)), N=128, M=128, context=context
        )
        net = SciCbirNet(config)
        opt = torch.optim.Adam(net.compression_parameters(), 1e-4)
        quantiles = [p for n, p in net.named_parameters() if n.endswith(".quantiles")]
        aux = torch.optim.Adam(quantiles, 1e-3)
        for _ in range(2):
            figures = stage1_step(net, opt, torch.rand(2, 12, 64, 64), "mse_rate", 0.01)
            aux_step(net, aux)
            assert all(v == v for v in figures.values()), figures
        print("step ok", context, flush=True)
    """
)


def test_training_steps_at_n128_do_not_crash():
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", STEPS], capture_output=True, text=True, timeout=240, env=env
    )
    report = f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert done.returncode == 0, report
    assert done.stdout.count("step ok") == 2, report
