"""WHERE-clause compilation: typed, parameterised SQLite conditions with SOQL semantics.

Semantics kept from Salesforce:
- text comparisons are case-insensitive (SQLite NOCASE: ASCII letters only); Ids are exact;
- `!=`, `NOT IN` and `NOT (...)` also match rows whose field is null;
- `= ''` matches null (Salesforce stores empty text as null);
- `INCLUDES ('a;b', 'c')` means (a and b) or c over `;`-separated stored values;
- a relative date literal is a range [start, end) of whole days, on date and datetime fields.
"""

from __future__ import annotations

from datetime import datetime

from crmlink.sandbox.salesforce.errors import InvalidQueryFilterOperator

from . import ast
from .dates import date_range, day_start, format_date, format_datetime
from .errors_fmt import invalid_field, located
from .resolve import Resolved, Resolver
from .types import ID_TYPES, INT_TYPES, NUMBER_TYPES, is_text, to_18, type_label

ESCAPE = " ESCAPE '\\'"


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class FilterCompiler:
    def __init__(self, resolver: Resolver, text: str, now: datetime) -> None:
        self.resolver, self.text, self.now = resolver, text, now
        self.params: list = []

    def compile(self, cond: ast.Condition) -> str:
        if isinstance(cond, ast.BoolOp):
            return "(" + f" {cond.op} ".join(self.compile(c) for c in cond.items) + ")"
        if isinstance(cond, ast.Not):
            return f"NOT COALESCE({self.compile(cond.item)}, 0)"
        if isinstance(cond, ast.InList):
            return self.in_list(cond)
        if isinstance(cond, ast.SemiJoin):
            return self.semi_join(cond)
        return self.comparison(cond)

    def semi_join(self, cond: ast.SemiJoin) -> str:
        """`col IN (SELECT one id or reference field FROM …)` as an SQL subquery (its own
        `t` alias shadows ours inside it); null inner values never match."""
        from .compiler import compile_query  # the compiler uses this module: imported late

        r = self.resolver.filterable(cond.field)
        if r.field.type not in ID_TYPES:
            raise self.operator_error(cond.pos, "Semi-join needs an Id or reference field")
        inner_text = self.text[cond.start : cond.end]
        inner = compile_query(inner_text, self.resolver.catalog, now=self.now)
        if inner.aggregate or inner.count_only or len(inner.header) != 1 or inner.children:
            raise self.operator_error(cond.pos, "Semi-join must select exactly one field")
        column = inner.select_sql.split(", ")[0]
        sql = f"SELECT {column} FROM {inner.from_sql} WHERE {inner.where_sql}"
        self.params.extend(inner.params)
        test = f"{r.column} IN ({sql} AND {column} IS NOT NULL)"
        return f"NOT COALESCE({test}, 0)" if cond.negated else test

    # ---- comparisons ------------------------------------------------------------------

    def comparison(self, cond: ast.Comparison) -> str:
        r = self.resolver.filterable(cond.field)
        value = cond.value
        if cond.op == "LIKE":
            return self.like(r, cond)
        if isinstance(value, ast.NullLit):
            if cond.op in ("=", "!="):
                return f"{r.column} IS {'NOT ' if cond.op == '!=' else ''}NULL"
            return "0"
        if isinstance(value, ast.DateRangeLit):
            return self.date_range(r, cond.op, value)
        bound = self.bind(r, value)
        col, coll = r.column, self.collation(r)
        if is_text(r.field.type) and bound == "" and cond.op in ("=", "!="):
            return f"({col} IS NULL OR {col} = '')" if cond.op == "=" else self.not_empty(col)
        self.params.append(bound)
        if cond.op == "!=":
            return f"{col} IS NOT ?{coll}"
        return f"{col} {cond.op} ?{coll}"

    @staticmethod
    def not_empty(col: str) -> str:
        return f"({col} IS NOT NULL AND {col} <> '')"

    @staticmethod
    def collation(r: Resolved) -> str:
        t = r.field.type
        return " COLLATE NOCASE" if is_text(t) and t not in ID_TYPES else ""

    def like(self, r: Resolved, cond: ast.Comparison) -> str:
        if not is_text(r.field.type) or r.field.type == "multipicklist":
            raise self.operator_error(cond.pos, f"invalid operator on {r.field.type} field")
        if not isinstance(cond.value, ast.StringLit):
            raise self.type_error(r, cond.value)
        self.params.append(cond.value.like)
        return f"{r.column} LIKE ?{ESCAPE}"

    def date_range(self, r: Resolved, op: str, value: ast.DateRangeLit) -> str:
        start, end = date_range(value.name, value.n, self.now)
        if r.field.type == "date":
            lo, hi = format_date(start), format_date(end)
        elif r.field.type == "datetime":
            lo, hi = format_datetime(day_start(start)), format_datetime(day_start(end))
        else:
            raise self.type_error(r, value)
        col = r.column
        forms = {
            "=": (f"({col} >= ? AND {col} < ?)", [lo, hi]),
            "!=": (f"({col} IS NULL OR {col} < ? OR {col} >= ?)", [lo, hi]),
            "<": (f"{col} < ?", [lo]),
            "<=": (f"{col} < ?", [hi]),
            ">": (f"{col} >= ?", [hi]),
            ">=": (f"{col} >= ?", [lo]),
        }
        sql, params = forms[op]
        self.params.extend(params)
        return sql

    # ---- lists ------------------------------------------------------------------------

    def in_list(self, cond: ast.InList) -> str:
        r = self.resolver.filterable(cond.field)
        if cond.op in ("INCLUDES", "EXCLUDES"):
            return self.includes(r, cond)
        positive = self.in_positive(r, cond.values)
        if cond.op == "IN":
            return positive
        return f"NOT COALESCE({positive}, 0)"

    def in_positive(self, r: Resolved, values: tuple[ast.Literal, ...]) -> str:
        terms, plain = [], []
        for value in values:
            if isinstance(value, ast.NullLit):
                terms.append(f"{r.column} IS NULL")
            elif isinstance(value, ast.DateRangeLit):
                terms.append(self.date_range(r, "=", value))
            else:
                bound = self.bind(r, value)
                if is_text(r.field.type) and bound == "":
                    terms.append(f"{r.column} IS NULL")
                else:
                    plain.append(bound)
        if plain:
            self.params.extend(plain)
            marks = ", ".join("?" * len(plain))
            terms.append(f"{r.column}{self.collation(r)} IN ({marks})")
        return "(" + " OR ".join(terms) + ")"

    def includes(self, r: Resolved, cond: ast.InList) -> str:
        if r.field.type != "multipicklist":
            raise self.operator_error(
                cond.pos, "includes or excludes operator only valid on multipicklist field"
            )
        padded = f"(';' || COALESCE({r.column}, '') || ';')"
        alternatives = []
        for value in cond.values:
            if not isinstance(value, ast.StringLit):
                raise self.type_error(r, value)
            items = [v.strip() for v in value.value.split(";") if v.strip()]
            if not items:
                alternatives.append("0")
                continue
            self.params.extend(f"%;{escape_like(item)};%" for item in items)
            alternatives.append("(" + " AND ".join([f"{padded} LIKE ?{ESCAPE}"] * len(items)) + ")")
        test = "(" + " OR ".join(alternatives) + ")"
        return test if cond.op == "INCLUDES" else f"NOT {test}"

    # ---- values -----------------------------------------------------------------------

    def bind(self, r: Resolved, value: ast.Literal) -> object:
        """The stored form of a literal compared with field `r`, or a type error."""
        t = r.field.type
        if is_text(t):
            if not isinstance(value, ast.StringLit):
                raise self.type_error(r, value)
            if t in ID_TYPES and value.value:
                full = to_18(value.value)
                if full is None:
                    raise self.operator_error(value.pos, f"invalid ID field: {value.value}")
                return full
            return value.value
        if t == "boolean" and isinstance(value, ast.BoolLit):
            return int(value.value)
        if t in NUMBER_TYPES and isinstance(value, ast.NumberLit):
            number = value.value
            return int(number) if t in INT_TYPES and float(number).is_integer() else number
        if t == "date" and isinstance(value, ast.DateLit):
            return format_date(value.value)
        if t == "datetime" and isinstance(value, ast.DateTimeLit):
            return format_datetime(value.value)
        if t == "time" and isinstance(value, ast.StringLit):
            return value.value
        raise self.type_error(r, value)

    def type_error(self, r: Resolved, value: ast.Literal) -> Exception:
        quoted = is_text(r.field.type) or r.field.type == "time"
        return invalid_field(
            self.text,
            value.pos,
            f"value of filter criterion for field '{r.field.name}' must be of type "
            f"{type_label(r.field.type)} and should {'' if quoted else 'not '}be enclosed in "
            "quotes",
        )

    def operator_error(self, pos: int, message: str) -> Exception:
        return InvalidQueryFilterOperator(located(self.text, pos, message))
