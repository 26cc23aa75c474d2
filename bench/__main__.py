"""`python -m bench`: the side-by-side benchmark (see bench/README.md)."""

from bench.cli import main

main()
