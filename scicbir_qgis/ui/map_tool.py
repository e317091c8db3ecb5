"""Map tool that lets the user draw the query region as a rectangle or a polygon.

The drawn shape stays on the canvas as a blue rubber band (also while the search runs) so the user
sees what was asked; it is cleared when a new region is started or the panel closes. Esc clears
the drawing and the region itself (``regionCleared``): a search after Esc must not query a
region the user no longer sees.
"""

from __future__ import annotations

from qgis.core import QgsGeometry, QgsPointXY, QgsRectangle, QgsWkbTypes
from qgis.gui import QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

RECTANGLE = "rectangle"
POLYGON = "polygon"


class RegionMapTool(QgsMapTool):
    """Rectangle: press, drag, release. Polygon: click vertices, right-click or double-click ends.

    ``regionDrawn`` carries the geometry in the canvas's CRS (read it from
    ``canvas.mapSettings().destinationCrs()``).
    """

    regionDrawn = pyqtSignal(QgsGeometry)  # noqa: N815 (Qt signal name)
    regionCleared = pyqtSignal()  # noqa: N815 (Qt signal name)

    def __init__(self, canvas, mode: str = RECTANGLE) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.mode = mode
        self.rubber_band = QgsRubberBand(canvas, QgsWkbTypes.PolygonGeometry)
        # blue, so the query region is not mistaken for the red-to-yellow result footprints
        self.rubber_band.setColor(QColor(31, 120, 180, 230))
        self.rubber_band.setFillColor(QColor(31, 120, 180, 40))
        self.rubber_band.setWidth(2)
        self._start: QgsPointXY | None = None
        self._vertices: list[QgsPointXY] = []
        self.setCursor(Qt.CrossCursor)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._reset_drawing()

    def clear(self) -> None:
        """Remove the rubber band and any half-drawn shape."""
        self._reset_drawing()
        self.rubber_band.reset(QgsWkbTypes.PolygonGeometry)

    def dispose(self) -> None:
        """Take the rubber band off the canvas for good (plugin unload)."""
        self.clear()
        scene = self.canvas.scene()
        if scene is not None and self.rubber_band.scene() is scene:
            scene.removeItem(self.rubber_band)

    def _reset_drawing(self) -> None:
        self._start = None
        self._vertices = []

    def show_geometry(self, geometry: QgsGeometry) -> None:
        """Display ``geometry`` (canvas CRS) as the current region."""
        self.rubber_band.setToGeometry(geometry, None)

    # Mouse handling -----------------------------------------------------------------------
    def canvasPressEvent(self, event) -> None:
        point = self.toMapCoordinates(event.pos())
        if self.mode == RECTANGLE:
            if event.button() == Qt.LeftButton:
                self.rubber_band.reset(QgsWkbTypes.PolygonGeometry)
                self._start = point
            return
        if event.button() == Qt.RightButton:
            self._finish_polygon()
            return
        if not self._vertices:
            self.rubber_band.reset(QgsWkbTypes.PolygonGeometry)
        self._vertices.append(point)
        self._draw_polygon(None)

    def canvasMoveEvent(self, event) -> None:
        point = self.toMapCoordinates(event.pos())
        if self.mode == RECTANGLE and self._start is not None:
            self.rubber_band.setToGeometry(
                QgsGeometry.fromRect(QgsRectangle(self._start, point)), None
            )
        elif self.mode == POLYGON and self._vertices:
            self._draw_polygon(point)

    def canvasReleaseEvent(self, event) -> None:
        if self.mode != RECTANGLE or self._start is None:
            return
        end = self.toMapCoordinates(event.pos())
        self.finish_rectangle(QgsRectangle(self._start, end))

    def canvasDoubleClickEvent(self, event) -> None:
        if self.mode == POLYGON:
            self._finish_polygon()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.clear()
            self.regionCleared.emit()

    # Finishing ----------------------------------------------------------------------------
    def finish_rectangle(self, rect: QgsRectangle) -> None:
        """End a rectangle; a click without drag (empty rectangle) is ignored."""
        self._start = None
        if rect.isEmpty():
            self.rubber_band.reset(QgsWkbTypes.PolygonGeometry)
            return
        geometry = QgsGeometry.fromRect(rect)
        self.show_geometry(geometry)
        self.regionDrawn.emit(geometry)

    def finish_polygon(self, vertices: list[QgsPointXY]) -> None:
        """End a polygon from its vertices (needs three or more)."""
        self._vertices = []
        if len(vertices) < 3:
            self.rubber_band.reset(QgsWkbTypes.PolygonGeometry)
            return
        geometry = QgsGeometry.fromPolygonXY([vertices + [vertices[0]]])
        self.show_geometry(geometry)
        self.regionDrawn.emit(geometry)

    def _finish_polygon(self) -> None:
        # A double click also delivers a press for the same point: drop the duplicate.
        vertices = []
        for vertex in self._vertices:
            if not vertices or vertices[-1] != vertex:
                vertices.append(vertex)
        self.finish_polygon(vertices)

    def _draw_polygon(self, hover: QgsPointXY | None) -> None:
        points = list(self._vertices) + ([hover] if hover is not None else [])
        self.rubber_band.reset(QgsWkbTypes.PolygonGeometry)
        for i, p in enumerate(points):
            self.rubber_band.addPoint(p, i == len(points) - 1)

    def deactivate(self) -> None:
        self._reset_drawing()
        super().deactivate()
