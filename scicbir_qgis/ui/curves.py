"""A small plot of training curves (loss, PSNR, bpp, precision), one mini-panel per figure.

Figures have very different ranges (PSNR in dB, bpp near 1, precision in [0, 1]), so each gets its
own panel with its own axis instead of one shared axis where most curves would be flat lines.
Drawn with QPainter: no plotting library is needed inside QGIS.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QPainter, QPen, QPolygonF
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
MAX_PANELS = 9
# Figures that are settings or bookkeeping, not curves a user reads to judge training.
SKIPPED = {"lr", "lr_compression", "lr_hashing", "seconds", "pareto_point", "loss_aux"}
SKIPPED_PREFIXES = ("mgda_", "pcgrad_", "dwa_")


class CurvesWidget(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.series: dict[str, list[tuple[float, float]]] = {}
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def clear(self) -> None:
        self.series.clear()
        self.update()

    def add_point(self, name: str, x: float, y: float) -> None:
        if name not in self.series and len(self.series) >= MAX_PANELS:
            return
        self.series.setdefault(name, []).append((float(x), float(y)))
        self.update()

    def add_figures(self, x: float, figures: dict) -> None:
        """Add every numeric figure of one progress event at position ``x`` (step or epoch)."""
        for name, value in figures.items():
            if name in SKIPPED or name.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.add_point(name, x, value)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.series:
            painter.setPen(QColor("gray"))
            painter.drawText(self.rect(), Qt.AlignCenter, self.tr("Curves appear during training"))
            return
        names = list(self.series)
        columns = 1 if len(names) == 1 else 2 if len(names) <= 4 else 3
        rows = (len(names) + columns - 1) // columns
        width = self.width() / columns
        height = self.height() / rows
        for i, name in enumerate(names):
            cell = QRectF((i % columns) * width, (i // columns) * height, width, height)
            self._panel(painter, cell.adjusted(4, 4, -4, -4), name, COLOURS[i % len(COLOURS)])
        painter.end()

    def _panel(self, painter: QPainter, cell: QRectF, name: str, colour: str) -> None:
        points = self.series[name]
        painter.setPen(QColor("#444"))
        last = points[-1][1]
        painter.drawText(
            cell.adjusted(2, 0, 0, 0), Qt.AlignTop | Qt.AlignLeft, f"{name}: {last:.4g}"
        )
        plot = cell.adjusted(2, 16, -2, -2)
        painter.setPen(QColor("#ccc"))
        painter.drawRect(plot)
        if len(points) < 2:
            return
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        if x1 == x0:
            x1 = x0 + 1
        if y1 == y0:
            y0, y1 = y0 - 0.5, y1 + 0.5
        polygon = QPolygonF(
            [
                QPointF(
                    plot.left() + (x - x0) / (x1 - x0) * plot.width(),
                    plot.bottom() - (y - y0) / (y1 - y0) * plot.height(),
                )
                for x, y in points
            ]
        )
        painter.setPen(QPen(QColor(colour), 1.5))
        painter.drawPolyline(polygon)
