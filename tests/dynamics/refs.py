"""Loading the recorded real responses in tests/reference/dynamics for comparison."""

from __future__ import annotations

import re
from typing import Any

from tests.reference import recorded, reference_path


def load(name: str) -> Any:
    """The recorded JSON tests/reference/dynamics/<name> (e.g. "docs-current/x.json"), parsed."""
    return recorded("dynamics", *name.split("/"))


def http_examples(name: str) -> str:
    """The text of a docs example file tests/reference/dynamics/docs-examples-2020/<name>."""
    return reference_path("dynamics", "docs-examples-2020", name).read_text(encoding="utf-8")


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
