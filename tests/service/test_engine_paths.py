"""Path mapping for an engine on another machine: the pure translation, the explicit list of
path fields checked against the engine's own param names, and the real engine (started as a
command line) seeing the data under other folders than the client: every path sent is made
remote, every path answered is made local, and a path the engine cannot see is named with its
mapping."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from scicbir_qgis.engine_client import (
    EngineClient,
    EngineError,
    PathMap,
    PathMapping,
    RemotePathError,
    parse_engine_setting,
    protocol_v1,
)
from scicbir_qgis.engine_client.paths import (
    ANSWER_PATHS,
    OUTPUT_PARAMS,
    PATH_PARAMS,
    Translation,
    unseen_path,
)

from .test_service_jobs import TOTAL_TILES, write_crops

SCICBIR = str(Path(sys.executable).parent / "scicbir")


# ---------------------------------------------------------------- pure translation


def test_paths_move_by_the_longest_matching_folder_and_only_whole_components():
    paths = PathMap(
        [PathMapping("/home/me/archives", "/mnt/archives"), PathMapping("/home/me", "/srv/me")]
    )
    assert paths.to_remote("/home/me/archives/a/x.tif") == "/mnt/archives/a/x.tif"
    assert paths.to_remote("/home/me/archives") == "/mnt/archives"
    assert paths.to_remote("/home/me/other/y.tif") == "/srv/me/other/y.tif"
    assert paths.to_remote("/home/meg/z.tif") == "/home/meg/z.tif"  # not inside /home/me
    assert paths.to_remote("relative/x.tif") == "relative/x.tif"
    assert paths.to_remote("scicbir-rgb-aid") == "scicbir-rgb-aid"  # a model name
    assert paths.to_local("/mnt/archives/a/x.tif") == "/home/me/archives/a/x.tif"
    assert paths.to_local("/srv/me") == "/home/me"
    assert paths.to_local("/opt/elsewhere") == "/opt/elsewhere"
    assert PathMap().to_remote("/home/me/x") == "/home/me/x"


def test_windows_laptop_paths_map_to_posix_engine_paths():
    paths = PathMap([PathMapping(r"D:\Data\Archives", "/mnt/archives")], windows=True)
    assert paths.to_remote(r"d:\data\archives\rgb\catalog.gpkg") == "/mnt/archives/rgb/catalog.gpkg"
    assert paths.to_local("/mnt/archives/rgb/t.tif") == r"D:\Data\Archives\rgb\t.tif"


@pytest.mark.parametrize(
    "local, remote", [("relative/dir", "/mnt/x"), ("/home/me", "mnt/x"), ("", "/mnt/x")]
)
def test_a_mapping_needs_two_absolute_folders(local, remote):
    with pytest.raises(ValueError, match="absolute"):
        PathMap([PathMapping(local, remote)])


def test_params_answers_and_notifications_are_translated_by_field():
    paths = PathMap([PathMapping("/home/me/data", "/mnt/data")])
    params, sent = paths.translate_params(
        "search",
        {"archive": "/home/me/data/arch", "raster": "/home/me/data/q.tif", "crs": "/home/me/data"},
    )
    assert params["archive"] == "/mnt/data/arch" and params["raster"] == "/mnt/data/q.tif"
    assert params["crs"] == "/home/me/data"  # not a path field: never touched
    assert {t.param for t in sent} == {"archive", "raster"}
    models, _ = paths.translate_params("models", {"dirs": ["/home/me/data/m", "/opt/m"]})
    assert models["dirs"] == ["/mnt/data/m", "/opt/m"]

    jobs = paths.localise_answer(
        "jobs",
        {
            "jobs": [
                {
                    "method": "compress",
                    "params": {"input": "/mnt/data/src", "archive": "/mnt/data/a", "model": "m"},
                    "progress": {"figures": {"source": "/mnt/data/src/x.tif"}},
                    "result": {"archive": "/mnt/data/a", "sources": [{"path": "/mnt/data/s"}]},
                    "error": None,
                }
            ]
        },
    )
    job = jobs["jobs"][0]
    assert job["params"] == {
        "input": "/home/me/data/src",
        "archive": "/home/me/data/a",
        "model": "m",
    }
    assert job["progress"]["figures"]["source"] == "/home/me/data/src/x.tif"
    assert job["result"]["sources"][0]["path"] == "/home/me/data/s"

    finished = paths.localise_notification(
        "job.finished",
        {
            "method": "decode",
            "result": {"files": [{"path": "/mnt/data/t1.tif"}], "path": "/mnt/data/w.tif"},
            "error": {"code": "invalid_input", "data": {"file": "/mnt/data/bad.tif"}},
        },
    )
    assert finished["result"]["files"][0]["path"] == "/home/me/data/t1.tif"
    assert finished["result"]["path"] == "/home/me/data/w.tif"
    assert finished["error"]["data"]["file"] == "/home/me/data/bad.tif"


# ---------------------------------------------------------------- the field lists are complete

#: Params of each method that are not paths. With ``PATH_PARAMS`` they must give exactly the
#: names the engine accepts, so a param added to the engine fails here until it is classified.
NOT_PATHS: dict[str, set[str]] = {
    "hello": {"client"},
    "ping": set(),
    "info": set(),
    "models": set(),
    "jobs": {"job"},
    "cancel": {"job", "request"},
    "shutdown": set(),
    "archive.info": set(),
    "archive.verify": set(),
    "compress": {"bands", "band_names", "workers", "batch_size", "psnr", "quality", "cluster"},
    "index.rebuild": set(),
    "decode": {"tiles"},
    "search": {"bbox", "geometry", "crs", "tile", "k", "exclude_self", "bands", "band_names"},
    "train": {
        "recipe",
        "kind",
        "stages",
        "epochs",
        "batch_size",
        "max_steps_per_epoch",
        "scale",
        "offset",
        "device",
        "name",
        "resume",
    },  # fmt: skip
    "train.inspect": {"recipe", "kind"},
    "eval": {"split", "max_samples", "device"},
}
NOT_PATHS["search.refine"] = NOT_PATHS["search"] | {"relevant", "irrelevant", "method"}


def _engine_param_names() -> dict[str, set[str]]:
    """The params each method of the engine accepts, read from the engine's own tables."""
    from scicbir.archive.requests import COMPRESS_FIELDS, DECODE_FIELDS
    from scicbir.search.request import FIELDS as SEARCH_FIELDS
    from scicbir.search.request import REFINE_FIELDS
    from scicbir.service.methods.training import INSPECT_PARAMS
    from scicbir.training.adapt import _SETTINGS
    from scicbir.training.request import FIELDS as TRAIN_FIELDS

    return {
        "compress": set(COMPRESS_FIELDS),
        "decode": set(DECODE_FIELDS),
        "search": set(SEARCH_FIELDS),
        "search.refine": set(REFINE_FIELDS),
        "train": set(TRAIN_FIELDS),
        "train.inspect": set(INSPECT_PARAMS),
        "train.archive": {"archive", "output", "name", "device", *_SETTINGS},
    }


