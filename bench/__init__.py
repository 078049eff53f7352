"""Benchmarks: each script prints one JSON line of figures last (not collected by pytest)."""
