"""Search: region, tile or raster queries -> ranked archive tiles, as data and as files.

- ``region``: a drawn geometry or bbox (any CRS) -> the raster's CRS -> the model tiles it covers.
- ``knn`` + ``merge``: exact top-k over the archive's faiss binary index for a multi-code query
  (several query tiles), with the documented merge rule and deterministic tie-breaks.
- ``hamming``: the exhaustive numpy reference the index answer is checked against.
- ``query``: ``Searcher``, which keeps the model and index loaded between queries.
- ``results``: the results GeoPackage and the decoded result GeoTIFFs.

Nothing heavy is imported here: ``from scicbir.search import query`` pulls faiss and the codec
only when a ``Searcher`` is made.
"""