def test_every_method_has_its_path_fields_listed():
    assert set(PATH_PARAMS) == set(protocol_v1.METHODS)
    assert set(ANSWER_PATHS) == set(protocol_v1.METHODS)
    assert all(set(OUTPUT_PARAMS[m]) <= set(PATH_PARAMS[m]) for m in OUTPUT_PARAMS)


def test_every_engine_param_is_classified_as_path_or_not():
    from scicbir.training.adapt import _SETTINGS

    not_paths = dict(NOT_PATHS, **{"train.archive": {"name", "device", *_SETTINGS}})
    for method, names in _engine_param_names().items():
        listed = set(PATH_PARAMS[method]) | not_paths[method]
        assert names == listed, f"{method}: classify {sorted(names ^ listed)}"


def test_methods_without_a_field_table_accept_exactly_the_listed_params(engine_python):
    # The other methods check their params with ``Params(name, params, allowed)``: an unknown
    # param is refused naming the allowed ones, so a param not in the lists is refused.
    client = EngineClient(engine_python)
    try:
        client.start()
        for method in ("models", "archive.info", "archive.verify", "index.rebuild", "eval"):
            known = set(PATH_PARAMS[method]) | NOT_PATHS[method]
            with pytest.raises(EngineError) as err:
                client.call(method, {"no_such_param": 1}, timeout=120)
            assert err.value.code == "invalid_params", (method, err.value.message)
            for name in known:
                assert name in err.value.message, (method, name, err.value.message)
    finally:
        client.stop()


