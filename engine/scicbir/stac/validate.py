"""STAC objects checked against the JSON schemas bundled in ``schemas/``, offline.

A STAC object names its schemas by URL (the core schema through ``stac_version`` and ``type``,
each extension in ``stac_extensions``). A validator that fetched them would need the network
and could change its verdict when a file online changes; here every URL maps to a bundled file
(``schemas/README.md`` says where each came from), and a ``$ref`` to any other URL fails.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "schemas"
STAC_VERSION = "1.1.0"
_CORE = f"https://schemas.stacspec.org/v{STAC_VERSION}"
_ITEM_SPEC = f"{_CORE}/item-spec/json-schema"

#: published URL -> bundled file (relative to ``schemas/``)
SCHEMA_FILES: dict[str, str] = {
    **{
        f"{_ITEM_SPEC}/{name}.json": f"stac-spec/v{STAC_VERSION}/{name}.json"
        for name in (
            "item",
            "bands",
            "basics",
            "common",
            "data-values",
            "datetime",
            "instrument",
            "licensing",
            "provider",
        )
    },  # fmt: skip
    f"{_CORE}/collection-spec/json-schema/collection.json": (
        f"stac-spec/v{STAC_VERSION}/collection.json"
    ),
    f"{_CORE}/catalog-spec/json-schema/catalog.json": f"stac-spec/v{STAC_VERSION}/catalog.json",
    "https://geojson.org/schema/Feature.json": "geojson/Feature.json",
    "https://geojson.org/schema/Geometry.json": "geojson/Geometry.json",
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json": "eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v2.0.0/schema.json": (
        "projection/v2.0.0/schema.json"
    ),
    "https://proj.org/schemas/v0.7/projjson.schema.json": "projjson/v0.7/projjson.schema.json",
}

#: the core schema of each STAC object type
CORE_SCHEMAS = {
    "Feature": f"{_ITEM_SPEC}/item.json",
    "Collection": f"{_CORE}/collection-spec/json-schema/collection.json",
    "Catalog": f"{_CORE}/catalog-spec/json-schema/catalog.json",
}


class StacSchemaError(ValueError):
    """An object names a schema that is not bundled (so it cannot be checked offline)."""


@lru_cache(maxsize=1)
def _registry():
    """The bundled schemas as a ``referencing`` registry, with no way to retrieve others."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    resources = []
    for url, name in SCHEMA_FILES.items():
        contents = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        resources.append((url, resource))
        declared = str(contents.get("$id", "")).rstrip("#")
        if declared and declared != url:
            resources.append((declared, resource))
    return Registry().with_resources(resources)


@cache
def _validator(url: str):
    from jsonschema import Draft7Validator

    registry = _registry()
    if url not in SCHEMA_FILES:
        raise StacSchemaError(
            f"no bundled schema for {url}: only {STAC_VERSION} core, eo v1.1.0 and projection "
            "v2.0.0 objects can be checked offline (scicbir/stac/schemas/README.md)"
        )
    schema = registry.contents(url)
    return Draft7Validator(schema, registry=registry)


def schema_urls(obj: dict[str, Any]) -> list[str]:
    """The schemas ``obj`` must pass: its type's core schema, then each extension's."""
    kind = obj.get("type")
    if kind not in CORE_SCHEMAS:
        raise StacSchemaError(f"not a STAC Item, Collection or Catalog (type {kind!r})")
    version = obj.get("stac_version")
    if version != STAC_VERSION:
        raise StacSchemaError(
            f"stac_version {version!r}: only STAC {STAC_VERSION} schemas are bundled"
        )
    return [CORE_SCHEMAS[kind], *obj.get("stac_extensions", [])]


def stac_problems(obj: dict[str, Any]) -> list[str]:
    """Every way ``obj`` fails its schemas, as ``"<schema>: <path>: <message>"``; empty if valid.

    ``StacSchemaError`` when a schema it names is not bundled.
    """
    problems = []
    for url in schema_urls(obj):
        for found in _validator(url).iter_errors(obj):
            error = _deepest(found)
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{url}: {where}: {error.message[:300]}")
    return problems


def _deepest(error):
    """Into a failed ``oneOf``/``anyOf``: the error deepest in the object, which names the field
    at fault (the branch for another object type fails near the top)."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def validate_stac_file(path: str | Path) -> list[str]:
    """``stac_problems`` of a STAC JSON file."""
    return stac_problems(json.loads(Path(path).read_text(encoding="utf-8")))
