"""Benchmarks of SCI-CBIR against the tools a user would otherwise pick.

``run_all.py`` is the one command: it runs the peer comparisons of this package (codec against
JPEG 2000 and lossless GeoTIFF, hash codes against classic hashing baselines) and the engine's own
``bench_*.py`` scripts, and writes ``docs/benchmarks.md`` with plots under ``docs/benchmarks/``.
"""
