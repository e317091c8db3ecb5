"""Engine and plugin speak one protocol: the same module on both sides, and real engine answers
parse into its typed objects."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_COPY = ROOT / "engine" / "scicbir" / "protocol_v1.py"
PLUGIN_COPY = ROOT / "scicbir_qgis" / "engine_client" / "protocol_v1.py"


def test_the_plugin_carries_the_engines_protocol_module_byte_for_byte():
    assert PLUGIN_COPY.read_bytes() == ENGINE_COPY.read_bytes(), (
        "copy engine/scicbir/protocol_v1.py to scicbir_qgis/engine_client/ "
        "(scripts/build_plugin.py does it when staging)"
    )
    tree = ast.parse(ENGINE_COPY.read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_the_engines_method_table_and_error_codes_are_the_protocols():
    from scicbir import PROTOCOL_VERSION, errors, protocol_v1
    from scicbir.service.methods import method_table

    assert PROTOCOL_VERSION == protocol_v1.PROTOCOL_VERSION
    assert {name: m.kind for name, m in method_table().items()} == protocol_v1.METHODS
    codes = {
        getattr(errors, name).code
        for name in dir(errors)
        if isinstance(getattr(errors, name), type) and hasattr(getattr(errors, name), "code")
    }
    assert codes - {"error"} <= set(protocol_v1.ERROR_CODES)


def test_staging_the_plugin_copies_the_protocol_module(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_plugin
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    target = build_plugin.stage(tmp_path / "build")
    staged = target / "engine_client" / "protocol_v1.py"
    assert staged.read_bytes() == ENGINE_COPY.read_bytes()
    shutil.rmtree(tmp_path / "build")


def test_real_engine_answers_parse_into_the_protocols_types(tmp_path, data_dir, tiny_rgb_model):
    """compress and search answers of the engine, as the service sends them, read by the
    plugin's copy of the module (a missing field raises instead of being guessed)."""
    from scicbir.archive.requests import CompressRequest, run_compress
    from scicbir.search.api import search
    from scicbir_qgis.engine_client import protocol_v1 as plugin_side

    sources = tmp_path / "src"
    sources.mkdir()
    shutil.copy(data_dir / "rgb" / "rmnp-rgb.tif", sources / "rmnp.tif")
    archive = tmp_path / "archive"
    summary = run_compress(
        CompressRequest(input=str(sources), archive=str(archive), model=str(tiny_rgb_model.path))
    ).as_dict()
    compressed = plugin_side.CompressAnswer.from_json(summary)
    assert Path(compressed.catalog).is_file() and compressed.added == 1
    answer = search(archive, raster=str(sources / "rmnp.tif"), k=4, exclude_self=False).to_dict()
    answer["archive"] = str(archive)
    found = plugin_side.SearchAnswer.from_json(answer)
    assert [h.rank for h in found.hits] == [1, 2, 3, 4]
    assert all(h.source.endswith("rmnp.tif") for h in found.hits)
    del answer["results"][0]["tile_id"]
    with pytest.raises(plugin_side.AnswerError, match="tile_id"):
        plugin_side.SearchAnswer.from_json(answer)
    trained = plugin_side.TrainAnswer.from_json({"model": "/m", "archive": "/a"})
    assert (trained.model, trained.archive) == ("/m", "/a")
