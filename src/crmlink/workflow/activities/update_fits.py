"""Which input rows of an `update` can be staged by SQL alone, unconverted.

    fits(pairs, dialect, required) -> a SQL test, true where every value of a row is
                                      stored in its target column as it is, or None

The converter (`convert.converter`) turns each value into its target column's type, or
rejects it. When an input column has the target's own type (an import or a query into
a table of the same shape: the common case), the conversion changes nothing, and what
is left of it is a check, which SQL can make: a text's length, an integer's range, a
SQLite cell's storage class (SQLite keeps any value in any column), a key not empty.
Rows that pass every check are copied by one `INSERT … SELECT`; the others, and every
row when some input column has another type, go through the converter, which gives
them exactly the value or the reject message it always gave. So the test only has to
be sure, never complete: a row it is unsure of costs only time. (One leniency: a
datetime's canonical text is not checked against the calendar; a February 30, which
reading would have failed on, is copied as it is.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Column, LargeBinary, Text, and_, func, literal, or_, true, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import (
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Numeric,
    String,
    TypeDecorator,
    TypeEngine,
)

from crmlink.workflow.activities.convert import integer_limit

# SQLAlchemy's SQLite text of a datetime and of a date (their default storage formats)
_DIGIT = "[0-9]"
_DAY = f"{_DIGIT * 4}-{_DIGIT * 2}-{_DIGIT * 2}"
_SQLITE_TEXT = {
    DateTime: (26, f"{_DAY} {_DIGIT * 2}:{_DIGIT * 2}:{_DIGIT * 2}.{_DIGIT * 6}"),
    Date: (10, _DAY),
}
Pair = tuple[Column[Any], Column[Any]]  # (input column, target column)


def fits(pairs: list[Pair], dialect: Dialect, required: set[str]) -> ColumnElement[bool] | None:
    """True where each input value needs no conversion to be stored in its target column
    and each target column named in `required` gets a value; None when some input column
    has a type other than its target's (then only the converter can tell)."""
    if dialect.name not in ("sqlite", "postgresql"):
        return None
    tests = []
    for source, target in pairs:
        test = _column_test(source, target, dialect)
        if test is None:
            return None
        if target.name in required:
            tests.append(and_(source.is_not(None), test))
        else:
            tests.append(or_(source.is_(None), test))
    return and_(true(), *tests)


def _column_test(
    source: Column[Any], target: Column[Any], dialect: Dialect
) -> ColumnElement[bool] | None:
    """The test of one non-null input value, or None if its type is not the target's."""
    have, want = _plain(source.type), _plain(target.type)
    if isinstance(want, Enum) or isinstance(have, Enum):
        return None  # an enum's values are checked by SQLAlchemy, not by a length
    if isinstance(want, String) and isinstance(have, String):
        return _text_test(source, have, want, dialect)
    if _ddl(have, dialect) != _ddl(want, dialect):
        return None
    if dialect.name == "postgresql":
        return true()  # PostgreSQL holds only values of the column's type
    return _sqlite_test(source, have, want, dialect)


def _text_test(
    source: Column[Any], have: String, want: String, dialect: Dialect
) -> ColumnElement[bool]:
    text = type_coerce(source, Text())
    tests: list[ColumnElement[bool]] = []
    if want.length is not None and not _held(have, want, dialect):
        tests.append(func.length(text) <= want.length)
    if dialect.name == "sqlite":
        # a blob becomes other text through the converter (a text column's affinity
        # already made any number text): SQLite sorts every text before every blob, and
        # this costs less than `typeof`. A NUL is a reject there.
        tests += [text < literal(b"", LargeBinary()), func.instr(text, func.char(0)) == 0]
    return and_(true(), *tests)


def _held(have: String, want: String, dialect: Dialect) -> bool:
    """Whether the input column's own length already keeps its texts within the target's:
    on PostgreSQL, which refuses a longer one (SQLite keeps any length)."""
    return (
        dialect.name == "postgresql"
        and have.length is not None
        and want.length is not None
        and have.length <= want.length
    )


def _sqlite_test(
    source: Column[Any], have: TypeEngine[Any], want: TypeEngine[Any], dialect: Dialect
) -> ColumnElement[bool] | None:
    """SQLite's storage class (and range) of a value the converter would leave as it is;
    the value is read as SQLite stores it (`type_coerce`: no bind or result processing)."""
    kind = func.typeof(source)
    if isinstance(want, Boolean):
        return and_(kind == "integer", type_coerce(source, Integer()).in_([0, 1]))
    if isinstance(want, Integer):
        limit = integer_limit(want)
        return and_(kind == "integer", type_coerce(source, Integer()).between(-limit, limit - 1))
    if isinstance(want, Float):
        return kind == "real"
    if isinstance(want, Numeric):
        return _sqlite_decimal_test(source, want)
    for type_, (length, pattern) in _SQLITE_TEXT.items():
        if isinstance(want, type_) and _default_storage(have, want, dialect=dialect):
            text = type_coerce(source, Text())
            return and_(kind == "text", func.length(text) == length, text.op("GLOB")(pattern))
    return None


def _sqlite_decimal_test(source: Column[Any], want: Numeric[Any]) -> ColumnElement[bool] | None:
    """A number already at the column's scale (read back, SQLAlchemy rounds it to the
    scale first) with no more whole digits than the column's precision allows."""
    if want.precision is None or want.scale is None:
        return None
    number = type_coerce(source, Float())
    return and_(
        func.typeof(source).in_(["integer", "real"]),
        func.abs(number) < float(Decimal(10) ** (want.precision - want.scale)),
        number == func.round(number, want.scale),
    )


def _default_storage(*types: TypeEngine[Any], dialect: Dialect) -> bool:
    """Whether SQLite stores each datetime or date type in SQLAlchemy's default text."""
    for type_ in types:
        impl = type_.dialect_impl(dialect)
        storage = getattr(impl, "_storage_format", None)
        if storage is None or storage != getattr(type(impl)(), "_storage_format", None):
            return False
    return True


def _plain(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


def _ddl(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The column type as the database declares it: equal declarations, equal storage."""
    return str(type_.compile(dialect=dialect))
