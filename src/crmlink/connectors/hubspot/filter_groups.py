"""The filter AST rendered as HubSpot search `filterGroups`: an OR of groups, each an AND of
filters (`{"propertyName", "operator", "value" | "values"}`), built as dicts, never text.

    a = 'x' / != / < / <= / > / >=   EQ / NEQ / LT / LTE / GT / GTE
    a in (…) / not in (…)            IN / NOT_IN with `values`
    a is null / is not null          NOT_HAS_PROPERTY / HAS_PROPERTY
    a like 'x' (no wildcard)         EQ (`not like`: NEQ)
    not (…)                          pushed to the leaves (De Morgan; each leaf has an
                                     exact opposite: EQ/NEQ, LT/GTE, IN/NOT_IN, …)
    x and (y or z)                   distributed: (x and y) or (x and z)

HubSpot's limits are checked after that normalisation: at most 5 groups, 6 filters in a
group, 18 in all (`LIMITS`); `with_window` adds the read's window filters to every group
under the same limits. A filter beyond them, or that HubSpot cannot express, is a
FilterError saying which limit or construct.

Values are HubSpot's wire text per kind: datetimes as epoch milliseconds, a date as its
midnight UTC in epoch milliseconds, booleans `true`/`false`, numbers as decimal text,
enumerations as their internal value. HubSpot matches `IN` on text properties against
lower-cased values (its documented rule), so those are lower-cased; `EQ` ignores case.

`like` with a wildcard is refused: HubSpot has no prefix, suffix or substring operator.
CONTAINS_TOKEN matches whole words of a tokenised value (case-insensitive, `*` completes a
word), so `like 'Ann%'` as `CONTAINS_TOKEN Ann*` would also match "Mary Annabel": not the
same rows, and crmlink does not silently widen a filter.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from crmlink.errors import FilterError, clip
from crmlink.filters import ast
from crmlink.filters.ast import like_parts
from crmlink.model import FieldKind, RemoteField, RemoteTable

K = FieldKind
Filter = dict[str, object]
Group = list[Filter]


@dataclass(frozen=True)
class Limits:
    groups: int = 5
    per_group: int = 6
    total: int = 18


LIMITS = Limits()
OPERATORS = {"=": "EQ", "!=": "NEQ", "<": "LT", "<=": "LTE", ">": "GT", ">=": "GTE"}
OPPOSITE = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
# Text kinds whose `IN` values HubSpot wants lower-cased (enumeration values are exact).
LOWERED_IN = frozenset({K.STRING, K.TEXT, K.EMAIL, K.PHONE, K.URL})
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


def render(expr: ast.Expr, table: RemoteTable) -> list[dict]:
    """HubSpot `filterGroups` for a bound, validated filter on `table`."""
    groups = normalised(expr, table)
    check(groups, "this filter")
    return [{"filters": group} for group in groups]


def normalised(expr: ast.Expr, table: RemoteTable) -> list[Group]:
    """The filter as an OR of AND-groups of HubSpot filters (not yet checked for limits)."""
    needed = _group_count(expr, False)
    if needed > LIMITS.groups:
        raise FilterError(
            f"HubSpot search cannot express this filter: once its `or`s are distributed over "
            f"its `and`s it needs {needed} filter groups, and HubSpot takes at most "
            f"{LIMITS.groups} (an `or` of at most {LIMITS.groups} `and`s)",
            object=table.name,
        )
    return _groups(expr, False, table)


def check(groups: list[Group], what: str) -> None:
    """FilterError when `groups` pass HubSpot's limits (`what` names whose filters they are)."""
    if len(groups) > LIMITS.groups:
        raise FilterError(
            f"HubSpot search cannot express {what}: it needs {len(groups)} filter groups and "
            f"HubSpot takes at most {LIMITS.groups}"
        )
    for number, group in enumerate(groups, 1):
        if len(group) > LIMITS.per_group:
            raise FilterError(
                f"HubSpot search cannot express {what}: its filter group {number} has "
                f"{len(group)} filters once normalised, and HubSpot takes at most "
                f"{LIMITS.per_group} in a group"
            )
    total = sum(len(group) for group in groups)
    if total > LIMITS.total:
        raise FilterError(
            f"HubSpot search cannot express {what}: it needs {total} filters in all once "
            f"normalised (an `or` of `and`s), and HubSpot takes at most {LIMITS.total}"
        )


def with_window(groups: list[Group], window: Group, what: str) -> list[dict]:
    """`filterGroups` for (user groups) AND (window filters): the window joins every group.
    The user's filter alone passed the limits; a FilterError says when it leaves no room."""
    if not groups:
        return [{"filters": list(window)}]
    joined = [[*group, *window] for group in groups]
    try:
        check(joined, "this filter together with the read's window")
    except FilterError as exc:
        raise FilterError(
            f"{exc.message}: the filter leaves no room for the {len(window)} filter(s) "
            f"of {what}; simplify the filter (fewer `or`s or conditions)"
        ) from None
    return [{"filters": group} for group in joined]


