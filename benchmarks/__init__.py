"""Benchmarks: ``python -m benchmarks <name>``; each prints one JSON line per figure (see common.emit)."""
