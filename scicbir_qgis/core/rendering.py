"""How decoded result tiles are drawn: true colour where the bands allow, one shared stretch.

Decoded tiles carry 12-bit Sentinel-2 or Landsat values, or 8-bit RGB. QGIS's default (first
three bands, per-layer min/max) shows Sentinel-2's B01/B02/B03 in false colour and makes every
result look different even when they are alike, so the renderer picks the red/green/blue bands by
name and uses one stretch computed over all result tiles, keeping them comparable side by side.
"""

from __future__ import annotations

from qgis.core import (
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


def shared_ranges(
    layers: list[QgsRasterLayer], bands: tuple[int, ...]
) -> list[tuple[float, float]]:
    """Per displayed band, the 2-98 % range spanning every layer (one stretch for all)."""
    ranges = []
    for position, _ in enumerate(bands):
        lows, highs = [], []
        for layer in layers:
            chosen = pick_bands(band_names(layer))
            if position >= len(chosen):
                continue
            low, high = layer.dataProvider().cumulativeCut(
                chosen[position], CUT_LOW, CUT_HIGH, layer.extent(), 0
            )
            if high > low:
                lows.append(low)
                highs.append(high)
        ranges.append((min(lows), max(highs)) if lows else (0.0, 1.0))
    return ranges


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
        ranges = shared_ranges([layer], bands)
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


def style_result_tiles(layers: list[QgsRasterLayer]) -> None:
    """Apply one shared true-colour stretch to all decoded result tiles."""
    if not layers:
        return
    bands = pick_bands(band_names(layers[0]))
    ranges = shared_ranges(layers, bands)
    for layer in layers:
        apply_rendering(layer, ranges)
