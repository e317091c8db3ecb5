#!/usr/bin/env bash
# Screenshots of QGIS with the SCI-CBIR panel after a real search with relevance feedback, as a
# user sees it.
#
#   bash scripts/screenshot_plugin.sh [OUT.png]      (default: build/screenshots/plugin-search.png)
#
# Writes two PNGs: OUT.png, the search's results on the canvas with results marked relevant and
# not relevant in the panel's list, and OUT-refined.png, after pressing Refine: the refined
# result layers on the canvas and the list in its new order, marks kept.
#
# Builds a small archive from the committed RGB samples (tests/data/rgb) with the engine
# (the default RGB model when one is shipped, else a small random one), installs the packaged
# plugin into a throw-away QGIS profile, starts QGIS under Xvfb, runs a region search through
# the panel's own code, marks results as a user would (results from the query's own scene
# relevant, from the other scene not relevant), presses Refine, grabs the screen after each step
# and stores the PNGs with 256 colours (ImageMagick) so that they stay small in the repository.
# Needs: xvfb-run, qgis, ImageMagick (convert), the engine venv (.venv) from scripts/setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${SCICBIR_VENV:-$ROOT/.venv}/bin/python"
OUT="$(realpath -m "${1:-$ROOT/build/screenshots/plugin-search.png}")"
REFINED="${OUT%.png}-refined.png"
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
from pathlib import Path

import qgis.utils
from qgis.core import QgsApplication, QgsGeometry, QgsProject, QgsRasterLayer, QgsRectangle
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface

DONE = "$WORK/done"
SHOTS = {"marks": "$WORK/marks.png", "refined": "$WORK/refined.png"}
query = QgsRasterLayer("$WORK/rasters/neon_OSBS_029.tif", "neon_OSBS_029 (query)")
other = QgsRasterLayer("$WORK/rasters/rmnp-rgb.tif", "rmnp-rgb")
QgsProject.instance().addMapLayer(other)
QgsProject.instance().addMapLayer(query)
iface.mainWindow().setGeometry(0, 0, 1600, 1000)
iface.mainWindow().showMaximized()
# The layer tree gets the left side, wide enough for the result group's name ("... (refined)").
browser = iface.mainWindow().findChild(QDockWidget, "Browser")
if browser is not None:
    browser.hide()
layers = iface.mainWindow().findChild(QDockWidget, "Layers")
if layers is not None:
    iface.mainWindow().resizeDocks([layers], [400], Qt.Horizontal)

def panel():
    return qgis.utils.plugins["scicbir_qgis"].dock.search_panel

def show_canvas():
    canvas = iface.mapCanvas()
    canvas.setExtent(query.extent().buffered(query.extent().width() * 0.05))
    canvas.refresh()

def grab(name, then):
    """The whole screen as the user sees it, after the canvas has rendered."""
    QApplication.primaryScreen().grabWindow(0).save(SHOTS[name], "PNG")
    then()

def mark():
    """Mark results as a user would after looking at them: ranks 1 and 3 relevant, rank 5 not
    relevant (the archive and the model are fixed, so these are the same tiles every run: with
    the shipped RGB model, shrub and shadow like the region, and a tile of stripes)."""
    from scicbir_qgis.ui.search_panel import TILE_ROLE

    search_panel = panel()
    items = [search_panel.results_list.item(i) for i in range(search_panel.results_list.count())]
    relevant = [items[k] for k in (0, 2) if k < len(items)]
    irrelevant = items[4:5] or items[-1:]
    for chosen, good in ((relevant, True), (irrelevant, False)):
        search_panel.results_list.clearSelection()
        for item in chosen:
            item.setSelected(True)
        search_panel.mark_selected(good)
    search_panel.results_list.clearSelection()
    print("marked", [i.data(TILE_ROLE) for i in relevant], [i.data(TILE_ROLE) for i in irrelevant])
    show_canvas()
    QTimer.singleShot(4000, lambda: grab("marks", refine))

def refine():
    task = panel().refine()
    task.taskCompleted.connect(lambda: QTimer.singleShot(1500, finish))
    task.taskTerminated.connect(lambda: QTimer.singleShot(1500, finish))

def finish():
    show_canvas()
    QTimer.singleShot(4000, lambda: grab("refined", lambda: Path(DONE).write_text("ok")))

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
    task.taskCompleted.connect(lambda: QTimer.singleShot(1500, mark))
    task.taskTerminated.connect(lambda: QTimer.singleShot(1500, mark))

QTimer.singleShot(3000, search)
PYEOF

echo "== QGIS under Xvfb"
env -u QT_QPA_PLATFORM xvfb-run -a -s "-screen 0 1600x1000x24" bash -c '
  qgis --profiles-path "$1/profiles" --nologo --noversioncheck --code "$1/shot.py" >"$1/qgis.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do [[ -f "$1/done" ]] && break; sleep 1; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ -f "$1/done" ]]
' _ "$WORK" || { echo "QGIS did not finish; log:" >&2; tail -40 "$WORK/qgis.log" >&2; exit 1; }
grep -m1 "^marked" "$WORK/qgis.log" || true
# 256 colours without dithering: under half the bytes of a true-colour PNG (dithered imagery
# hardly compresses), and the UI and the tiles still read well
convert "$WORK/marks.png" -dither None -colors 256 "PNG8:$OUT"
convert "$WORK/refined.png" -dither None -colors 256 "PNG8:$REFINED"
echo "$OUT"
echo "$REFINED"
