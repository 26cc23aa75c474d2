"""A workflow filter over a campaign table: the parsed AST bound with the run's
variables, checked against the table's columns, rendered as SQL with bound parameters
(`crmlink.filters.render.sql`).

An unknown column is a FilterError with close-name suggestions; literals (and variables)
are typed by the column they are compared with.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Table
from sqlalchemy.sql.elements import ColumnElement

from crmlink.filters import ast, bind, parse, validate
from crmlink.filters.bind import Unknown
from crmlink.filters.render.sql import describe_table, render


def compile_filter(
    where: ast.Expr | str,
    table: Table,
    variables: Mapping[str, str] | None = None,
    *,
    unknown: Unknown | None = None,
) -> ColumnElement[bool]:
    """The WHERE condition for a filter (parsed, or text) over `table`, its variables
    bound as values (FilterError if it is wrong)."""
    expr = parse(where) if isinstance(where, str) else where
    described = describe_table(table)
    bound = bind(expr, variables or {}, described, unknown=unknown)
    return render(validate(bound, described), table)
