"""Access to the recorded real responses in ../shared/reference, and shape comparison."""

from __future__ import annotations

import json
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def reference_path(*parts: str) -> Path:
    path = REFERENCE.joinpath(*parts)
    assert path.exists(), f"recorded response {path} is missing: is ../shared/ beside the repo?"
    return path


def recorded(*parts: str):
    return json.loads(reference_path(*parts).read_text(encoding="utf-8"))


def shape(value):
    """The structure of a JSON value: dict keys, list element shapes, scalar type names."""
    if isinstance(value, dict):
        return {key: shape(v) for key, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape_differences(ours, theirs, path: str = "$") -> list[str]:
    """Where our JSON differs in structure from the recorded one (nulls match any type)."""
    a, b = shape(ours), shape(theirs)
    return _diff(a, b, path)


def _diff(a, b, path: str) -> list[str]:
    if "null" in (a, b):
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}: keys {sorted(set(a) ^ set(b))} differ"] if set(a) != set(b) else []
        for key in set(a) & set(b):
            out += _diff(a[key], b[key], f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        return _diff(a[0], b[0], f"{path}[0]") if a and b else []
    return [] if a == b else [f"{path}: {a} != {b}"]
