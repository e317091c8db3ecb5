#!/usr/bin/env bash
# Screenshot of QGIS with the SCI-CBIR panel after a real search, as a user sees it.
#
#   bash scripts/screenshot_plugin.sh [OUT.png]      (default: build/screenshots/plugin-search.png)
#
# Builds a small archive from the committed RGB samples (tests/data/rgb) with the engine
# (the default RGB model when one is shipped, else a small random one), installs the packaged
# plugin into a throw-away QGIS profile, starts QGIS under Xvfb, runs a region search through
# the panel's own code and grabs the screen with ImageMagick's `import -window root`.
# Needs: xvfb-run, qgis, ImageMagick (import), the engine venv (.venv) from scripts/setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${SCICBIR_VENV:-$ROOT/.venv}/bin/python"
OUT="$(realpath -m "${1:-$ROOT/build/screenshots/plugin-search.png}")"
WORK="$(mktemp -d /tmp/scicbir-shot.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$OUT")"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/scicbir-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

echo "== archive from tests/data/rgb"
mkdir -p "$WORK/rasters"
cp "$ROOT"/tests/data/rgb/*.tif "$WORK/rasters/"
MODEL="$("$PY" - "$WORK" <<'PYEOF'
import sys
from pathlib import Path

work = Path(sys.argv[1])
model = ""
try:
    from scicbir.models.registry import list_models

    rgb = [m for m in list_models() if len(m.config.bands) == 3]
    model = str(rgb[0].path) if rgb else ""
except Exception as exc:  # no shipped model yet: a small random one shows the same GUI
    print("no shipped RGB model:", exc, file=sys.stderr)
if not model:
    from scicbir.models.testing import make_random_package

    model = str(make_random_package(work / "model", bands=3, tile_size=64, N=32, M=32).path)
print(model)
PYEOF
)"
echo "model: $MODEL"
"$(dirname "$PY")/scicbir" compress "$WORK/rasters" --archive "$WORK/archive" --model "$MODEL" 2>&1 | tail -1

echo "== plugin into a fresh profile"
python3 "$ROOT/scripts/build_plugin.py" deploy "$WORK/profiles/profiles/default/python/plugins" >/dev/null
mkdir -p "$WORK/profiles/profiles/default/QGIS"
cat > "$WORK/profiles/profiles/default/QGIS/QGIS3.ini" <<INI
[PythonPlugins]
scicbir_qgis=true
[qgis]
checkVersion=false
showTips=false
[scicbir]
engine_python=$PY
archive=$WORK/archive
k=8
results_folder=$WORK/results
INI

cat > "$WORK/shot.py" <<PYEOF
import qgis.utils
from qgis.core import QgsApplication, QgsGeometry, QgsProject, QgsRasterLayer, QgsRectangle
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

DONE = "$WORK/done"
query = QgsRasterLayer("$WORK/rasters/neon_OSBS_029.tif", "neon_OSBS_029 (query)")
other = QgsRasterLayer("$WORK/rasters/rmnp-rgb.tif", "rmnp-rgb")
QgsProject.instance().addMapLayer(other)
QgsProject.instance().addMapLayer(query)
iface.mainWindow().setGeometry(0, 0, 1600, 1000)
iface.mainWindow().showMaximized()

def finish():
    canvas = iface.mapCanvas()
    canvas.setExtent(query.extent().buffered(query.extent().width() * 0.05))
    canvas.refresh()
    QTimer.singleShot(4000, lambda: open(DONE, "w").write("ok"))

def search():
    plugin = qgis.utils.plugins["scicbir_qgis"]
    plugin.action.setChecked(True)
    panel = plugin.dock.search_panel
    panel.layer_combo.setLayer(query)
    extent = query.extent()
    region = QgsRectangle(
        extent.xMinimum() + extent.width() * 0.30, extent.yMinimum() + extent.height() * 0.35,
        extent.xMinimum() + extent.width() * 0.62, extent.yMinimum() + extent.height() * 0.62,
    )
    iface.mapCanvas().setDestinationCrs(query.crs())
    iface.mapCanvas().setExtent(extent)
    panel.set_region(QgsGeometry.fromRect(region), query.crs())
    task = panel.search()
    task.taskCompleted.connect(lambda: QTimer.singleShot(1500, finish))
    task.taskTerminated.connect(lambda: QTimer.singleShot(1500, finish))

QTimer.singleShot(3000, search)
PYEOF

echo "== QGIS under Xvfb"
env -u QT_QPA_PLATFORM xvfb-run -a -s "-screen 0 1600x1000x24" bash -c '
  qgis --profiles-path "$1/profiles" --nologo --noversioncheck --code "$1/shot.py" >"$1/qgis.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [[ -f "$1/done" ]] && break; sleep 1; done
  import -window root "$2" || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ -f "$1/done" ]]
' _ "$WORK" "$OUT" || { echo "QGIS did not finish; log:" >&2; tail -40 "$WORK/qgis.log" >&2; exit 1; }
echo "$OUT"
