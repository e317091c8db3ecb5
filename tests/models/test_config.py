"""ModelConfig: JSON round trip, validation messages, the paper's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from scicbir.errors import InputError
from scicbir.models.config import BIGEARTHNET_S2_BANDS, ModelConfig


def test_json_round_trip_keeps_every_field():
    config = ModelConfig(
        name="m",
        bands=BIGEARTHNET_S2_BANDS,
        tile_size=120,
        N=48,
        M=40,
        K=2,
        hash_bits=64,
        labels=("a", "b"),
        normalisation_scale=(20566.0,) * 12,
    )
    again = ModelConfig.from_json(config.to_json())
    assert again == config
    assert again.padded_size == 128 and again.latent_size == 8 and again.hyper_size == 2
    assert again.bands[8].name == "B8A" and again.bands[8].wavelength_nm == pytest.approx(864.7)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hash_bits": 20}, "hash_bits"),
        ({"hash_side": "middle"}, "hash_side"),
        ({"format_version": 99}, "format_version 99"),
        ({"normalisation_scale": [1.0]}, "one offset and one scale per band"),
        ({"bands": []}, "no bands"),
        ({"colour": "red"}, "unknown keys ['colour']"),
    ],
)
def test_bad_config_is_refused_with_the_field_named(change, words):
    data = ModelConfig(name="m", bands=BIGEARTHNET_S2_BANDS[:3]).to_dict()
    data.update(change)
    with pytest.raises(InputError, match=words.replace("[", r"\[").replace("]", r"\]")):
        ModelConfig.from_dict(data)


def test_paper_config_is_one_file_away(repo_root: Path):
    config = ModelConfig.load(repo_root / "engine" / "configs" / "model-paper.json")
    assert (config.N, config.M, config.K, config.num_bands) == (192, 128, 3, 12)
    assert config.hash_hidden == 512 and config.num_classes == 19
    assert config.padded_size == 128 and config.latent_size == 8
