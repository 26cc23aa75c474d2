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


def selected(only: tuple[str, ...]) -> list[Contestant]:
    """Contestants whose name, scenario or 'scenario/name' contains one of `only` (any case)."""
    if not only:
        return all_contestants()
    words = [w.lower() for w in only]
    return [
        c
        for c in all_contestants()
        if any(w in f"{c.scenario}/{c.name}/{c.target}".lower() for w in words)
    ]
