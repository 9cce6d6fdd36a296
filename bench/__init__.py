"""Reproducible load and data-scale benchmarks (`python -m bench.run`, `python -m bench.soak`)."""
