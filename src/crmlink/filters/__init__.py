"""One filter language for the whole product: parsed once to an AST, variables bound as
values (`bind`), checked against a table's describe (`validate`), rendered per target
(`crmlink.filters.render`: SOQL, OData, SQL).

    >>> from crmlink.filters import parse
    >>> parse("Email != null and LeadSource in ('Web', 'Partner')")
"""

from __future__ import annotations

from crmlink.filters.ast import (
    ANY,
    ONE,
    And,
    Boolean,
    Comparison,
    Date,
    DateTime,
    Expr,
    InList,
    IsNull,
    Like,
    Literal,
    Not,
    Null,
    Number,
    Op,
    Or,
    Param,
    String,
    Template,
    Value,
    fields_of,
    like_parts,
    params_of,
)
from crmlink.filters.bind import bind
from crmlink.filters.parser import parse, quote, quote_like, tokenize
from crmlink.filters.validate import validate

__all__ = [
    "ANY",
    "ONE",
    "And",
    "Boolean",
    "Comparison",
    "Date",
    "DateTime",
    "Expr",
    "InList",
    "IsNull",
    "Like",
    "Literal",
    "Not",
    "Null",
    "Number",
    "Op",
    "Or",
    "Param",
    "String",
    "Template",
    "Value",
    "bind",
    "fields_of",
    "like_parts",
    "params_of",
    "parse",
    "quote",
    "quote_like",
    "tokenize",
    "validate",
]
