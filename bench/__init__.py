"""Benchmarks: each `bench_*.py` prints its figures and writes its section of docs/benchmarks.md."""
