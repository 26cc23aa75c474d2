"""Compile a `$filter` AST to a SQLite WHERE clause with `?` parameters.

Property names are checked against the entity's metadata and always quoted; literal
values only ever travel as bound parameters, converted to the column's storage form.
String comparisons are case-insensitive, as in Dataverse's default collation.
"""

from __future__ import annotations

import datetime as dt
import uuid

from crmlink.sandbox.dynamics.errors import unknown_property
from crmlink.sandbox.dynamics.models.data.values import normalise_datetime, quote_ident
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef
from crmlink.sandbox.dynamics.models.odata.filter import (
    Call,
    Compare,
    FilterSyntaxError,
    InList,
    Literal,
    Logical,
    Not,
    Prop,
)
from crmlink.sandbox.dynamics.models.odata.tsql import Differs, Like

_OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
_TEXT = frozenset({"String", "Memo", "EntityName", "MultiSelectPicklist"})


class SqlFilter:
    def __init__(self, entity: EntityDef) -> None:
        self.entity = entity
        self.params: list = []

    def compile(self, node) -> str:
        if isinstance(node, Logical):
            return f"({self.compile(node.left)} {node.op.upper()} {self.compile(node.right)})"
        if isinstance(node, Not):
            return f"(NOT {self.compile(node.operand)})"
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Like):
            return self.like(node)
        if isinstance(node, Differs):
            return self.differs(node)
        if isinstance(node, Literal) and isinstance(node.value, bool):
            return "1" if node.value else "0"
        raise FilterSyntaxError("The $filter expression must be a boolean expression.")

    def attribute(self, prop: Prop) -> AttributeDef:
        attr = self.entity.by_wire_name(prop.name)
        if attr is None:
            raise unknown_property(prop.name, self.entity.logical_name)
        return attr

    def compare(self, node: Compare) -> str:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Prop):
            op, left, right = _FLIP[op], right, left
        if not isinstance(left, Prop) or not isinstance(right, Literal):
            raise FilterSyntaxError("A comparison needs a property and a literal value.")
        attr = self.attribute(left)
        col = quote_ident(attr.logical_name)
        if right.value is None:
            if op not in ("eq", "ne"):
                raise FilterSyntaxError(f"The operator '{op}' cannot be used with null.")
            return f"{col} IS {'NOT ' if op == 'ne' else ''}NULL"
        self.params.append(storage_literal(attr, right.value))
        collate = " COLLATE NOCASE" if attr.attribute_type in _TEXT else ""
        if op == "ne":
            return f"({col} IS NULL OR {col} <> ?{collate})"
        return f"{col} {_OPS[op]} ?{collate}"

    def call(self, node: Call) -> str:
        attr = self.attribute(node.prop)
        if not isinstance(node.value.value, str):
            raise FilterSyntaxError(f"The function '{node.name}' needs a string argument.")
        text = node.value.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {"contains": f"%{text}%", "startswith": f"{text}%", "endswith": f"%{text}"}
        self.params.append(pattern[node.name])
        return f"{quote_ident(attr.logical_name)} LIKE ? ESCAPE '\\'"

    def like(self, node: Like) -> str:
        """T-SQL LIKE (`?sql=`): the pattern is bound; SQLite's % and _ match T-SQL's."""
        attr = self.attribute(node.prop)
        self.params.append(node.pattern)
        return f"{quote_ident(attr.logical_name)} {'NOT ' if node.negate else ''}LIKE ?"

    def differs(self, node: Differs) -> str:
        attr = self.attribute(node.prop)
        self.params.append(storage_literal(attr, node.value.value))
        collate = " COLLATE NOCASE" if attr.attribute_type in _TEXT else ""
        return f"{quote_ident(attr.logical_name)} <> ?{collate}"

    def in_list(self, node: InList) -> str:
        attr = self.attribute(node.prop)
        if not node.values:
            return "0" if not node.negate else "1"
        for value in node.values:
            raw = value.value if isinstance(value, Literal) else value
            self.params.append(storage_literal(attr, _coerce_text(attr, raw)))
        marks = ",".join("?" * len(node.values))
        collate = " COLLATE NOCASE" if attr.attribute_type in _TEXT else ""
        negate = "NOT " if node.negate else ""
        return f"{quote_ident(attr.logical_name)}{collate} {negate}IN ({marks})"


def _coerce_text(attr: AttributeDef, value):
    """`In` passes every value as a string; read numbers back as numbers."""
    if not isinstance(value, str):
        return value
    kind = attr.attribute_type
    try:
        if kind in ("Integer", "BigInt", "Picklist", "State", "Status"):
            return int(value)
        if kind in ("Double", "Decimal", "Money"):
            return float(value)
        if kind == "Boolean":
            return value.lower() == "true"
    except ValueError:
        raise FilterSyntaxError(
            f"'{value}' is not a valid value for '{attr.logical_name}'."
        ) from None
    return value


def storage_literal(attr: AttributeDef, value):
    """A filter literal in the column's storage form."""
    kind = attr.attribute_type
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    if kind == "DateTime" and isinstance(value, (dt.date, str)):
        if attr.date_only:
            return value.isoformat()[:10] if not isinstance(value, str) else value[:10]
        return normalise_datetime(value)
    if kind in ("Uniqueidentifier",) or attr.is_lookup:
        return str(value).lower()
    return value


def compile_filter(entity: EntityDef, node) -> tuple[str, list]:
    compiler = SqlFilter(entity)
    return compiler.compile(node), compiler.params
