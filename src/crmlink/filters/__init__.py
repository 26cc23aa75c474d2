"""One filter language for the whole product: parsed once to an AST, checked against a
table's describe, rendered per target (SOQL in `connectors.salesforce.soql`).

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
    String,
    fields_of,
    like_parts,
)
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
    "String",
    "fields_of",
    "like_parts",
    "parse",
    "quote",
    "quote_like",
    "tokenize",
    "validate",
]
