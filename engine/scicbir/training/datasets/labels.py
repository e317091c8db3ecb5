"""BigEarthNet label nomenclatures: the 43 CORINE level-3 names and the 19-class grouping.

The 19-class nomenclature (Sumbul et al., "BigEarthNet-MM", 2021) merges CORINE classes that
cannot be told apart from a single Sentinel-2 patch and drops 11 that cannot be recognised
at all (roads, ports, airports, mines, dumps, construction, green urban, sport, bare rock,
burnt areas, intertidal flats). Patches left with no label after the mapping are excluded by
the adapter (they have no retrieval ground truth).
"""

from __future__ import annotations

BEN19_CLASSES: tuple[str, ...] = (
    "Urban fabric",
    "Industrial or commercial units",
    "Arable land",
    "Permanent crops",
    "Pastures",
    "Complex cultivation patterns",
    "Land principally occupied by agriculture, with significant areas of natural vegetation",
    "Agro-forestry areas",
    "Broad-leaved forest",
    "Coniferous forest",
    "Mixed forest",
    "Natural grassland and sparsely vegetated areas",
    "Moors, heathland and sclerophyllous vegetation",
    "Transitional woodland, shrub",
    "Beaches, dunes, sands",
    "Inland wetlands",
    "Coastal wetlands",
    "Inland waters",
    "Marine waters",
)

# CORINE level-3 name (as written in BigEarthNet's *_labels_metadata.json) -> 19-class name,
# or None where the class is dropped from the 19-class nomenclature.
BEN43_TO_19: dict[str, str | None] = {
    "Continuous urban fabric": "Urban fabric",
    "Discontinuous urban fabric": "Urban fabric",
    "Industrial or commercial units": "Industrial or commercial units",
    "Road and rail networks and associated land": None,
    "Port areas": None,
    "Airports": None,
    "Mineral extraction sites": None,
    "Dump sites": None,
    "Construction sites": None,
    "Green urban areas": None,
    "Sport and leisure facilities": None,
    "Non-irrigated arable land": "Arable land",
    "Permanently irrigated land": "Arable land",
    "Rice fields": "Arable land",
    "Vineyards": "Permanent crops",
    "Fruit trees and berry plantations": "Permanent crops",
    "Olive groves": "Permanent crops",
    "Annual crops associated with permanent crops": "Permanent crops",
    "Pastures": "Pastures",
    "Complex cultivation patterns": "Complex cultivation patterns",
    "Land principally occupied by agriculture, with significant areas of natural vegetation": (
        "Land principally occupied by agriculture, with significant areas of natural vegetation"
    ),
    "Agro-forestry areas": "Agro-forestry areas",
    "Broad-leaved forest": "Broad-leaved forest",
    "Coniferous forest": "Coniferous forest",
    "Mixed forest": "Mixed forest",
    "Natural grassland": "Natural grassland and sparsely vegetated areas",
    "Sparsely vegetated areas": "Natural grassland and sparsely vegetated areas",
    "Moors and heathland": "Moors, heathland and sclerophyllous vegetation",
    "Sclerophyllous vegetation": "Moors, heathland and sclerophyllous vegetation",
    "Transitional woodland/shrub": "Transitional woodland, shrub",
    "Beaches, dunes, sands": "Beaches, dunes, sands",
    "Bare rock": None,
    "Burnt areas": None,
    "Inland marshes": "Inland wetlands",
    "Peatbogs": "Inland wetlands",
    "Salt marshes": "Coastal wetlands",
    "Salines": "Coastal wetlands",
    "Intertidal flats": None,
    "Water courses": "Inland waters",
    "Water bodies": "Inland waters",
    "Coastal lagoons": "Marine waters",
    "Estuaries": "Marine waters",
    "Sea and ocean": "Marine waters",
}

BEN43_CLASSES: tuple[str, ...] = tuple(BEN43_TO_19)


def map_43_to_19(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Map CORINE names to 19-class names (sorted by the 19-class order, duplicates merged).

    Raises ``KeyError`` naming the first unknown label so the adapter can name the file.
    """
    out: set[str] = set()
    for name in names:
        if name not in BEN43_TO_19:
            raise KeyError(name)
        target = BEN43_TO_19[name]
        if target is not None:
            out.add(target)
    return tuple(c for c in BEN19_CLASSES if c in out)
