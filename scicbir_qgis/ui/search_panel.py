"""Search tab: pick archive and query raster, draw a region, get similar tiles as layers.

Result layers (marked by ``results.RESULT_PROPERTY``) are left out of the query raster choice,
also after a project is reopened. When a search starts, the query layer is drawn in true colour
like the results; its previous renderer is kept so that "Restore query layer style" puts it back.

Relevance feedback: the user marks results in the list as relevant / not relevant and presses
Refine; the engine re-ranks the whole archive from the marks (``search.refine``, a linear model
on the stored hash logits, milliseconds) and the result layers are replaced by the new ranking.
Marks are kept by tile id across rounds, so a second refinement adds to the first, and are
cleared by a new search.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsCoordinateTransform,
    QgsGeometry,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
    QgsRasterRenderer,
)
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtGui import QColor, QIcon, QPixmap
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import rendering
from ..core import results as result_layers
from ..core.engine import EngineSession, session
from ..core.i18n import tr
from ..core.queries import QueryError, new_results_dir, search_params
from ..core.settings import PluginSettings
from ..paths import icon_path
from ..tasks.engine_task import EngineTask, submit
from . import feedback
from .map_tool import POLYGON, RECTANGLE, RegionMapTool

THUMB = QSize(72, 72)
#: list item role holding the result's archive tile id
TILE_ROLE = Qt.UserRole + 1
RELEVANT_COLOUR = QColor("#d9f0d3")
IRRELEVANT_COLOUR = QColor("#fddbc7")


class SearchPanel(QWidget):
    """Everything of the Search tab; ``search()`` is what the Search button runs."""

    def __init__(self, iface, parent=None, engine: EngineSession | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.engine = engine or session()
        self.canvas = iface.mapCanvas()
        self.settings = PluginSettings.load()
        self.region = None
        self.region_crs = None
        self.task: EngineTask | None = None
        self.last_result: result_layers.ResultLayers | None = None
        self.map_tool = RegionMapTool(self.canvas)
        self.map_tool.regionDrawn.connect(self._on_region)
        self.map_tool.regionCleared.connect(self.clear_region)
        # query layer id -> its renderer before the search styled it
        self.saved_styles: dict[str, QgsRasterRenderer] = {}
        # relevance feedback: the last search's params and query name, marks by tile id
        self.last_params: dict | None = None
        self.last_query = ""
        self.marks: dict[int, bool] = {}
        self._build()
        project = QgsProject.instance()
        project.layersAdded.connect(self.update_query_layers)
        project.readProject.connect(self.update_query_layers)
        self.update_query_layers()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        help_label = QLabel(
            tr(
                "1. Choose the archive and the raster to query. 2. Draw a rectangle or polygon "
                "on the map. 3. Press Search: the most similar archive tiles appear in the "
                "group 'Similar tiles', best first."
            ),
            self,
        )
        help_label.setWordWrap(True)
        help_label.setObjectName("searchHelp")
        layout.addWidget(help_label)

        form = QFormLayout()
        self.archive_edit = QgsFileWidget(self)
        self.archive_edit.setObjectName("searchArchive")
        self.archive_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.archive_edit.setFilePath(self.settings.archive)
        self.archive_edit.setToolTip(tr("Archive folder made with the Archive tab"))
        form.addRow(tr("Archive"), self.archive_edit)

        self.layer_combo = QgsMapLayerComboBox(self)
        self.layer_combo.setObjectName("queryLayer")
        self.layer_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.layer_combo.setToolTip(tr("The raster the region is read from"))
        query_row = QHBoxLayout()
        query_row.addWidget(self.layer_combo, 1)
        self.restore_button = QToolButton(self)
        self.restore_button.setObjectName("restoreQueryStyle")
        self.restore_button.setText(tr("Restore query layer style"))
        self.restore_button.setToolTip(
            tr("Put back the query layer's style from before the search drew it in true colour")
        )
        self.restore_button.clicked.connect(self.restore_query_style)
        self.restore_button.setEnabled(False)
        self.layer_combo.layerChanged.connect(self._update_restore_button)
        query_row.addWidget(self.restore_button)
        form.addRow(tr("Query raster"), query_row)

        draw_row = QHBoxLayout()
        self.rect_button = QToolButton(self)
        self.rect_button.setText(tr("Rectangle"))
        self.rect_button.setCheckable(True)
        self.rect_button.setToolTip(tr("Draw the query region as a rectangle (press and drag)"))
        self.rect_button.clicked.connect(lambda: self.activate_tool(RECTANGLE))
        self.poly_button = QToolButton(self)
        self.poly_button.setText(tr("Polygon"))
        self.poly_button.setCheckable(True)
        self.poly_button.setToolTip(
            tr("Draw the query region as a polygon (click vertices, right-click to finish)")
        )
        self.poly_button.clicked.connect(lambda: self.activate_tool(POLYGON))
        self.region_label = QLabel(tr("no region drawn"), self)
        draw_row.addWidget(self.rect_button)
        draw_row.addWidget(self.poly_button)
        draw_row.addWidget(self.region_label, 1)
        form.addRow(tr("Region"), draw_row)

        self.k_spin = QSpinBox(self)
        self.k_spin.setRange(1, 500)
        self.k_spin.setValue(self.settings.k)
        self.k_spin.setToolTip(tr("How many similar tiles to return"))
        form.addRow(tr("Results (k)"), self.k_spin)

        self.keep_check = QCheckBox(tr("Keep previous results"), self)
        self.keep_check.setChecked(self.settings.keep_previous_results)
        form.addRow("", self.keep_check)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.search_button = QPushButton(QIcon(icon_path()), tr("Search"), self)
        self.search_button.setObjectName("searchButton")
        self.search_button.clicked.connect(self.search)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.search_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.results_list = QListWidget(self)
        self.results_list.setObjectName("resultsList")
        self.results_list.setIconSize(THUMB)
        self.results_list.setToolTip(tr("Click a result to zoom to it"))
        self.results_list.itemClicked.connect(self._zoom_to_item)
        self.results_list.setSelectionMode(QListWidget.ExtendedSelection)
        layout.addWidget(self.results_list, 1)

        marks = QHBoxLayout()
        self.relevant_button = QToolButton(self)
        self.relevant_button.setObjectName("markRelevant")
        self.relevant_button.setText(tr("Relevant"))
        self.relevant_button.setToolTip(tr("Mark the selected results as what you are looking for"))
        self.relevant_button.clicked.connect(lambda: self.mark_selected(True))
        self.irrelevant_button = QToolButton(self)
        self.irrelevant_button.setObjectName("markIrrelevant")
        self.irrelevant_button.setText(tr("Not relevant"))
        self.irrelevant_button.setToolTip(tr("Mark the selected results as not what you mean"))
        self.irrelevant_button.clicked.connect(lambda: self.mark_selected(False))
        self.unmark_button = QToolButton(self)
        self.unmark_button.setText(tr("Clear marks"))
        self.unmark_button.clicked.connect(self.clear_marks)
        self.refine_button = QPushButton(tr("Refine"), self)
        self.refine_button.setObjectName("refineButton")
        self.refine_button.setToolTip(
            tr(
                "Re-rank the whole archive from the marked results (relevance feedback) and "
                "replace the results"
            )
        )
        self.refine_button.clicked.connect(self.refine)
        marks.addWidget(self.relevant_button)
        marks.addWidget(self.irrelevant_button)
        marks.addWidget(self.unmark_button)
        marks.addStretch(1)
        marks.addWidget(self.refine_button)
        layout.addLayout(marks)
        self._update_mark_buttons()

    # Query layer --------------------------------------------------------------------------
    def update_query_layers(self, *_args) -> None:
        """Leave result layers (decoded tiles, footprints) out of the query raster choice."""
        project = QgsProject.instance()
        excluded = [
            layer for layer in project.mapLayers().values() if result_layers.is_result_layer(layer)
        ]
        self.layer_combo.setExceptedLayerList(excluded)
        if result_layers.is_result_layer(self.layer_combo.currentLayer()):
            self.layer_combo.setLayer(None)

    def style_query_layer(self, layer: QgsRasterLayer) -> None:
        """Draw ``layer`` in true colour like the results, remembering its first own style."""
        if layer.id() not in self.saved_styles and layer.renderer() is not None:
            self.saved_styles[layer.id()] = layer.renderer().clone()
        rendering.style_query_layer(layer)
        self._update_restore_button()

    def restore_query_style(self) -> bool:
        """Give the chosen query layer back the renderer it had before a search styled it."""
        layer = self.layer_combo.currentLayer()
        if layer is None or layer.id() not in self.saved_styles:
            return False
        layer.setRenderer(self.saved_styles.pop(layer.id()))
        layer.triggerRepaint()
        self._update_restore_button()
        return True

    def _update_restore_button(self, *_args) -> None:
        layer = self.layer_combo.currentLayer()
        self.restore_button.setEnabled(layer is not None and layer.id() in self.saved_styles)

    # Region -------------------------------------------------------------------------------
    def activate_tool(self, mode: str) -> None:
        self.rect_button.setChecked(mode == RECTANGLE)
        self.poly_button.setChecked(mode == POLYGON)
        self.map_tool.set_mode(mode)
        self.canvas.setMapTool(self.map_tool)

    def _on_region(self, geometry) -> None:
        self.set_region(geometry, self.canvas.mapSettings().destinationCrs())

    def clear_region(self) -> None:
        """Forget the region (Esc): the drawing is gone, so nothing is left to search."""
        self.region = None
        self.region_crs = None
        self.map_tool.clear()
        self.region_label.setText(tr("no region drawn"))

    def set_region(self, geometry, crs) -> None:
        """Use ``geometry`` (in ``crs``) as the query region and show it on the canvas."""
        self.region = geometry
        self.region_crs = crs
        canvas_crs = self.canvas.mapSettings().destinationCrs()
        shown = QgsGeometry(geometry)
        if crs is not None and crs.isValid() and crs != canvas_crs:
            shown.transform(QgsCoordinateTransform(crs, canvas_crs, QgsProject.instance()))
        self.map_tool.show_geometry(shown)
        box = geometry.boundingBox()
        self.region_label.setText(
            tr("{w:.0f} x {h:.0f} {units}").format(
                w=box.width(), h=box.height(), units=_unit_name(crs)
            )
        )

    # Search -------------------------------------------------------------------------------
    def search(self) -> EngineTask | None:
        """Send the search to the engine in a background task; returns the task."""
        layer = self.layer_combo.currentLayer()
        archive = self.archive_edit.filePath().strip()
        if not isinstance(layer, QgsRasterLayer):
            layer = None
        try:
            # Validate first so that no results folder is made for a request that cannot run.
            search_params(archive, layer, self.region, self.region_crs, 1, Path("."))
            params = search_params(
                archive, layer, self.region, self.region_crs, self.k_spin.value(), new_results_dir()
            )
        except QueryError as exc:
            feedback.warning(self.iface, str(exc))
            self.status_label.setText(str(exc))
            return None
        settings = PluginSettings.load()
        settings.archive = archive
        settings.k = self.k_spin.value()
        settings.keep_previous_results = self.keep_check.isChecked()
        settings.save()

        self.style_query_layer(layer)
        self._busy(True, tr("Searching..."))
        replace = not self.keep_check.isChecked()
        query = layer.name()
        self.last_params, self.last_query = dict(params), query
        self.marks = {}
        self.task = submit(
            EngineTask(
                tr("SCI-CBIR: searching similar tiles"),
                lambda context: self.engine.call("search", params, context.is_cancelled),
                lambda answer: self._show_results(answer, params["out"], replace, query),
                self._failed,
                lambda: self._busy(False, tr("Search cancelled.")),
            )
        )
        return self.task

    # Relevance feedback -------------------------------------------------------------------
    def mark_selected(self, relevant: bool) -> None:
        """Mark the selected results relevant (True) or not relevant (False)."""
        for item in self.results_list.selectedItems():
            tile = item.data(TILE_ROLE)
            if tile is not None:
                self.marks[int(tile)] = relevant
        self._show_marks()

    def clear_marks(self) -> None:
        """Forget the marks of the selected results, or all marks when none is selected."""
        selected = [i.data(TILE_ROLE) for i in self.results_list.selectedItems()]
        if selected:
            for tile in selected:
                self.marks.pop(int(tile), None)
        else:
            self.marks.clear()
        self._show_marks()

    def refine_params(self) -> dict:
        """The last search's params with the marks: the engine re-runs the query and re-ranks."""
        if self.last_params is None:
            raise QueryError(tr("Search first, then mark results and refine."))
        relevant = sorted(t for t, good in self.marks.items() if good)
        irrelevant = sorted(t for t, good in self.marks.items() if not good)
        if not relevant and not irrelevant:
            raise QueryError(
                tr("Mark at least one result as relevant or not relevant, then press Refine.")
            )
        out_dir = new_results_dir()
        return {
            **self.last_params,
            "out": str(out_dir / "footprints.gpkg"),
            "decode": str(out_dir / "tiles"),
            "relevant": relevant,
            "irrelevant": irrelevant,
        }

    def refine(self) -> EngineTask | None:
        """Send the marks to the engine (``search.refine``); the new ranking replaces the
        results shown, following "Keep previous results" like a search."""
        try:
            params = self.refine_params()
        except QueryError as exc:
            feedback.warning(self.iface, str(exc))
            self.status_label.setText(str(exc))
            return None
        self._busy(True, tr("Refining..."))
        replace = not self.keep_check.isChecked()
        query = tr("{query} (refined)").format(query=self.last_query)
        relevant, irrelevant = len(params["relevant"]), len(params["irrelevant"])
        self.task = submit(
            EngineTask(
                tr("SCI-CBIR: refining the results"),
                lambda context: self.engine.call("search.refine", params, context.is_cancelled),
                lambda answer: self._show_refined(
                    answer, params["out"], replace, query, relevant, irrelevant
                ),
                self._failed,
                lambda: self._busy(False, tr("Refinement cancelled.")),
            )
        )
        return self.task

    def _show_refined(self, answer, footprints, replace, query, relevant, irrelevant) -> None:
        self._show_results(answer, footprints, replace, query)
        self.status_label.setText(
            self.status_label.text()
            + " "
            + tr("Refined from %n marked results", None, relevant + irrelevant)
            + " "
            + tr("(relevant: {relevant}, not relevant: {irrelevant}).").format(
                relevant=relevant, irrelevant=irrelevant
            )
        )

    def _show_marks(self) -> None:
        """Show each listed result's mark (prefix and colour) and enable the buttons."""
        for row in range(self.results_list.count()):
            item = self.results_list.item(row)
            tile = item.data(TILE_ROLE)
            mark = self.marks.get(int(tile)) if tile is not None else None
            name = item.data(Qt.UserRole + 2) or item.text()
            prefix = {True: "✔ ", False: "✘ "}.get(mark, "")
            item.setText(prefix + name)
            item.setBackground(
                {True: RELEVANT_COLOUR, False: IRRELEVANT_COLOUR}.get(mark, QColor(0, 0, 0, 0))
            )
        self._update_mark_buttons()

    def _update_mark_buttons(self) -> None:
        has_results = self.results_list.count() > 0
        for button in (self.relevant_button, self.irrelevant_button, self.unmark_button):
            button.setEnabled(has_results)
        self.refine_button.setEnabled(
            bool(self.marks) and self.last_params is not None and self.search_button.isEnabled()
        )

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _busy(self, busy: bool, message: str) -> None:
        self.search_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.status_label.setText(message)
        if not busy:
            self.task = None
        self._update_mark_buttons()

    def _failed(self, message: str, details: str) -> None:
        self._busy(False, message)
        feedback.error(self.iface, message, details)

    def _show_results(self, answer, footprints: str, replace: bool, query: str = "") -> None:
        tiles = result_layers.parse_results(answer)
        project = QgsProject.instance()
        added = result_layers.add_results(project, tiles, footprints, replace, query)
        self.last_result = added
        self._fill_list(added)
        if added.missing:
            feedback.warning(
                self.iface,
                tr(
                    "%n result tiles could not be opened; see the SCI-CBIR log.",
                    None,
                    len(added.missing),
                ),
            )
        if not tiles:
            status = tr("No similar tiles found.")
        else:
            status = tr(
                "%n similar tiles, best distance {d:g} (lower is more similar).",
                None,
                len(tiles),
            ).format(d=tiles[0].distance)
        recall = answer.get("index_recall") if isinstance(answer, dict) else None
        if recall is not None:  # a very large archive, searched through an inverted file
            status += " " + tr(
                "Fast approximate search of a very large archive: it finds {p:.0%} of the 20 "
                "most similar tiles an exhaustive search finds."
            ).format(p=float(recall))
        self._busy(False, status)

    def _fill_list(self, added: result_layers.ResultLayers) -> None:
        self.results_list.clear()
        for layer in added.rasters:
            item = QListWidgetItem(layer.name())
            item.setData(Qt.UserRole, layer.id())
            item.setData(Qt.UserRole + 2, layer.name())
            tile = layer.customProperty("scicbir/tile_id")
            item.setData(TILE_ROLE, int(tile) if str(tile).isdigit() else None)
            item.setIcon(QIcon(_thumbnail(layer)))
            item.setToolTip(layer.source())
            self.results_list.addItem(item)
        self._show_marks()

    def _zoom_to_item(self, item: QListWidgetItem) -> None:
        layer = QgsProject.instance().mapLayer(item.data(Qt.UserRole))
        if layer is None:
            feedback.warning(self.iface, tr("That result layer was removed from the project."))
            return
        result_layers.zoom_to(self.canvas, layer)

    def shutdown(self) -> None:
        self.cancel()
        project = QgsProject.instance()
        for signal in (project.layersAdded, project.readProject):
            try:
                signal.disconnect(self.update_query_layers)
            except TypeError:  # already disconnected
                pass
        if self.canvas.mapTool() is self.map_tool:
            self.canvas.unsetMapTool(self.map_tool)
        self.map_tool.dispose()


def _thumbnail(layer: QgsRasterLayer) -> QPixmap:
    image = layer.previewAsImage(THUMB, QColor(Qt.white))
    return QPixmap.fromImage(image)


def _unit_name(crs) -> str:
    from qgis.core import QgsUnitTypes

    if crs is None:
        return ""
    return QgsUnitTypes.toAbbreviatedString(crs.mapUnits())
