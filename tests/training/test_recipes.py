"""Recipes: the shipped models' configurations, installed with the engine and applied to a
dataset of the user's own; the service builds a training request from a recipe name."""

from __future__ import annotations

from pathlib import Path

import pytest

from scicbir.errors import InputError
from scicbir.service.methods import method_table, training
from scicbir.training.config import load_config
from scicbir.training.recipes import RECIPES, load_recipe, recipe_text, training_config

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_installed_recipes_are_the_files_in_engine_configs(name):
    """The package's copies must stay identical to engine/configs/ (the documented files that
    the shipped models were trained from)."""
    shipped = REPO / "engine" / "configs" / RECIPES[name].file
    assert recipe_text(name) == shipped.read_text(encoding="utf-8")
    cfg, same = load_recipe(name), load_config(shipped)
    assert cfg.model == same.model and cfg.stage1 == same.stage1 and cfg.stage3 == same.stage3


def test_recipes_scale_as_their_names_say():
    assert RECIPES["rgb-8bit"].label == "RGB 8-bit"
    assert load_recipe("rgb-8bit").data.normalisation_scale == 255.0
    assert RECIPES["sentinel2-12band"].label == "Sentinel-2 12-band"
    assert load_recipe("sentinel2-12band").data.normalisation_scale == 10000.0


def test_recipe_on_a_dataset_of_ones_own(tmp_path):
    cfg = training_config(
        recipe_name="rgb-8bit",
        dataset=str(tmp_path / "aid"),
        output=str(tmp_path / "runs" / "my-aid"),
        epochs=[3, 3, 1],
        batch_size=8,
        max_steps_per_epoch=0,
        scale=255,
    )
    recipe = load_recipe("rgb-8bit")
    assert [(s.format, s.path) for s in cfg.data.sources] == [
        ("class-folder", str(tmp_path / "aid"))
    ]
    assert cfg.output == str(tmp_path / "runs" / "my-aid") and cfg.name == "my-aid"
    assert (cfg.stage1.epochs, cfg.stage2.epochs, cfg.stage3.epochs) == (3, 3, 1)
    assert cfg.batch_size == 8 and cfg.max_steps_per_epoch is None
    assert cfg.data.normalisation_scale == 255.0
    assert cfg.model == recipe.model and cfg.stage2.lambdas == recipe.stage2.lambdas


def test_a_dataset_of_the_request_gets_its_scale_from_the_data(tmp_path):
    """A recipe's scale was chosen for the recipe's data; without a scale the run reads it."""
    cfg = training_config(
        recipe_name="sentinel2-12band", dataset=str(tmp_path), output=str(tmp_path / "run")
    )
    assert cfg.data.normalisation_scale == "auto"
    assert len(cfg.data.sources) == 1  # the recipe's two sources are replaced
    plain = training_config(dataset=str(tmp_path), output=str(tmp_path / "run"))
    assert plain.data.normalisation_scale == "auto"


def test_bad_recipe_requests_are_refused(tmp_path):
    with pytest.raises(InputError, match="unknown training recipe 'rgb'.*rgb-8bit"):
        training_config(recipe_name="rgb", dataset=str(tmp_path), output=str(tmp_path))
    with pytest.raises(InputError, match="needs the dataset folder"):
        training_config(recipe_name="rgb-8bit", output=str(tmp_path))
    with pytest.raises(InputError, match="scale"):
        training_config(
            recipe_name="rgb-8bit", dataset=str(tmp_path), output=str(tmp_path), scale=0
        )


def test_service_train_carries_recipe_and_scale(tmp_path, monkeypatch):
    seen = {}

    def fake_train(cfg, progress=None, cancel=None, restart=False):
        seen["cfg"] = cfg
        return {"package": str(tmp_path / "run" / "pkg")}

    monkeypatch.setattr("scicbir.training.train", fake_train)
    params = {
        "recipe": "rgb-8bit",
        "dataset": str(tmp_path / "data"),
        "kind": "class-folder",
        "output": str(tmp_path / "run"),
        "stages": [1, 3],
        "epochs": [5, 4, 3],
        "batch_size": 4,
        "max_steps_per_epoch": 10,
        "scale": 255.0,
        "offset": 0.0,
    }
    plan = training.train(None, params)
    assert plan.describe["recipe"] == "rgb-8bit"
    assert plan.run(None, None)["model"] == str(tmp_path / "run" / "pkg")
    cfg = seen["cfg"]
    assert cfg.data.normalisation_scale == 255.0 and cfg.stages == [1, 3]
    assert (cfg.stage1.epochs, cfg.stage3.epochs, cfg.batch_size) == (5, 3, 4)
    assert cfg.max_steps_per_epoch == 10


def test_service_inspect_reads_recipe_and_dataset(eurosat_classes):
    assert method_table()["train.inspect"].kind == "query"
    answer = training.inspect(None, {"recipe": "sentinel2-12band"})
    assert {r["name"] for r in answer["recipes"]} == set(RECIPES)
    assert answer["parameters"]["epochs"] == [600, 320, 1000]
    assert answer["parameters"]["normalisation_scale"] == 10000.0
    answer = training.inspect(
        None, {"recipe": "rgb-8bit", "dataset": str(eurosat_classes), "kind": "class-folder"}
    )
    assert answer["parameters"]["batch_size"] == 16  # the recipe's own
    facts = answer["dataset"]
    assert facts["samples"] == 4 and len(facts["bands"]) == 12
    assert facts["value_scale"]["scale"] == 10000.0
