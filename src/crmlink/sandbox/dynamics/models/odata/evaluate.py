"""Evaluate a `$filter` AST against plain dicts (metadata collections are small)."""

from __future__ import annotations

import operator
import uuid

from crmlink.sandbox.dynamics.models.odata.filter import (
    Call,
    Compare,
    InList,
    Literal,
    Logical,
    Not,
    Prop,
)

_OPS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def _value(node, row: dict):
    if isinstance(node, Prop):
        value: object = row
        for part in node.name.split("/"):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    if isinstance(node, Literal):
        return str(node.value) if isinstance(node.value, uuid.UUID) else node.value
    return matches(node, row)


def matches(node, row: dict) -> bool:
    if isinstance(node, Logical):
        left = matches(node.left, row)
        return (
            (left and matches(node.right, row))
            if node.op == "and"
            else (left or matches(node.right, row))
        )
    if isinstance(node, Not):
        return not matches(node.operand, row)
    if isinstance(node, Compare):
        left, right = _value(node.left, row), _value(node.right, row)
        if node.op in ("eq", "ne"):
            return _OPS[node.op](_norm(left), _norm(right))
        try:
            return bool(_OPS[node.op](left, right))
        except TypeError:
            return False
    if isinstance(node, Call):
        text, needle = str(_value(node.prop, row) or "").lower(), str(node.value.value).lower()
        return getattr(text, {"contains": "__contains__"}.get(node.name, node.name))(needle)
    if isinstance(node, InList):
        values = {_norm(_value(v, row)) for v in node.values}
        return (_norm(_value(node.prop, row)) in values) != node.negate
    return bool(_value(node, row))


def _norm(value):
    return value.lower() if isinstance(value, str) else value
