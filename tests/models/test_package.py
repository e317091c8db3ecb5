"""Model packages on disk: save/load, checksums, refusal of bad packages, the registry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from scicbir.errors import InputError, ModelMismatchError
from scicbir.models.package import ModelPackage
from scicbir.models.registry import list_models, resolve_model
from scicbir.models.testing import make_random_package


@pytest.fixture()
def package_copy(tiny_rgb_model, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(tiny_rgb_model.path, target)
    return target


def test_saved_package_reloads_to_the_same_network(tiny_rgb_model, tmp_path):
    net = tiny_rgb_model.build_network()
    again = ModelPackage.save(net, tiny_rgb_model.config, tmp_path / "again", "# card\n")
    assert again.checksum == tiny_rgb_model.checksum
    assert again.card == "# card\n"
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        a = tiny_rgb_model.build_network()(x)
        b = again.build_network()(x)
    assert torch.equal(a["x_hat"], b["x_hat"]) and torch.equal(a["u"], b["u"])
    names = sorted(p.name for p in again.path.iterdir())
    assert names == ["card.md", "config.json", "package.json", "weights.safetensors"]


def test_same_seed_same_checksum_other_seed_other(tmp_path):
    a = make_random_package(tmp_path / "a", N=16, M=16, seed=3)
    b = make_random_package(tmp_path / "b", N=16, M=16, seed=3)
    c = make_random_package(tmp_path / "c", N=16, M=16, seed=4)
    assert a.checksum == b.checksum != c.checksum


def test_unknown_format_version_is_refused(package_copy):
    manifest = json.loads((package_copy / "package.json").read_text())
    manifest["format_version"] = 7
    (package_copy / "package.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="format_version 7"):
        ModelPackage.load(package_copy)


def test_config_that_does_not_fit_the_weights_is_refused(package_copy):
    config = json.loads((package_copy / "config.json").read_text())
    config["N"] = 48
    (package_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelMismatchError, match="shape"):
        ModelPackage.load(package_copy)


def test_replaced_weights_are_refused(package_copy):
    weights = package_copy / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(InputError, match="checksum differs"):
        ModelPackage.load(package_copy)


def test_a_pickle_is_never_loaded(package_copy):
    torch.save({"x": torch.zeros(1)}, package_copy / "weights.safetensors")
    manifest = json.loads((package_copy / "package.json").read_text())
    manifest.pop("weights_sha256")
    (package_copy / "package.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="safetensors"):
        ModelPackage.load(package_copy)


def test_registry_finds_packages_on_the_model_path(
    tiny_rgb_model, tiny_s2_model, monkeypatch, tmp_path
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv(
        "SCICBIR_MODEL_PATH", f"{tiny_rgb_model.path.parent}:{tiny_s2_model.path.parent}"
    )
    ids = {m.model_id for m in list_models()}
    assert {tiny_rgb_model.model_id, tiny_s2_model.model_id} <= ids
    assert resolve_model(tiny_s2_model.model_id).checksum == tiny_s2_model.checksum
    assert resolve_model(str(tiny_rgb_model.path), num_bands=3).model_id == tiny_rgb_model.model_id
    with pytest.raises(InputError, match="takes 3 bands"):
        resolve_model(str(tiny_rgb_model.path), num_bands=12)
    with pytest.raises(InputError, match="not found"):
        resolve_model("no-such-model")
    with pytest.raises(InputError, match="no model for 5 bands"):
        resolve_model(None, num_bands=5)
