"""Fixtures for the plugin tests: isolated plugin settings, waiting for QgsTasks."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

SETTINGS_PREFIX = "scicbir/"


@pytest.fixture
def plugin_settings(tmp_path, engine_python):
    """Plugin settings pointing at the engine venv and a temporary results folder; the user's
    own settings are restored afterwards."""
    from qgis.core import QgsSettings

    from scicbir_qgis.core.settings import PluginSettings

    store = QgsSettings()
    saved = {key: store.value(key) for key in store.allKeys() if key.startswith(SETTINGS_PREFIX)}
    for key in saved:
        store.remove(key)
    settings = PluginSettings.load()
    settings.engine_python = engine_python
    settings.results_folder = str(tmp_path / "results")
    settings.save()
    yield settings
    for key in store.allKeys():
        if key.startswith(SETTINGS_PREFIX):
            store.remove(key)
    for key, value in saved.items():
        store.setValue(key, value)


def wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    """Spin the Qt event loop (task callbacks run there) until ``condition()`` holds."""
    from qgis.PyQt.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"not done within {timeout:g} s")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def wait_for_task(task, timeout: float = 120.0) -> None:
    """Wait until ``task`` has ended and its main-thread ``finished`` has run."""
    from scicbir_qgis.tasks import engine_task

    assert task is not None, "no task was started"
    wait_until(lambda: task not in engine_task._RUNNING, timeout)


@pytest.fixture(scope="session")
def engine_session():
    """The plugin's shared engine session (as in QGIS: one engine for panel, dialogs and
    Processing, started once); stopped at the end so that no engine process is left over."""
    from scicbir_qgis.core.engine import session

    shared = session()
    yield shared
    shared.stop()


@pytest.fixture(scope="session")
def small_rgb_folder(tmp_path_factory, data_dir):
    """Two small real RGB rasters cut from the committed samples (few tiles: fast on 2 cores).

    ``neon.tif``: 128 x 128 pixels of the NEON scene (EPSG:32617) -> 2 x 2 tiles of 64;
    ``rmnp.tif``: 192 x 128 pixels of the Rocky Mountain scene (EPSG:4326) -> 3 x 2 tiles.
    """
    from osgeo import gdal

    folder = tmp_path_factory.mktemp("rasters")
    gdal.Translate(
        str(folder / "neon.tif"),
        str(data_dir / "rgb" / "neon_OSBS_029.tif"),
        srcWin=[64, 64, 128, 128],
    )
    gdal.Translate(
        str(folder / "rmnp.tif"),
        str(data_dir / "rgb" / "rmnp-rgb.tif"),
        srcWin=[100, 100, 192, 128],
    )
    return folder


#: Validation figures of the test package's rate points (fewest bits first; the middle one is
#: the default point, whose weights are the package's own).
RATE_POINTS = (
    {"lmbda": 0.001, "bpp": 0.35, "psnr": 24.1},
    {"lmbda": 0.01, "bpp": 0.61, "psnr": 27.3},
    {"lmbda": 0.1, "bpp": 1.12, "psnr": 30.8},
)


@pytest.fixture(scope="session")
def rate_point_model(tmp_path_factory):
    """ModelPackage 'test-rgb-rates': the tiny random RGB network with three rate points
    (quality 1-3, default 2), alone in its folder; the other points' synthesis weights are
    scaled so that each point is its own weights (a second or so to write)."""
    from scicbir.models.package import ModelPackage
    from scicbir.models.testing import make_random_package

    package = make_random_package(
        tmp_path_factory.mktemp("rate-models") / "test-rgb-rates",
        bands=3,
        tile_size=64,
        N=32,
        M=32,
        name="test-rgb-rates",
    )
    net = package.build_network()
    state = net.state_dict()

    def variant(factor: float) -> dict:
        return {
            k: (v * factor if k.startswith("g_s.") and v.is_floating_point() else v.clone())
            for k, v in state.items()
        }

    points = [
        (dict(RATE_POINTS[0]), variant(0.9)),
        (dict(RATE_POINTS[1]), None),
        (dict(RATE_POINTS[2]), variant(1.1)),
    ]
    return ModelPackage.save(net, package.config, package.path, package.card, rate_points=points)


@pytest.fixture
def engine_with_rate_model(monkeypatch, engine_session, rate_point_model):
    """The shared engine restarted with the rate-point package's folder in
    ``$SCICBIR_MODEL_PATH`` (so ``models`` lists it); stopped again afterwards so that later
    tests get an engine without it."""
    monkeypatch.setenv("SCICBIR_MODEL_PATH", str(rate_point_model.path.parent))
    engine_session.stop()
    yield rate_point_model
    engine_session.stop()


@pytest.fixture
def provider(qgis_processing, plugin_settings, engine_session):
    """The plugin's Processing provider, registered for one test."""
    from qgis.core import QgsApplication

    from scicbir_qgis.processing_provider.provider import SciCbirProvider

    registry = QgsApplication.processingRegistry()
    provider = SciCbirProvider()
    registry.addProvider(provider)
    yield provider
    registry.removeProvider(provider)
