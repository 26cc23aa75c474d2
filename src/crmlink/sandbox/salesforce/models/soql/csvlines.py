"""Bulk CSV lines built by SQLite: one text per row, byte-identical to `csv.writer`
(QUOTE_ALL) over `CompiledQuery.to_csv_row`.

Converting rows in Python (a tuple of values a row, a converter a value, then the csv
module) cost ~25 µs a row; `printf` with one `%w` a value (it doubles `"`) builds the line
in C, without the GIL. The org stores values as `values.py` says (text-like types as TEXT,
boolean 0/1, int and long INTEGER, floats REAL, NULL for none), and under that contract
each SQL form below is the Python converter's text exactly:
- text: the text itself; int: its decimal digits; boolean: `true` for non-zero;
- float: `%!.15g` for a whole number of hundredths (see `_cents`), else the Python
  converter itself, registered as a function (`repr` has no general SQL equal);
- NULL: the empty string, for every type.
`printf` stops at a NUL character, so a row with one in a free-text value is built by `||`
with `replace()` instead. The delimiter, line ending and format are bound parameters.
tests/sandbox_sf/test_csv_lines.py compares both writers on hostile values.
"""

from __future__ import annotations

import sqlite3

from .records import csv_converter
from .types import FLOAT_TYPES, INT_TYPES

MAX_COLUMNS = 100  # printf takes at most 127 arguments; wider queries convert in Python
FLOAT_FUNCTION = "_sbx_csv_float"
# text the org writes in a canonical form (an Id, an ISO date or time): never a NUL
_CANONICAL_TYPES = frozenset({"id", "reference", "date", "datetime", "time"})


def register(conn: sqlite3.Connection) -> None:
    """Make the Python float converter callable from the connection's SQL."""
    conn.create_function(FLOAT_FUNCTION, 1, csv_converter("double"), deterministic=True)


def value_sql(column: str, type_name: str) -> str:
    """The converted (unquoted) text of a column, '' for NULL."""
    if type_name == "boolean":
        return f"CASE WHEN {column} IS NULL THEN '' WHEN {column} THEN 'true' ELSE 'false' END"
    if type_name in FLOAT_TYPES:
        return (
            f"CASE WHEN {column} IS NULL THEN '' WHEN {_cents(column)} "
            f"THEN printf('%!.15g', {column}) ELSE {FLOAT_FUNCTION}({column}) END"
        )
    return f"coalesce({column}, '')"  # text as is; an integer as printf writes it: digits


def _cents(column: str) -> str:
    """Whether a float is the double nearest to a whole number of hundredths n/100 (not
    0, below 1e12): then its shortest repr, Python's text, is that decimal (any other of
    as few digits is >= 0.01 away, more than half a unit in the last place), and
    `%!.15g` (15 significant digits, trailing zeros cut, `.0` kept) writes it. Cents are
    most CRM numbers; this spares a call into Python (and the GIL) per value."""
    return f"abs({column}) < 1e12 AND {column} <> 0 AND round({column} * 100) / 100.0 = {column}"


def _free_text(type_name: str) -> bool:
    """Whether a stored value of this type may hold any text (a NUL too)."""
    plain = type_name == "boolean" or type_name in INT_TYPES or type_name in FLOAT_TYPES
    return not plain and type_name not in _CANONICAL_TYPES


def line_sql(columns: list[tuple[str, str]]) -> str | None:
    """The CSV line of a row as one SQL text expression, from (column SQL, field type)
    pairs; binds :fmt, :sep and :eol (see `line_params`). None when too wide."""
    if not columns or len(columns) > MAX_COLUMNS:
        return None
    values = [value_sql(column, type_name) for column, type_name in columns]
    fast = f"printf(:fmt, {', '.join(values)})"
    texts = [column for column, type_name in columns if _free_text(type_name)]
    if not texts:
        return fast
    has_nul = " OR ".join(f"instr({column}, char(0))" for column in texts)
    quoted = (f"""'"' || replace({value}, '"', '""') || '"'""" for value in values)
    safe = " || :sep || ".join(quoted) + " || :eol"
    return f"CASE WHEN {has_nul} THEN {safe} ELSE {fast} END"


def line_params(columns: list[tuple[str, str]], delimiter: str, line_ending: str) -> dict:
    """The bound values of `line_sql` for these columns: `%w` doubles the quotes of free
    text; `%s` copies values that never hold one (ids, dates, numbers), a little faster."""
    sep, eol = (text.replace("%", "%%") for text in (delimiter, line_ending))
    specs = ["%w" if _free_text(type_name) else "%s" for _, type_name in columns]
    fmt = '"' + f'"{sep}"'.join(specs) + '"' + eol
    return {"fmt": fmt, "sep": delimiter, "eol": line_ending}
