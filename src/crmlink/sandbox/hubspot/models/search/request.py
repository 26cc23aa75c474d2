"""The search request body, read and checked as HubSpot checks it, before any SQL is built.

`parse_request(body)` gives a `SearchRequest` or raises HubSpot's 400 (VALIDATION_ERROR):
at most 5 filterGroups, 6 filters in a group and 18 in all; one sort; `limit` 1..200
(default 10); `after` an integer offset; `query` at most 3,000 characters. Property names
are checked later, against the object type's properties (`compile.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmlink.sandbox.hubspot.errors import ValidationFailed

MAX_GROUPS, MAX_GROUP_FILTERS, MAX_FILTERS = 5, 6, 18
MAX_LIMIT, DEFAULT_LIMIT = 200, 10
MAX_QUERY = 3000
OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)
LIST_OPERATORS = frozenset({"IN", "NOT_IN"})
PRESENCE_OPERATORS = frozenset({"HAS_PROPERTY", "NOT_HAS_PROPERTY"})


@dataclass(frozen=True)
class Filter:
    property_name: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sort:
    property_name: str
    descending: bool = False


@dataclass(frozen=True)
class SearchRequest:
    groups: tuple[tuple[Filter, ...], ...] = ()
    sort: Sort | None = None
    query: str | None = None
    properties: tuple[str, ...] | None = None
    limit: int = DEFAULT_LIMIT
    after: int = 0


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message)


def _text(value: Any, where: str) -> str:
    """A filter value: HubSpot takes strings, and numbers or booleans as their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise _invalid(f"Invalid input JSON: {where} must be a string.")


def _filter(raw: Any) -> Filter:
    if not isinstance(raw, dict):
        raise _invalid("Invalid input JSON: each filter must be an object.")
    name, operator = raw.get("propertyName"), raw.get("operator")
    if not isinstance(name, str) or not name:
        raise _invalid("Invalid input JSON: a filter has no propertyName.")
    if operator not in OPERATORS:
        raise _invalid(
            f"Invalid input JSON: Cannot deserialize value of type `FilterOperatorEnum` "
            f"from String {operator!r}: not one of the values accepted for Enum class: "
            f"[{', '.join(sorted(OPERATORS))}]"
        )
    value = raw.get("value")
    high = raw.get("highValue")
    values = raw.get("values")
    if operator in LIST_OPERATORS:
        if not isinstance(values, list) or not values:
            raise _invalid(f"Operator {operator} on {name} requires a non-empty values list.")
        return Filter(name, operator, values=tuple(_text(v, "values") for v in values))
    if operator in PRESENCE_OPERATORS:
        return Filter(name, operator)
    if value is None:
        raise _invalid(f"Operator {operator} on {name} requires a value.")
    if operator == "BETWEEN":
        if high is None:
            raise _invalid(f"Operator BETWEEN on {name} requires a value and a highValue.")
        return Filter(name, operator, _text(value, "value"), _text(high, "highValue"))
    return Filter(name, operator, _text(value, "value"))


def _groups(raw: Any) -> tuple[tuple[Filter, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _invalid("Invalid input JSON: filterGroups must be a list.")
    if len(raw) > MAX_GROUPS:
        raise _invalid(
            f"Too many filter groups: {len(raw)}. A search takes at most {MAX_GROUPS} filterGroups."
        )
    groups = []
    for group in raw:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise _invalid("Invalid input JSON: each filter group needs a filters list.")
        if len(filters) > MAX_GROUP_FILTERS:
            raise _invalid(
                f"Too many filters in a filter group: {len(filters)}. A filter group takes "
                f"at most {MAX_GROUP_FILTERS} filters."
            )
        if filters:
            groups.append(tuple(_filter(f) for f in filters))
    total = sum(len(g) for g in groups)
    if total > MAX_FILTERS:
        raise _invalid(
            f"Too many filters: {total}. A search takes at most {MAX_FILTERS} filters "
            "across all filter groups."
        )
    return tuple(groups)


def _sort(raw: Any) -> Sort | None:
    """`[{"propertyName", "direction"}]` or the SDK's string form `["-createdate"]`."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise _invalid("Invalid input JSON: sorts must be a list.")
    if len(raw) > 1:
        raise _invalid("Only one sort is supported per search request.")
    item = raw[0]
    if isinstance(item, str) and item.strip("-"):
        return Sort(item.lstrip("-"), item.startswith("-"))
    if isinstance(item, dict) and isinstance(item.get("propertyName"), str):
        direction = item.get("direction", "ASCENDING")
        if direction not in ("ASCENDING", "DESCENDING"):
            raise _invalid(
                f"Invalid input JSON: sort direction {direction!r} is not one of "
                "[ASCENDING, DESCENDING]"
            )
        return Sort(item["propertyName"], direction == "DESCENDING")
    raise _invalid("Invalid input JSON: a sort needs a propertyName.")


def _limit(raw: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise _invalid("Invalid input JSON: limit must be an integer.")
    try:
        limit = int(raw)
    except ValueError:
        raise _invalid(f"Invalid input JSON: limit {raw!r} is not an integer.") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    return limit


def _after(raw: Any) -> int:
    """HubSpot's search cursor is an offset, sent as an integer string."""
    if raw is None or raw == "":
        return 0
    try:
        after = int(str(raw))
    except ValueError:
        raise _invalid(f"Invalid input JSON: after {raw!r} must be an integer.") from None
    if after < 0:
        raise _invalid(f"after must not be negative, got {after}.")
    return after


def _properties(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise _invalid("Invalid input JSON: properties must be a list of strings.")
    return tuple(raw)


def _query(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _invalid("Invalid input JSON: query must be a string.")
    if len(raw) > MAX_QUERY:
        raise _invalid(f"The search query is {len(raw)} characters; at most {MAX_QUERY}.")
    return raw.strip() or None


def parse_request(body: Any) -> SearchRequest:
    if not isinstance(body, dict):
        raise _invalid("Invalid input JSON: the search request must be a JSON object.")
    return SearchRequest(
        groups=_groups(body.get("filterGroups")),
        sort=_sort(body.get("sorts")),
        query=_query(body.get("query")),
        properties=_properties(body.get("properties")),
        limit=_limit(body.get("limit")),
        after=_after(body.get("after")),
    )
