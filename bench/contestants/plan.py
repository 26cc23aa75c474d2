"""Every contestant, in the order they run inside a round; `--only` picks some."""

from __future__ import annotations

from bench.contestants import dynamics, incremental, sf_export, sf_import
from bench.contestants.jobs import Contestant


def all_contestants() -> list[Contestant]:
    return [
        *sf_import.contestants(),
        *sf_export.contestants(),
        *incremental.contestants(),
        *dynamics.contestants(),
    ]


def selected(only: tuple[str, ...], quick: bool = False) -> list[Contestant]:
    """Contestants whose 'scenario/name/db' contains one of `only` (any case); all without
    `only`, less the slow ones (Airbyte, Singer: minutes for 100,000 rows) when `quick`."""
    if not only:
        return [c for c in all_contestants() if not (quick and c.slow)]
    words = [w.lower() for w in only]
    return [
        c
        for c in all_contestants()
        if any(w in f"{c.scenario}/{c.name}/{c.target}".lower() for w in words)
    ]
