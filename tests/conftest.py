"""Shared fixtures: paths of the committed real samples and of the engine's interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def engine_python() -> str:
    """The interpreter of the engine venv (the one running the tests, set up by setup.sh)."""
    return sys.executable


@pytest.fixture(scope="session")
def engine_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "2")
    return env


# --- tiny random model packages (scicbir.models.testing), shared by every engine test -------
S2_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]


@pytest.fixture(scope="session")
def tiny_rgb_model(tmp_path_factory):
    """ModelPackage: 3 bands (red, green, blue; /255), tile 64, N=M=32, 32-bit codes, random."""
    from scicbir.models.testing import make_random_package

    return make_random_package(
        tmp_path_factory.mktemp("models") / "tiny-rgb", bands=3, tile_size=64, N=32, M=32
    )


@pytest.fixture(scope="session")
def tiny_s2_model(tmp_path_factory):
    """ModelPackage: the 12 BigEarthNet-S2 bands (/20566), tile 120 (padded to 128), random."""
    from scicbir.models.testing import make_random_package

    return make_random_package(
        tmp_path_factory.mktemp("models") / "tiny-s2", bands=S2_BANDS, tile_size=120, N=32, M=32
    )
