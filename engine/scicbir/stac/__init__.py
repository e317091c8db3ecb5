"""STAC export of an archive folder (docs/stac.md).

``scicbir archive stac DIR -o FOLDER``, the service's ``archive.stac`` and the QGIS Processing
algorithm all build a ``StacExportRequest`` and call ``run_stac_export``: one Collection for the
archive, one Item per source raster, checked against the JSON schemas bundled in ``schemas/``.
"""
