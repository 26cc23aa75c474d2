"""The recorded real CRM responses in tests/reference/ (inside the repository); shape comparison.

Every read goes through `reference_path`, so a missing file fails the test with an assertion
naming it (`tests/reference/README.md` says where each file was recorded)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent / "reference"


def reference_path(*parts: str) -> Path:
    """The recorded file (or folder) tests/reference/<parts>; asserts that it exists."""
    path = REFERENCE.joinpath(*parts)
    assert path.exists(), (
        f"the recorded response tests/reference/{'/'.join(parts)} is missing: "
        "restore it from git (tests/reference/README.md says where it was recorded)"
    )
    return path


def reference_files(*parts: str, pattern: str) -> list[Path]:
    """The recorded files in the folder tests/reference/<parts> matching `pattern`, sorted;
    asserts that there is at least one."""
    found = sorted(reference_path(*parts).glob(pattern))
    assert found, f"no recorded response matches tests/reference/{'/'.join(parts)}/{pattern}"
    return found


def recorded(*parts: str) -> Any:
    """The recorded JSON file tests/reference/<parts>, parsed (a UTF-8 BOM is allowed)."""
    return json.loads(reference_path(*parts).read_text(encoding="utf-8-sig"))


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