def _group_count(expr: ast.Expr, negated: bool) -> int:
    """How many groups the normal form has, computed without building it."""
    match expr:
        case ast.Not(item):
            return _group_count(item, not negated)
        case ast.And(items) | ast.Or(items):
            counts = [_group_count(item, negated) for item in items]
            product = isinstance(expr, ast.And) != negated  # a negated Or is an And
            return math.prod(counts) if product else sum(counts)
    return 1


def _groups(expr: ast.Expr, negated: bool, table: RemoteTable) -> list[Group]:
    match expr:
        case ast.Not(item):
            return _groups(item, not negated, table)
        case ast.And(items) | ast.Or(items):
            parts = [_groups(item, negated, table) for item in items]
            if isinstance(expr, ast.And) != negated:  # AND: every combination of groups
                result: list[Group] = [[]]
                for part in parts:
                    result = [[*left, *right] for left in result for right in part]
                return result
            return [group for part in parts for group in part]
    return [[leaf(expr, negated, table)]]


def leaf(expr: ast.Expr, negated: bool, table: RemoteTable) -> Filter:
    """One HubSpot filter for a comparison, list, null test or pattern (negated: its opposite)."""
    match expr:
        case ast.Comparison(name, op, value):
            field = _field(table, name)
            symbol = OPPOSITE[op.value] if negated else op.value
            return _filter(field, OPERATORS[symbol], value=wire_value(field, value, symbol))
        case ast.InList(name, values, listed_negated):
            field = _field(table, name)
            texts = [wire_value(field, v, "=") for v in values]
            if field.kind in LOWERED_IN:
                texts = [text.lower() for text in texts]
            operator = "NOT_IN" if listed_negated != negated else "IN"
            return _filter(field, operator, values=texts)
        case ast.IsNull(name, null_negated):
            operator = "HAS_PROPERTY" if null_negated != negated else "NOT_HAS_PROPERTY"
            return _filter(_field(table, name), operator)
        case ast.Like(name, pattern, like_negated):
            field = _field(table, name)
            text = _exact_pattern(field, pattern)
            return _filter(field, "NEQ" if like_negated != negated else "EQ", value=text)
    raise TypeError(f"not a filter expression: {expr!r}")


def _filter(field: RemoteField, operator: str, **operands: object) -> Filter:
    return {"propertyName": field.name, "operator": operator, **operands}


def _field(table: RemoteTable, name: str) -> RemoteField:
    field = table.field(name)
    if field is None:
        raise FilterError(f"{name!r} is not a property of {table.name}", field=name)
    return field


def _exact_pattern(field: RemoteField, pattern: str | ast.Template) -> str:
    if isinstance(pattern, ast.Template):
        raise ast.unbound(pattern)
    parts = like_parts(pattern)
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0]
    if not parts:
        return ""
    raise FilterError(
        f"HubSpot search cannot match the pattern {pattern!r} on {field.name!r}: it has no "
        "prefix, suffix or substring operator (CONTAINS_TOKEN matches whole words), so "
        "`like` works only without wildcards; use = or in (…) instead",
        field=field.name,
    )


def wire_value(field: RemoteField, value: ast.Value, symbol: str) -> str:
    """A literal as HubSpot's filter text for `field` (`symbol`: the comparison, which
    decides how a sub-millisecond datetime rounds)."""
    match value:
        case ast.String(text):
            if field.kind == K.ID and not (text.isascii() and text.isdigit()):
                raise FilterError(
                    f"{clip(text)} is not a HubSpot record id (ids are whole numbers): "
                    f"field {field.name!r}",
                    field=field.name,
                )
            return text
        case ast.Boolean(flag):
            return "true" if flag else "false"
        case ast.Number(number):
            return format(number, "f") if isinstance(number, Decimal) else str(int(number))
        case ast.Date(day):
            return str(epoch_ms(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)))
        case ast.DateTime(moment):
            return str(epoch_ms(moment, round_up=symbol in (">=", "<")))
        case ast.Param() | ast.Template():
            raise ast.unbound(value)
    raise FilterError(f"HubSpot search cannot compare {field.name!r} with {value!r}")


def epoch_ms(moment: dt.datetime, round_up: bool = False) -> int:
    """Milliseconds since 1970 (UTC), HubSpot's filter value for dates and datetimes. A
    moment between two milliseconds rounds so that the comparison keeps its meaning on
    whole-millisecond stamps (`>= x.5` is `>= x+1`; `> x.5` is `> x`)."""
    if moment.tzinfo is None:
        raise FilterError(f"datetime {moment.isoformat()} has no time zone")
    elapsed = moment - _EPOCH
    whole, rest = divmod(elapsed, _MS)
    return int(whole) + (1 if round_up and rest else 0)
