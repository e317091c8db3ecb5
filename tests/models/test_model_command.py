"""``scicbir model list|info`` against packages on $SCICBIR_MODEL_PATH."""

from __future__ import annotations

import json

from scicbir.cli import main


def test_list_and_info_show_the_packages_on_the_model_path(
    tiny_rgb_model, tiny_s2_model, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("SCICBIR_MODEL_PATH", str(tiny_rgb_model.path.parent))
    assert main(["model", "list", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    entry = listed[tiny_rgb_model.model_id]
    assert entry["checksum"] == tiny_rgb_model.checksum
    assert entry["bands"] == ["red", "green", "blue"] and entry["hash_bits"] == 32
    assert main(["model", "info", tiny_rgb_model.model_id, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["config"]["N"] == 32 and "Randomly initialised" in info["card"]
    assert main(["model", "info", "nothing-called-this"]) == 1
    assert "not found" in capsys.readouterr().err
