"""A STAC Catalog that links the Collections of several archive exports (the demo's two
archives): one file to open for all of them.

Only the Catalog's own file is written: each Collection stays the root of its own export, so
``scicbir archive stac`` can update it alone later. Written (and checked) like an export: an
unchanged catalog keeps its bytes and mtime.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CATALOG_FILE = "catalog.json"


def write_root_catalog(
    folder: Path, collections: list[Path], catalog_id: str, description: str
) -> Path:
    """``folder/catalog.json`` with a ``child`` link to each collection file (relative)."""
    import pystac

    from scicbir.stac.validate import stac_problems
    from scicbir.stac.writer import KeepUnchangedIO

    folder = Path(folder).resolve()
    catalog = pystac.Catalog(id=catalog_id, description=description)
    catalog.set_self_href(str(folder / CATALOG_FILE))
    for path in collections:
        title = json.loads(Path(path).read_text(encoding="utf-8")).get("title")
        href = "./" + Path(os.path.relpath(Path(path).resolve(), folder)).as_posix()
        catalog.add_link(pystac.Link("child", href, pystac.MediaType.JSON, title=title))
    problems = stac_problems(catalog.to_dict(include_self_link=False))
    if problems:
        raise RuntimeError(f"STAC catalog {catalog_id} fails its schema: {problems[:3]}")
    catalog.save_object(include_self_link=False, stac_io=KeepUnchangedIO())
    return folder / CATALOG_FILE
