"""crmlink's benchmarks: `make bench` (python -m bench) and the older single-figure scripts."""
