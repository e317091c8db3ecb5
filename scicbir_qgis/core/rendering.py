"""How decoded result tiles and the query raster are drawn: true colour, stretched per source.

Decoded tiles carry 12-bit Sentinel-2 or Landsat values, or 8-bit RGB. QGIS's default (first
three bands, per-layer min/max) shows Sentinel-2's B01/B02/B03 in false colour and makes every
result look different even when they are alike, so the renderer picks the red/green/blue bands by
name. The stretch is one per source raster (2-98 % cumulative cut per band over all decoded tiles
of that source), so that tiles of one scene stay comparable side by side; one stretch over all
results would draw 8-bit tiles next to 16-bit Landsat tiles (values in the thousands) either
black or, for the Landsat ones, almost white. The query layer gets the same true-colour rule, so
that query and results are not shown in different colours.
"""

from __future__ import annotations

import array
import math
from collections.abc import Callable

from qgis.core import (
    Qgis,
    QgsContrastEnhancement,
    QgsMultiBandColorRenderer,
    QgsRaster,
    QgsRasterLayer,
    QgsSingleBandGrayRenderer,
)

# Band names (as found in band descriptions) for red, green, blue, most specific first.
RGB_NAMES = (
    ("B04", "B03", "B02"),  # Sentinel-2
    ("B4", "B3", "B2"),  # Landsat 8/9
    ("RED", "GREEN", "BLUE"),
    ("R", "G", "B"),
)
CUT_LOW, CUT_HIGH = 0.02, 0.98
#: Pixels per band read for a statistic at most (a decoded tile is a few thousand).
MAX_SAMPLE = 250_000
#: Custom property holding the source raster a decoded tile was cut from.
SOURCE_PROPERTY = "scicbir/source"
TYPECODES = {
    Qgis.Byte: "B",
    Qgis.UInt16: "H",
    Qgis.Int16: "h",
    Qgis.UInt32: "I",
    Qgis.Int32: "i",
    Qgis.Float32: "f",
    Qgis.Float64: "d",
}


COLOUR_INTERP = {QgsRaster.RedBand: "RED", QgsRaster.GreenBand: "GREEN", QgsRaster.BlueBand: "BLUE"}


def band_names(layer: QgsRasterLayer) -> list[str]:
    """Band names of ``layer`` in upper case: "BAND 1: B04" style names from the GDAL provider
    (with the file's band description), or RED/GREEN/BLUE from the colour interpretation."""
    provider = layer.dataProvider()
    names = []
    for band in range(1, layer.bandCount() + 1):
        interp = COLOUR_INTERP.get(provider.colorInterpretation(band))
        names.append(interp or provider.generateBandName(band).upper())
    return names


def _tokens(name: str) -> set[str]:
    cleaned = name
    for char in "_-:()[],":
        cleaned = cleaned.replace(char, " ")
    return {part.strip().upper() for part in cleaned.split() if part.strip()}


def pick_bands(names: list[str]) -> tuple[int, ...]:
    """1-based band numbers to show: (r, g, b) for colour, (band,) for grey."""
    token_sets = [_tokens(n) for n in names]
    for triple in RGB_NAMES:
        found = []
        for wanted in triple:
            index = next((i for i, t in enumerate(token_sets) if wanted in t), None)
            if index is None:
                break
            found.append(index + 1)
        if len(found) == 3:
            return tuple(found)
    if len(names) >= 12:
        # Sentinel-2 stacks without descriptions (BigEarthNet's 12 bands, EuroSAT's 13) keep
        # the B01, B02, B03, B04... order: red, green, blue are bands 4, 3, 2.
        return (4, 3, 2)
    if len(names) >= 3:
        return (1, 2, 3)
    return (1,)


