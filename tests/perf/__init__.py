"""Benchmarks (`make bench`): load, reliability, page weight, PDF and scale figures.

Not tests: nothing here is collected by pytest (no ``test_`` file names, and tests/perf is not
in pytest.ini's testpaths). ``python -m tests.perf.run`` prints one table and writes
docs/benchmarks.md. ``BENCH_QUICK=1`` (or ``make bench QUICK=1``) runs every part briefly.
"""
