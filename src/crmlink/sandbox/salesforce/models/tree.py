"""sObject Tree: nested parent-child records created all or nothing (`/composite/tree`).

Each record carries `attributes: {type, referenceId}`; a key naming one of its object's
child relationships (`Contacts` on Account) holds `{"records": [...]}` of children, whose
lookup to the parent (`AccountId`) is filled with the parent's new id. At most 200 records,
5 object types and 5 levels. Records are created level by level across all trees (roots
first, as Salesforce does), in one transaction: any failure rolls everything back and the
answer names only the records that failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.composite import InvalidInput
from crmlink.sandbox.salesforce.models.describes import Catalog, ObjectMeta

MAX_RECORDS = 200
MAX_TYPES = 5
MAX_DEPTH = 5


@dataclass
class TreeNode:
    reference_id: str
    obj: ObjectMeta
    fields: dict
    level: int
    parent: TreeNode | None = None
    parent_field: str | None = None
    id: str | None = None


@dataclass
class TreeOutcome:
    """Created nodes in creation order, or the (referenceId, error) of each failure."""

    created: list[TreeNode] = field(default_factory=list)
    failures: list[tuple[str, errors.SalesforceError]] = field(default_factory=list)


class _Failed(Exception):
    pass


def plan(catalog: Catalog, root: ObjectMeta, body: object) -> list[TreeNode]:
    """The request's records as nodes in creation order (level by level); raises for a
    malformed request or one over the limits."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise errors.JsonParserError("'records' is a required field.")
    nodes: list[TreeNode] = []
    for record in body["records"]:
        _add(catalog, nodes, record, root, None)
    _check_limits(nodes)
    return sorted(nodes, key=lambda n: n.level)  # stable: request order within a level


def _add(catalog, nodes: list, record, obj: ObjectMeta, parent: tuple | None) -> None:
    node = _node(record, obj, parent)
    nodes.append(node)
    if len(nodes) > MAX_RECORDS:
        raise InvalidInput(f"An sObject tree request can hold at most {MAX_RECORDS} records.")
    for key, value in record.items():
        child = _child_relationship(catalog, obj, key, value)
        if child is None:
            node.fields[key] = value
            continue
        child_obj, lookup_field = child
        for child_record in value["records"]:
            _add(catalog, nodes, child_record, child_obj, (node, lookup_field))


def _node(record, obj: ObjectMeta, parent: tuple | None) -> TreeNode:
    attributes = record.get("attributes") if isinstance(record, dict) else None
    if not isinstance(attributes, dict) or not attributes.get("referenceId"):
        raise InvalidInput("Each record needs attributes with a type and a referenceId.")
    kind = attributes.get("type")
    if not isinstance(kind, str) or kind.lower() != obj.name.lower():
        raise InvalidInput(f"Record {attributes['referenceId']} must be of type {obj.name}.")
    level = parent[0].level + 1 if parent else 1
    if level > MAX_DEPTH:
        raise InvalidInput(f"An sObject tree can be at most {MAX_DEPTH} levels deep.")
    node = TreeNode(str(attributes["referenceId"]), obj, {}, level)
    if parent:
        node.parent, node.parent_field = parent
    return node


def _child_relationship(catalog: Catalog, obj: ObjectMeta, key: str, value) -> tuple | None:
    """(child object, its lookup field) when `key` is one of `obj`'s child relationships
    holding `{"records": [...]}`; None for an ordinary field (and `attributes`)."""
    if key == "attributes" or not isinstance(value, dict):
        return None
    if not isinstance(value.get("records"), list):
        return None
    for rel in obj.raw.get("childRelationships") or []:
        if (rel.get("relationshipName") or "").lower() == key.lower():
            child = catalog.get(rel.get("childSObject") or "")
            return (child, rel["field"]) if child is not None else None
    return None


def _check_limits(nodes: list[TreeNode]) -> None:
    if len({n.obj.name for n in nodes}) > MAX_TYPES:
        raise InvalidInput(f"An sObject tree request can hold at most {MAX_TYPES} types.")


def duplicates(nodes: list[TreeNode]) -> list[tuple[str, errors.SalesforceError]]:
    """One failure for each instance of a referenceId used more than once."""
    counts = Counter(n.reference_id for n in nodes)
    message = "Duplicate ReferenceId provided in the request."
    return [(n.reference_id, InvalidInput(message)) for n in nodes if counts[n.reference_id] > 1]


def create(org, nodes: list[TreeNode]) -> TreeOutcome:
    """Insert the nodes level by level in one transaction, all or nothing."""
    outcome = TreeOutcome(failures=duplicates(nodes))
    if outcome.failures:
        return outcome
    try:
        with org.store.transaction():
            for level in sorted({n.level for n in nodes}):
                _create_level(org, [n for n in nodes if n.level == level], outcome)
    except _Failed:
        outcome.created = []
    return outcome


def _create_level(org, level: list[TreeNode], outcome: TreeOutcome) -> None:
    for node in level:
        values = dict(node.fields)
        if node.parent is not None and node.parent_field:
            values[node.parent_field] = node.parent.id
        try:
            node.id = org.insert(node.obj.name, values)
            outcome.created.append(node)
        except errors.SalesforceError as exc:
            outcome.failures.append((node.reference_id, exc))
    if outcome.failures:
        raise _Failed  # the transaction rolls back whole
