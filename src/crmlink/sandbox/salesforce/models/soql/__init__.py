"""SOQL for the Salesforce sandbox: a tokenizer and recursive-descent parser (`parser`)
producing an AST (`ast`), compiled to parameterised SQLite SQL (`compiler`) over the
store's tables, with REST-record and Bulk-CSV row converters (`records`, `query`)."""

from __future__ import annotations

from .compiler import compile_query
from .errors_fmt import FunctionalityNotEnabled, NumberOutsideValidRange
from .query import CompiledQuery

__all__ = ["CompiledQuery", "FunctionalityNotEnabled", "NumberOutsideValidRange", "compile_query"]