# ---------------------------------------------------------------- a path the engine cannot see


def test_unseen_path_needs_a_missing_answer_and_a_present_local_path(tmp_path):
    there = tmp_path / "q.tif"
    there.write_bytes(b"x")
    sent = [Translation("raster", str(there), "/mnt/x/q.tif")]
    missing = {"file": "/mnt/x/q.tif", "reason": "raster_missing"}
    assert unseen_path("invalid_input", "gone", missing, sent) == sent[0]
    assert unseen_path("model_mismatch", "gone", missing, sent) is None
    assert unseen_path("invalid_input", "bands do not fit", {"file": "/mnt/x/q.tif"}, sent) is None
    gone = [Translation("raster", str(tmp_path / "absent.tif"), "/mnt/x/absent.tif")]
    assert unseen_path("invalid_input", "/mnt/x/absent.tif does not exist", {}, gone) is None
    output = [Translation("out", str(tmp_path / "new.gpkg"), "/mnt/x/new.gpkg", output=True)]
    message = "/mnt/x/new.gpkg: the folder /mnt/x does not exist; create it"
    assert unseen_path("invalid_input", message, {"file": "/mnt/x/new.gpkg"}, output) == output[0]


# ---------------------------------------------------------------- the engine setting


def test_the_engine_setting_is_a_python_or_a_command(tmp_path):
    spaced = tmp_path / "my envs" / "python"
    spaced.parent.mkdir()
    spaced.write_text("")
    assert parse_engine_setting(str(spaced)).argv == (str(spaced), "-m", "scicbir", "serve")
    assert parse_engine_setting("python3").is_python
    command = parse_engine_setting("ssh -p 2222 gpu-box '/opt/sci cbir/bin/scicbir' serve")
    assert not command.is_python
    assert command.argv == ("ssh", "-p", "2222", "gpu-box", "/opt/sci cbir/bin/scicbir", "serve")
    for bad in ("", "   ", "ssh 'unclosed"):
        with pytest.raises(ValueError):
            parse_engine_setting(bad)


# ---------------------------------------------------------------- the real engine


