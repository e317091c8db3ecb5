"""The model card's recipe says what the hash network reads, so two packages that differ only
in their hashing input can be told apart from their cards."""

from __future__ import annotations

from pathlib import Path

from scicbir.training.card import _stage3_line, append_evaluation
from scicbir.training.config import load_config

CONFIGS = Path(__file__).resolve().parents[2] / "engine" / "configs"


def test_recipe_line_names_the_hash_taps_and_their_pooling():
    cfg = load_config(CONFIGS / "default-rgb.yaml")
    cfg.model.hash_taps = [2, 5, 7]
    cfg.model.hash_tap_pooling = "mean+std"
    line = _stage3_line(cfg)
    assert "layers 2, 5, 7 features, mean and standard deviation per latent cell" in line
    assert "`hash_tap_pooling: mean+std`" in line
    cfg.model.hash_taps = [7]
    cfg.model.hash_tap_pooling = "mean"
    line = _stage3_line(cfg)
    assert "layer 7 features, average-pooled to the latent grid (`hash_taps: [7]`)" in line


def test_recipe_line_of_a_hash_network_on_the_latents_alone_names_no_taps():
    line = _stage3_line(load_config(CONFIGS / "default-rgb.yaml"))
    assert line.startswith("- stage 3: ") and "hash network input" not in line


def test_test_split_heading_counts_images_and_the_archive_tiles_cut_from_them():
    cut = append_evaluation("# m", {"test_samples": 800, "test_tiles": 3200})
    assert "## Test split (800 images cut into 3200 archive tiles, real bitstreams)" in cut
    whole = append_evaluation("# m", {"test_samples": 58, "test_tiles": 58})
    assert "## Test split (58 tiles, real bitstreams)" in whole
