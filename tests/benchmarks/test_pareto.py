"""Stage-2 Pareto checkpoints become packages that code real streams (RD curve points)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.pareto import pareto_checkpoints, pareto_packages


def test_checkpoints_become_working_packages_in_plateau_order(tmp_path):
    from scicbir.codec.codec import TileCodec
    from scicbir.models.testing import make_random_package
    from scicbir.training.checkpoint import save_checkpoint

    source = make_random_package(tmp_path / "src", bands=3, tile_size=64, N=16, M=16)
    net = source.build_network()
    run = tmp_path / "checkpoints"
    for i in (10, 2):
        state = {
            "model": {k: v.detach().clone() for k, v in net.state_dict().items()},
            "figures": {"val_bpp": 1.0 + i},
            "model_config": source.config.to_json(),
        }
        save_checkpoint(state, run / f"stage2_pareto_{i}.pt")
    # numeric order, not text order ("10" after "2")
    assert [p.name for p in pareto_checkpoints(run)] == [
        "stage2_pareto_2.pt",
        "stage2_pareto_10.pt",
    ]
    packages = pareto_packages([run], tmp_path / "out")
    assert [p.model_id for p in packages][-1].endswith("-pareto-10")
    tile = np.random.default_rng(0).random((1, 3, 64, 64), dtype=np.float32)
    codec = TileCodec(packages[0])
    decoded = codec.decode(codec.encode(tile)[0].stream)
    assert decoded.shape == (3, 64, 64)


def test_a_folder_without_pareto_points_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="stage2_pareto"):
        pareto_packages([tmp_path], tmp_path / "out")


def test_the_training_run_of_a_model_is_found_by_its_name(tmp_path):
    from benchmarks.pareto import find_run_checkpoints

    for run, name in (("a", "other-model"), ("b", "my-model"), ("c", "my-model")):
        (tmp_path / run / "checkpoints").mkdir(parents=True)
        (tmp_path / run / "config.json").write_text(f'{{"name": "{name}"}}')
    (tmp_path / "a" / "checkpoints" / "stage2_pareto_0.pt").write_bytes(b"")
    (tmp_path / "c" / "checkpoints" / "stage2_pareto_0.pt").write_bytes(b"")
    # run b has the name but no Pareto point yet: run c is the one
    assert find_run_checkpoints(tmp_path, "my-model") == tmp_path / "c" / "checkpoints"
    assert find_run_checkpoints(tmp_path, "unknown") is None
