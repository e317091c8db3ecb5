"""Peer methods the engine is measured against, implemented with numpy/scipy/rasterio only.

- ``jpeg2000``: lossy JPEG 2000 (OpenJPEG through GDAL), the standard still-image codec for
  multispectral rasters; ``lossless``: GeoTIFF DEFLATE/ZSTD as the size reference.
- ``klsh``: kernelized locality-sensitive hashing (Kulis & Grauman), unsupervised.
- ``ksh``: kernel-based supervised hashing (Liu et al. 2012).
- ``ranking``: Hamming and cosine rankings, random codes (the floor).
- ``features``: a hand-crafted colour/gradient histogram feature.
"""