def leaks(value: Any, prefix: str, where: str = "") -> list[str]:
    """Key paths of the strings in ``value`` that still hold the engine's folder ``prefix``."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += leaks(item, prefix, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += leaks(item, prefix, f"{where}[{i}]")
    elif isinstance(value, str) and prefix in value:
        found.append(f"{where}={value}")
    return found


def catalog_sources(archive: Path) -> list[str]:
    """The source paths the engine recorded: the paths it was given."""
    with sqlite3.connect(archive / "catalog.gpkg") as db:
        return [row[0] for row in db.execute("SELECT path FROM sources ORDER BY path")]


def make_two_views(root: Path, data_dir: Path) -> tuple[Path, Path]:
    """The data once, seen under two folders: ``remote`` (the engine's view, the real folder)
    and ``local`` (the client's view, a symlink to it)."""
    from scicbir.models.testing import make_random_package

    remote = root / "gpu" / "data"
    make_random_package(remote / "models" / "tiny", bands=3, tile_size=64, N=16, M=16, hash_bits=32)
    write_crops(data_dir, remote / "src")
    (remote / "results").mkdir()
    local = root / "laptop" / "archives"
    local.parent.mkdir(parents=True)
    local.symlink_to(remote, target_is_directory=True)
    return local, remote


@pytest.fixture(scope="module")
def views(tmp_path_factory, data_dir):
    return make_two_views(tmp_path_factory.mktemp("views"), data_dir)


def test_a_command_engine_sees_remote_paths_and_the_client_only_local_ones(views, tmp_path):
    local, remote = views
    scratch = tmp_path / "scratch"  # here only: mapped to a folder the engine does not have
    scratch.mkdir()
    (scratch / "query.tif").write_bytes((local / "src" / "a_neon.tif").read_bytes())
    paths = PathMap(
        [
            PathMapping(str(local), str(remote)),
            PathMapping(str(scratch), str(tmp_path / "not-mounted")),
        ]
    )
    notes: list[tuple[str, dict]] = []
    client = EngineClient.for_setting(
        f"{SCICBIR} serve", path_map=paths, on_notification=lambda m, p: notes.append((m, p))
    )
    assert client.is_command
    answers: dict[str, Any] = {}
    try:
        answers["hello"] = client.start()
        job = client.start_job(
            "compress",
            {
                "input": str(local / "src"),
                "archive": str(local / "arch"),
                "model": str(local / "models" / "tiny"),
            },
        )
        answers["compress"] = client.wait_job(job, timeout=300)
        assert answers["compress"]["tiles"] == TOTAL_TILES
        # the engine was given its own paths, the client got its own back
        assert all(p.startswith(str(remote / "src")) for p in catalog_sources(remote / "arch"))
        assert answers["compress"]["archive"] == str(local / "arch")
        assert {s["path"] for s in answers["compress"]["sources"]} == {
            str(local / "src" / name) for name in ("a_neon.tif", "b_neon.tif", "c_rmnp.tif")
        }
        answers["archive.info"] = client.call("archive.info", {"archive": str(local / "arch")})
        answers["archive.verify"] = client.call("archive.verify", {"archive": str(local / "arch")})
        search = {
            "archive": str(local / "arch"),
            "raster": str(local / "src" / "a_neon.tif"),
            "k": 3,
            "out": str(local / "results" / "hits.gpkg"),
            "decode": str(local / "results" / "tiles"),
        }
        answers["search"] = found = client.call("search", search, timeout=300)
        assert found["results"] and all(
            Path(hit["path"]).is_file() and hit["path"].startswith(str(local))
            for hit in found["results"]
        )
        assert found["out"] == search["out"] and Path(found["out"]).is_file()
        answers["decode"] = client.call(
            "decode",
            {"archive": str(local / "arch"), "tiles": [1], "out_dir": str(local / "results" / "d")},
            timeout=300,
        )
        answers["decode-source"] = client.call(
            "decode",
            {
                "archive": str(local / "arch"),
                "source": str(local / "src" / "a_neon.tif"),
                "out": str(local / "results" / "whole.tif"),
            },
            timeout=300,
        )
        assert Path(answers["decode-source"]["path"]) == local / "results" / "whole.tif"
        answers["index.rebuild"] = client.wait_job(
            client.start_job("index.rebuild", {"archive": str(local / "arch")}), timeout=300
        )
        answers["models"] = client.call("models", {"dirs": [str(local / "models")]}, timeout=300)
        assert str(local / "models" / "tiny") in {m["path"] for m in answers["models"]["models"]}
        answers["jobs"] = client.jobs()
        answers["ping"] = client.call("ping")
        assert answers["ping"]["pong"] is True

        # every path field of every answer and notification came back local
        assert leaks(answers, str(remote)) == []
        assert leaks([p for m, p in notes if m != "log"], str(remote)) == []
        assert any(
            m == "progress" and p["figures"].get("source", "").startswith(str(local))
            for m, p in notes
        )

        # a path that exists here but not on the engine's side is named with its mapping
        with pytest.raises(RemotePathError) as err:
            client.call("search", dict(search, raster=str(scratch / "query.tif"), out=None))
        assert err.value.local == str(scratch / "query.tif")
        assert err.value.remote == str(tmp_path / "not-mounted" / "query.tif")
        assert err.value.local in err.value.message and err.value.remote in err.value.message
        assert "path mapping" in err.value.message
        with pytest.raises(RemotePathError) as err:
            client.start_job("compress", {"input": str(scratch), "archive": str(local / "arch")})
        assert err.value.param == "input" and err.value.remote == str(tmp_path / "not-mounted")
        # a file missing on both sides stays the engine's own error
        with pytest.raises(EngineError) as err:
            client.call("search", dict(search, raster=str(local / "src" / "gone.tif"), out=None))
        assert not isinstance(err.value, RemotePathError)
        assert err.value.data["reason"] == "raster_missing"
        assert err.value.data["file"] == str(local / "src" / "gone.tif")  # made local too
    finally:
        client.stop()
    assert json.dumps(answers)  # all plain JSON
