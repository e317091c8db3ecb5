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
