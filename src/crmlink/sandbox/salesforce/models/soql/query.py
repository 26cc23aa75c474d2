"""`CompiledQuery`: the SQL pieces of one SOQL query, composable for paging, plus the
row converters (REST records, Bulk CSV).

Paging recipe for callers: run `rowids_sql()` once and store the rowids (in order) in a
cursor table `(seq INTEGER PRIMARY KEY, rid INTEGER)`; each page is then one join of a
`seq` range of it: `cursor_rows_sql` for rows to convert with `to_record` / `to_csv_row`,
or `csv_lines_sql` for Bulk CSV lines made by SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..describes import ObjectMeta, quote_ident
from . import csvlines
from .errors_fmt import FunctionalityNotEnabled


@dataclass
class ChildPlan:
    """A parent-to-child subquery: its key in the parent record (the relationship name),
    the child's reference field to the parent, and the child query compiled."""

    key: str
    field: str
    query: CompiledQuery


@dataclass
class TypeofPlan:
    """A TYPEOF item: its key (the relationship name), the polymorphic reference field's
    column, and one compiled `SELECT fields FROM Type` per type it may point at."""

    key: str
    column: str
    by_type: dict[str, CompiledQuery]


@dataclass
class CompiledQuery:
    object: ObjectMeta
    count_only: bool
    aggregate: bool
    select_sql: str  # the columns, hidden Id columns last (empty for COUNT())
    from_sql: str  # `"sobj_Contact" AS t LEFT JOIN ... AS p1 ON ...`
    where_sql: str  # never empty: always has the visibility condition
    params: list  # the WHERE parameters
    order_sql: str  # without the words ORDER BY; always ends with t.rowid
    limit: int | None
    offset: int | None
    header: list[str] = field(default_factory=list)
    compound_fields: list[str] = field(default_factory=list)
    _builder: Callable[[tuple, str], dict | None] | None = field(default=None, repr=False)
    _csv: list[tuple[int, Callable[[Any], str]]] = field(default_factory=list, repr=False)
    _csv_columns: list[tuple[str, str]] = field(default_factory=list, repr=False)
    children: list[ChildPlan] = field(default_factory=list)
    typeofs: list[TypeofPlan] = field(default_factory=list)

    # ---- SQL --------------------------------------------------------------------------

    def _tail(self) -> tuple[str, list]:
        if self.limit is None and self.offset is None:
            return "", []
        limit = -1 if self.limit is None else self.limit
        return " LIMIT ? OFFSET ?", [limit, self.offset or 0]

    def _base(self, columns: str) -> str:
        return f"SELECT {columns} FROM {self.from_sql} WHERE {self.where_sql}"

    def sql(self) -> tuple[str, list]:
        """The whole query. COUNT(): one row with the count; aggregates: one row of
        aggregate values; otherwise rows of the select columns, ordered and limited."""
        if self.count_only:
            return self.count_sql()
        tail, tail_params = self._tail()
        order = "" if self.aggregate else f" ORDER BY {self.order_sql}"
        return self._base(self.select_sql) + order + tail, [*self.params, *tail_params]

    def rowids_sql(self) -> tuple[str, list]:
        """`SELECT t.rowid ...` in result order, honouring LIMIT/OFFSET."""
        if self.aggregate:
            raise ValueError("aggregate queries have no rowids")
        tail, tail_params = self._tail()
        sql = self._base("t.rowid") + f" ORDER BY {self.order_sql}" + tail
        return sql, [*self.params, *tail_params]

    def count_sql(self) -> tuple[str, list]:
        """`SELECT COUNT(*)` of the result rows (Salesforce's totalSize)."""
        tail, tail_params = self._tail()
        if self.aggregate:
            inner = self._base(self.select_sql) + tail
            return f"SELECT COUNT(*) FROM ({inner})", [*self.params, *tail_params]
        if not tail:
            return self._base("COUNT(*)"), list(self.params)
        return f"SELECT COUNT(*) FROM ({self._base('t.rowid')}{tail})", [
            *self.params,
            *tail_params,
        ]

    def cursor_rows_sql(self, cursor_table: str, columns: str | None = None) -> str:
        """`SELECT <columns> (the select columns)` of the rows listed in `cursor_table` at
        :low < seq <= :high, in seq order; vanished rows are skipped. No visibility or
        deletion filter: `rowids_sql` chose the rows. The cursor is the outer loop (CROSS
        JOIN keeps SQLite from reordering), each row found by rowid."""
        return (
            f"SELECT {columns or self.select_sql} FROM {quote_ident(cursor_table)} AS cur "
            f"CROSS JOIN {self.from_sql} "
            "WHERE t.rowid = cur.rid AND cur.seq > :low AND cur.seq <= :high ORDER BY cur.seq"
        )

    def csv_lines_sql(
        self, cursor_table: str, delimiter: str, line_ending: str
    ) -> tuple[str, dict] | None:
        """As `cursor_rows_sql`, one column: each row's Bulk CSV line as UTF-8 bytes, equal
        to `to_csv_row` written by `csv.writer` (QUOTE_ALL); with the bound values to add
        :low and :high to. The connection needs `csvlines.register`. None when the query
        is too wide for SQL lines (convert `cursor_rows_sql` rows instead)."""
        line = csvlines.line_sql(self._csv_columns)
        if line is None:
            return None
        params = csvlines.line_params(self._csv_columns, delimiter, line_ending)
        return self.cursor_rows_sql(cursor_table, f"CAST({line} AS BLOB)"), params

    # ---- conversions ------------------------------------------------------------------

    def to_record(self, row: tuple, api_version: str) -> dict | None:
        """The REST JSON record of a row of `sql()` (or of `cursor_rows_sql`)."""
        prefix = f"/services/data/v{api_version.lstrip('vV')}/sobjects/"
        if self._builder is None:
            raise ValueError("COUNT() queries have no records")
        return self._builder(row, prefix)

    def attach_children(self, conn, records: list[dict | None], api_version: str) -> None:
        """Fill each record's subquery results (`{"totalSize","done","records"}`, or None
        when the parent has no such children, as Salesforce answers) and TYPEOF items."""
        if not (self.children or self.typeofs):
            return
        for record in records:
            if record is not None:
                parent_id = record["attributes"]["url"].rsplit("/", 1)[1]
                self._attach_one(conn, record, parent_id, api_version)

    def _attach_one(self, conn, record: dict, parent_id: str, api_version: str) -> None:
        for child in self.children:
            sql, params = child.query.rows_of_parent(child.field, parent_id)
            found = [child.query.to_record(r, api_version) for r in conn.execute(sql, params)]
            record[child.key] = (
                {"totalSize": len(found), "done": True, "records": found} if found else None
            )
        for typeof in self.typeofs:
            record[typeof.key] = self._typeof_value(conn, typeof, parent_id, api_version)

    def _typeof_value(
        self, conn, typeof: TypeofPlan, parent_id: str, api_version: str
    ) -> dict | None:
        """The referenced record with its type's branch fields (the key prefix says which)."""
        sql = f"SELECT {quote_ident(typeof.column)} FROM {quote_ident(self.object.table)} "
        row = conn.execute(sql + 'WHERE "Id" = ?', (parent_id,)).fetchone()
        target: str | None = row[0] if row else None
        if not target:
            return None
        branch = next(
            (q for q in typeof.by_type.values() if q.object.key_prefix == target[:3]), None
        )
        if branch is None:
            return None
        found = conn.execute(*branch.rows_of_parent("Id", target)).fetchone()
        return branch.to_record(found, api_version) if found else None

    def rows_of_parent(self, column: str, parent_id: str) -> tuple[str, list]:
        """This (child) query's rows whose `column` is `parent_id`."""
        tail, tail_params = self._tail()
        where = f"{self.where_sql} AND t.{quote_ident(column)} = ?"
        sql = f"SELECT {self.select_sql} FROM {self.from_sql} WHERE {where}"
        sql += f" ORDER BY {self.order_sql}{tail}"
        return sql, [*self.params, parent_id, *tail_params]

    def csv_header(self) -> list[str]:
        """Bulk API CSV header: field names as in the describe, parents as `Account.Name`."""
        self.check_bulk_compatible()
        return list(self.header)

    def to_csv_row(self, row: tuple) -> list[str]:
        """Bulk API CSV values: booleans `true`/`false`, null as the empty string."""
        return [conv(row[i]) for i, conv in self._csv]

    def check_bulk_compatible(self) -> None:
        """Raise FUNCTIONALITY_NOT_ENABLED for what Bulk queries cannot return."""
        if self.compound_fields:
            raise FunctionalityNotEnabled(
                "Selecting compound data not supported in Bulk Query",
                fields=list(self.compound_fields),
            )
        if self.aggregate or self.count_only:
            raise FunctionalityNotEnabled("Aggregate queries are not supported in Bulk Query")
        if self.children or self.typeofs:
            raise FunctionalityNotEnabled(
                "Relationship subqueries and TYPEOF are not supported in Bulk Query"
            )
