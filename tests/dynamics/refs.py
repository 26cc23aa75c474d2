"""Loading the recorded real responses in ../shared/reference/dynamics for comparison."""

from __future__ import annotations

import json
import re

from tests.reference import REFERENCE

REF = REFERENCE / "dynamics"


def load(name: str):
    return json.loads((REF / name).read_text(encoding="utf-8-sig"))


def http_examples(name: str) -> str:
    return (REF / "docs-examples-2020" / name).read_text(encoding="utf-8")


def shape(value):
    """A value's JSON shape: dict keys recursively, list element shape, scalar type."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
