"""Band names and the mapping from a raster's bands to a model's bands.

A model is trained on a fixed list of bands (``ModelConfig.bands``: Sentinel-2 ids such as
``B02`` or common names such as ``red``). A raster says what its bands are through band
descriptions (``"Blue (B2)"``), colour interpretation (RGB photos), or its file layout
(BigEarthNet's one file per band). ``map_bands`` turns that into the list of raster bands
(1-based) that feed the model's bands in the model's order, or raises an ``InputError`` that
names the file, the bands found, the bands wanted and the option that fixes it.

Matching is by *keys*: every name is reduced to a set of canonical keys (a Sentinel-2 id
``B01``..``B12``/``B8A`` and/or a STAC common name such as ``blue``/``nir``/``swir16``), and a
raster band feeds a model band when their keys meet. A description that names a colour
(``"Blue (B2)"``, Landsat style) is read by its colour only, because bare band numbers differ
between sensors (Landsat B5 is near infrared, Sentinel-2 B05 is red edge).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from scicbir.errors import InputError

#: Sentinel-2 MSI bands: id -> (STAC common name, centre wavelength nm, resolution m, description)
SENTINEL2_BANDS: dict[str, tuple[str, int, int, str]] = {
    "B01": ("coastal", 443, 60, "Coastal aerosol"),
    "B02": ("blue", 490, 10, "Blue"),
    "B03": ("green", 560, 10, "Green"),
    "B04": ("red", 665, 10, "Red"),
    "B05": ("rededge1", 705, 20, "Vegetation red edge 1"),
    "B06": ("rededge2", 740, 20, "Vegetation red edge 2"),
    "B07": ("rededge3", 783, 20, "Vegetation red edge 3"),
    "B08": ("nir", 842, 10, "Near infrared"),
    "B8A": ("nir08", 865, 20, "Narrow near infrared"),
    "B09": ("nir09", 945, 60, "Water vapour"),
    "B10": ("cirrus", 1375, 60, "Cirrus"),
    "B11": ("swir16", 1610, 20, "Short-wave infrared 1"),
    "B12": ("swir22", 2190, 20, "Short-wave infrared 2"),
}

#: Band orders of common Sentinel-2 products, usable as ``band_names`` presets.
BAND_PRESETS: dict[str, list[str]] = {
    # Level-1C stacks in band order: all 13 bands, B8A after B08.
    "sentinel2-13": [
        "B01",
        "B02",
        "B03",
        "B04",
        "B05",
        "B06",
        "B07",
        "B08",
        "B8A",
        "B09",
        "B10",
        "B11",
        "B12",
    ],
    # EuroSAT MS GeoTIFFs: B01..B12 in number order, B8A last (band 10 is the ~10 DN cirrus
    # band, band 13 follows B07/B08 in value: checked on the EuroSAT MS tiles).
    "eurosat-13": [
        "B01",
        "B02",
        "B03",
        "B04",
        "B05",
        "B06",
        "B07",
        "B08",
        "B09",
        "B10",
        "B11",
        "B12",
        "B8A",
    ],
    # BigEarthNet-S2 (Level-2A, no B10).
    "sentinel2-12": [
        "B01",
        "B02",
        "B03",
        "B04",
        "B05",
        "B06",
        "B07",
        "B08",
        "B8A",
        "B09",
        "B11",
        "B12",
    ],
    "rgb": ["red", "green", "blue"],
    "bgr": ["blue", "green", "red"],
}

_COMMON_ALIASES: dict[str, str] = {
    "coastal": "coastal",
    "aerosol": "coastal",
    "blue": "blue",
    "green": "green",
    "red": "red",
    "rededge1": "rededge1",
    "rededge2": "rededge2",
    "rededge3": "rededge3",
    "nir": "nir",
    "nearinfrared": "nir",
    "nir08": "nir08",
    "narrownir": "nir08",
    "nir09": "nir09",
    "watervapour": "nir09",
    "watervapor": "nir09",
    "cirrus": "cirrus",
    "swir16": "swir16",
    "swir1": "swir16",
    "swir22": "swir22",
    "swir2": "swir22",
}
_COMMON_TO_S2 = {common: band for band, (common, *_rest) in SENTINEL2_BANDS.items()}
_S2_ID = re.compile(r"^b(?:and)?[ _-]?0?(\d{1,2}|8a)$")
_COLOUR_WORDS = re.compile(r"\b(coastal|aerosol|blue|green|red|nir|swir\d*|cirrus)\b")


def sentinel2_id(name: str) -> str | None:
    """``"B2"``, ``"b02"``, ``"band_8a"`` -> ``"B02"`` / ``"B8A"``; None when not such an id."""
    match = _S2_ID.match(name.strip().lower())
    if not match:
        return None
    number = match.group(1).upper()
    band = "B8A" if number == "8A" else f"B{int(number):02d}"
    return band if band in SENTINEL2_BANDS else None


def band_keys(name: str | None) -> set[str]:
    """Canonical keys of a band name or description (empty when it says nothing usable)."""
    if not name:
        return set()
    text = name.strip().lower()
    squashed = re.sub(r"[^a-z0-9]", "", text)
    s2 = sentinel2_id(text)
    if s2:
        return {s2, SENTINEL2_BANDS[s2][0]}
    if squashed in _COMMON_ALIASES:
        common = _COMMON_ALIASES[squashed]
        return {common, _COMMON_TO_S2[common]}
    colours = _COLOUR_WORDS.findall(text)
    if len(colours) == 1 and colours[0] in _COMMON_ALIASES:
        # "Blue (B2)": the colour decides, never the sensor-specific band number.
        common = _COMMON_ALIASES[colours[0]]
        return {common, _COMMON_TO_S2[common]}
    return set()


def model_band_name(band: object) -> str:
    """The name of one entry of ``ModelConfig.bands`` (a string or a mapping with ``name``)."""
    if isinstance(band, str):
        return band
    if isinstance(band, dict) and "name" in band:
        return str(band["name"])
    name = getattr(band, "name", None)
    if name is None:
        raise TypeError(f"model band {band!r} has no name")
    return str(name)


@dataclass(frozen=True)
class BandMapping:
    """Raster bands (1-based, in the model's band order) and how the mapping was decided."""

    indexes: tuple[int, ...]
    model_bands: tuple[str, ...]
    how: str  # "names", "colour", "order", "explicit"

    @property
    def source_order(self) -> tuple[int, ...]:
        """Positions (0-based, into ``indexes``) that put the model bands back in raster order."""
        return tuple(sorted(range(len(self.indexes)), key=lambda i: self.indexes[i]))


def expand_band_names(band_names: Sequence[str] | str | None) -> list[str] | None:
    """A preset name (``sentinel2-13``) or a comma list / sequence of names -> list of names."""
    if band_names is None:
        return None
    if isinstance(band_names, str):
        if band_names in BAND_PRESETS:
            return list(BAND_PRESETS[band_names])
        band_names = [n.strip() for n in band_names.split(",") if n.strip()]
    return list(band_names)


def map_bands(
    path: str,
    raster_names: Sequence[str | None],
    model_bands: Sequence[object],
    *,
    explicit: Sequence[int | str] | None = None,
    band_names: Sequence[str] | str | None = None,
    colour_interp: Sequence[str] | None = None,
) -> BandMapping:
    """Choose the raster bands (1-based) feeding each model band, in the model's order.

    ``raster_names``: the raster's band descriptions (None where a band has none).
    ``explicit``: one raster band per model band (1-based number or a raster band name).
    ``band_names``: names for the raster's bands in file order (or a preset of
    ``BAND_PRESETS``), replacing its descriptions. ``colour_interp``: GDAL colour
    interpretation per band (``"red"``...), used when descriptions are missing.
    """
    wanted = [model_band_name(b) for b in model_bands]
    count = len(raster_names)
    names = expand_band_names(band_names)
    if names is not None:
        if len(names) != count:
            raise InputError(
                f"{path}: {count} bands but {len(names)} band names were given "
                f"({', '.join(names)}); give one name per band in file order",
                file=path,
                reason="bands_invalid",
                bands=count,
            )
        raster_names = names
    if explicit is not None:
        return _explicit(path, raster_names, wanted, explicit)

    described = [band_keys(n) for n in raster_names]
    how = "names"
    if not any(described) and colour_interp:
        described = [
            band_keys(c) if c in ("red", "green", "blue") else set() for c in colour_interp
        ]
        how = "colour"
    if any(described):
        indexes = []
        for name in wanted:
            keys = band_keys(name) or {name.lower()}
            exact = [i for i, k in enumerate(described) if k and (keys & k) and _same_id(name, k)]
            hits = exact or [i for i, k in enumerate(described) if keys & k]
            if not hits:
                break
            indexes.append(hits[0] + 1)
        else:
            return BandMapping(tuple(indexes), tuple(wanted), how)
    if count == len(wanted):
        warnings.warn(
            f"{path}: band names do not identify the bands; assuming they are the model's bands "
            f"in order ({', '.join(wanted)}). Pass --bands or --band-names if not.",
            stacklevel=2,
        )
        return BandMapping(tuple(range(1, count + 1)), tuple(wanted), "order")
    found = ", ".join(n or "(unnamed)" for n in raster_names)
    raise InputError(
        f"{path}: cannot map its {count} bands ({found}) to the model's {len(wanted)} bands "
        f"({', '.join(wanted)}); pass --bands with one raster band number per model band, or "
        f"--band-names naming the raster's bands (presets: {', '.join(BAND_PRESETS)})",
        file=path,
        found=list(raster_names),
        wanted=wanted,
        reason="bands_mismatch",
        bands=count,
    )


def _same_id(name: str, keys: set[str]) -> bool:
    s2 = sentinel2_id(name)
    return s2 is None or s2 in keys


def _explicit(
    path: str, raster_names: Sequence[str | None], wanted: list[str], explicit: Sequence[int | str]
) -> BandMapping:
    count = len(raster_names)
    if len(explicit) != len(wanted):
        raise InputError(
            f"{path}: --bands lists {len(explicit)} bands but the model needs {len(wanted)} "
            f"({', '.join(wanted)}); give one raster band per model band, in that order",
            file=path,
            reason="bands_invalid",
            bands=count,
        )
    indexes = []
    for ref in explicit:
        text = str(ref).strip()
        if text.isdigit():
            index = int(text)
        else:
            keys = band_keys(text) or {text.lower()}
            matches = [
                i + 1
                for i, n in enumerate(raster_names)
                if n and (n.lower() == text.lower() or keys & band_keys(n))
            ]
            if not matches:
                raise InputError(
                    f"{path}: no band named '{text}' (bands: {list(raster_names)})",
                    file=path,
                    reason="bands_invalid",
                    bands=count,
                )
            index = matches[0]
        if not 1 <= index <= count:
            raise InputError(
                f"{path}: --bands refers to band {index} but the raster has bands 1..{count}",
                file=path,
                reason="bands_invalid",
                bands=count,
            )
        indexes.append(index)
    return BandMapping(tuple(indexes), tuple(wanted), "explicit")
