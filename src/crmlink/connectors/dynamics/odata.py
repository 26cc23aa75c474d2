"""OData values for the Dataverse connector: GUIDs, quoted strings, key segments.

The filter AST's `$filter` rendering lives in `crmlink.filters.render.odata` (below the
connectors, beside the SOQL and SQL renderers); `render` and `datetime_literal` are
imported here for the connector's callers.
"""

from __future__ import annotations

import re
from typing import Any

from crmlink.errors import FilterError
from crmlink.filters.render.odata import datetime_literal, render
from crmlink.model import FieldKind

K = FieldKind
__all__ = ["GUID", "datetime_literal", "guid", "key_literal", "quote", "render"]
GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)


def guid(text: str, name: str = "") -> str:
    found = GUID.match(text.strip())
    if not found:
        raise FilterError(f"{text!r} is not a GUID (field {name!r})", field=name or None)
    return found.group(1).lower()


def quote(text: str) -> str:
    """An OData string literal holding exactly `text`."""
    return "'" + text.replace("'", "''") + "'"


def key_literal(value: Any, kind: FieldKind) -> str:
    """A value in a key segment: `contacts(emailaddress1='a@b.c')`, `contacts(<guid>)`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind in (K.ID, K.REFERENCE):
        return guid(str(value))
    if kind in (K.INTEGER, K.BIGINT, K.DECIMAL, K.DOUBLE, K.PICKLIST):
        return str(int(value) if kind == K.PICKLIST else value)
    return quote(str(value))
