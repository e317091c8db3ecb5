"""Search results on the map: a "Similar tiles" group with decoded tiles and their footprints.

The engine answers a search with a ranked list of archive tiles and, on request, writes each
result tile as a GeoTIFF and all footprints to a GeoPackage. This module turns that answer into
layers: one raster per result, named "#rank source (distance)", rank 1 on top; a footprints layer
styled by rank with labels; and it computes extents for "zoom to result" in any canvas CRS.

Every layer it adds carries the custom property ``scicbir/result`` (saved with the project), so
that result tiles are never offered as query rasters, also after a project is reopened. Groups
are named after the query and the time ("Similar tiles: neon 14:02:31") and kept unique, and a
kept older group is switched off when a new one arrives: two visible result sets would put their
"#1", "#2"... labels on top of each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsLayerTreeGroup,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)

from ..engine_client.protocol_v1 import Hit
from ..paths import resources_dir
from . import rendering
from .i18n import tr

GROUP_NAME = "Similar tiles"
#: Custom property of every layer and group this module adds.
RESULT_PROPERTY = "scicbir/result"
RANK_STYLE = "footprints_by_rank.qml"
ARCHIVE_STYLE = "archive_footprints.qml"


@dataclass
class ResultTile:
    """One ranked archive tile as the engine describes it."""

    rank: int
    tile_id: int | str
    distance: float
    source: str = ""
    path: str = ""
    similarity: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_engine(cls, item: dict[str, Any], rank: int) -> ResultTile:
        """One hit of the engine's answer, read by the shared protocol module (``Hit``)."""
        hit = Hit.from_json(item)
        return cls(
            rank=hit.rank,
            tile_id=hit.tile_id,
            distance=hit.distance,
            source=hit.source,
            path=hit.path,  # set when the engine decoded the tile
            similarity=hit.similarity,
            extra=item,
        )

    @property
    def layer_name(self) -> str:
        stem = Path(self.source).stem if self.source else f"tile {self.tile_id}"
        return tr("#{rank} {source} (distance {distance:g})").format(
            rank=self.rank, source=stem, distance=self.distance
        )


def parse_results(answer: dict[str, Any] | list[Any]) -> list[ResultTile]:
    """Ranked tiles from the engine's ``search`` answer (a list, or a dict holding ``results``)."""
    items = answer.get("results", []) if isinstance(answer, dict) else answer
    tiles = [ResultTile.from_engine(item, i + 1) for i, item in enumerate(items)]
    return sorted(tiles, key=lambda t: t.rank)


def style_path(name: str) -> str:
    return str(resources_dir() / "styles" / name)


def is_result_layer(layer) -> bool:
    """True for a layer added by a search (decoded tile or footprints)."""
    return layer is not None and str(layer.customProperty(RESULT_PROPERTY, "")).lower() in (
        "true",
        "1",
    )


def result_groups(project: QgsProject) -> list[QgsLayerTreeGroup]:
    """The top-level result groups, newest (top) first."""
    root = project.layerTreeRoot()
    return [
        g
        for g in root.children()
        if isinstance(g, QgsLayerTreeGroup)
        and str(g.customProperty(RESULT_PROPERTY, "")).lower() in ("true", "1")
    ]


def group_name(project: QgsProject, query: str = "", when: float | None = None) -> str:
    """A name no other top-level group has: "Similar tiles: <query> <HH:MM:SS>"."""
    stamp = time.strftime("%H:%M:%S", time.localtime(when))
    base = tr("Similar tiles: {query} {time}").format(query=query or tr("region"), time=stamp)
    taken = {child.name() for child in project.layerTreeRoot().children()}
    name, suffix = base, 1
    while name in taken:
        suffix += 1
        name = f"{base} ({suffix})"
    return name


def remove_group(project: QgsProject, name: str | None = None) -> None:
    """Remove the result groups (only the one called ``name`` when given) and their layers."""
    root = project.layerTreeRoot()
    for group in result_groups(project):
        if name is not None and group.name() != name:
            continue
        ids = [node.layerId() for node in group.findLayers()]
        root.removeChildNode(group)
        project.removeMapLayers(ids)


def load_footprints(path: str, name: str, style: str) -> QgsVectorLayer:
    """Open a footprints GeoPackage (its first layer) with one of the shipped QML styles."""
    layer = QgsVectorLayer(path, name, "ogr")
    if layer.isValid():
        layer.loadNamedStyle(style_path(style))
    return layer


@dataclass
class ResultLayers:
    group: QgsLayerTreeGroup
    rasters: list[QgsRasterLayer]
    footprints: QgsVectorLayer | None
    missing: list[ResultTile]


def add_results(
    project: QgsProject,
    tiles: list[ResultTile],
    footprints_path: str | None = None,
    replace: bool = True,
    query: str = "",
) -> ResultLayers:
    """Add the result group at the top of the layer tree; must run on the main thread.

    With ``replace`` the previous result groups go away; otherwise the new group is added above
    them and they are switched off (their rank labels would overlap the new ones). ``query``
    (the query layer's name) goes into the group's name. Tiles whose GeoTIFF does not open are
    returned in ``missing``.
    """
    if replace:
        remove_group(project)
    else:
        for older in result_groups(project):
            older.setItemVisibilityChecked(False)
            older.setExpanded(False)
    root = project.layerTreeRoot()
    group = root.insertGroup(0, group_name(project, query))
    group.setCustomProperty(RESULT_PROPERTY, True)
    footprints = None
    if footprints_path and Path(footprints_path).is_file():
        footprints = load_footprints(footprints_path, tr("Result footprints"), RANK_STYLE)
        if footprints.isValid():
            footprints.setCustomProperty(RESULT_PROPERTY, True)
            project.addMapLayer(footprints, False)
            group.addLayer(footprints)
        else:
            footprints = None
    rasters, missing = [], []
    for tile in sorted(tiles, key=lambda t: t.rank):
        layer = QgsRasterLayer(tile.path, tile.layer_name, "gdal") if tile.path else None
        if layer is None or not layer.isValid():
            missing.append(tile)
            continue
        layer.setCustomProperty("scicbir/rank", tile.rank)
        layer.setCustomProperty("scicbir/tile_id", str(tile.tile_id))
        layer.setCustomProperty("scicbir/distance", tile.distance)
        layer.setCustomProperty(RESULT_PROPERTY, True)
        if tile.source:
            layer.setCustomProperty(rendering.SOURCE_PROPERTY, tile.source)
        rasters.append(layer)
    rendering.style_result_tiles(rasters)
    for layer in rasters:
        project.addMapLayer(layer, False)
        # collapsed: the band legend of every tile would push the ranking out of sight
        group.addLayer(layer).setExpanded(False)
    return ResultLayers(group, rasters, footprints, missing)


def extent_in(
    layer: QgsRasterLayer | QgsVectorLayer,
    crs: QgsCoordinateReferenceSystem,
    project: QgsProject | None = None,
) -> QgsRectangle:
    """The layer's extent in ``crs`` (for zooming a canvas in another CRS)."""
    if not crs.isValid() or layer.crs() == crs:
        return QgsRectangle(layer.extent())
    context = (project or QgsProject.instance()).transformContext()
    transform = QgsCoordinateTransform(layer.crs(), crs, context)
    return transform.transformBoundingBox(layer.extent())


def zoom_to(canvas, layer, margin: float = 1.5) -> QgsRectangle:
    """Zoom ``canvas`` to ``layer`` with some context around it; returns the new extent."""
    rect = extent_in(layer, canvas.mapSettings().destinationCrs())
    rect.scale(margin)
    canvas.setExtent(rect)
    canvas.refresh()
    return rect
