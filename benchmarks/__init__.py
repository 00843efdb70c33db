"""Benchmarks: each `bench_*.py` module prints one JSON object per line (name, value, unit, target, ok)."""
