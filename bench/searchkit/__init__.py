"""Support code of bench/search.py: the generated corpus, its vocabulary, and the benchmark server's settings, URLs
and naive baseline page. A package, so bench/run.py (which runs every bench/*.py) does not take these for
benchmarks."""