def band_values(layer: QgsRasterLayer, band: int, limit: int = MAX_SAMPLE) -> list[float]:
    """The valid values of one band (no-data and NaN left out), at most about ``limit``."""
    provider = layer.dataProvider()
    width, height = layer.width(), layer.height()
    step = max(1, math.ceil(math.sqrt(width * height / limit)))
    width, height = max(1, width // step), max(1, height // step)
    block = provider.block(band, layer.extent(), width, height)
    code = TYPECODES.get(block.dataType())
    if code is not None:
        values = array.array(code)
        values.frombytes(bytes(block.data()))
        data = list(values)
    else:
        data = [block.value(r, c) for r in range(block.height()) for c in range(block.width())]
    nodata = provider.sourceNoDataValue(band) if provider.sourceHasNoDataValue(band) else None
    return [v for v in data if v == v and v != nodata]


def cumulative_cut(values: list[float]) -> tuple[float, float] | None:
    """The 2-98 % range of ``values`` (the whole range when that is flat); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    last = len(ordered) - 1
    low, high = ordered[int(CUT_LOW * last)], ordered[int(math.ceil(CUT_HIGH * last))]
    if high <= low:
        low, high = ordered[0], ordered[-1]
    if high <= low:
        high = low + 1.0
    return float(low), float(high)


def pooled_ranges(layers: list[QgsRasterLayer]) -> list[tuple[float, float]]:
    """Per displayed band, the 2-98 % cut over the pixels of all ``layers`` together."""
    bands = pick_bands(band_names(layers[0]))
    ranges = []
    for position, _ in enumerate(bands):
        values: list[float] = []
        for layer in layers:
            chosen = pick_bands(band_names(layer))
            if position < len(chosen):
                values.extend(band_values(layer, chosen[position]))
        ranges.append(cumulative_cut(values) or (0.0, 1.0))
    return ranges


def stretch_key(layer: QgsRasterLayer) -> str:
    """What shares a stretch: the source raster of a decoded tile, else its data type."""
    source = layer.customProperty(SOURCE_PROPERTY)
    if source:
        return f"source:{source}"
    return f"dtype:{int(layer.dataProvider().dataType(1))}"


def _enhancement(layer: QgsRasterLayer, band: int, low: float, high: float):
    enhancement = QgsContrastEnhancement(layer.dataProvider().dataType(band))
    enhancement.setContrastEnhancementAlgorithm(QgsContrastEnhancement.StretchToMinimumMaximum)
    enhancement.setMinimumValue(low)
    enhancement.setMaximumValue(high)
    return enhancement


def apply_rendering(layer: QgsRasterLayer, ranges: list[tuple[float, float]] | None = None) -> None:
    """Give ``layer`` a true-colour (or grey) renderer stretched to ``ranges``."""
    bands = pick_bands(band_names(layer))
    if ranges is None or len(ranges) != len(bands):
        ranges = pooled_ranges([layer])
    provider = layer.dataProvider()
    if len(bands) == 3:
        renderer = QgsMultiBandColorRenderer(provider, *bands)
        renderer.setRedContrastEnhancement(_enhancement(layer, bands[0], *ranges[0]))
        renderer.setGreenContrastEnhancement(_enhancement(layer, bands[1], *ranges[1]))
        renderer.setBlueContrastEnhancement(_enhancement(layer, bands[2], *ranges[2]))
    else:
        renderer = QgsSingleBandGrayRenderer(provider, bands[0])
        renderer.setContrastEnhancement(_enhancement(layer, bands[0], *ranges[0]))
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def ranges_by_source(
    layers: list[QgsRasterLayer], key: Callable[[QgsRasterLayer], str] = stretch_key
) -> dict[str, list[tuple[float, float]]]:
    """One 2-98 % stretch per group of ``layers`` that share a ``key`` (their source raster)."""
    groups: dict[str, list[QgsRasterLayer]] = {}
    for layer in layers:
        groups.setdefault(key(layer), []).append(layer)
    return {name: pooled_ranges(members) for name, members in groups.items()}


def style_result_tiles(
    layers: list[QgsRasterLayer], key: Callable[[QgsRasterLayer], str] = stretch_key
) -> None:
    """True colour for all decoded result tiles, one stretch per source (``key``)."""
    ranges = ranges_by_source(layers, key)
    for layer in layers:
        apply_rendering(layer, ranges[key(layer)])


def style_query_layer(layer: QgsRasterLayer) -> None:
    """The query raster in true colour like the results (red, green, blue by band name or the
    Sentinel-2 order), stretched 2-98 % over a sample of its own pixels."""
    apply_rendering(layer, pooled_ranges([layer]))
