"""OData values for the Dataverse connector: GUIDs and quoted strings (key segments and
every other URL path are built in `paths.py`, which holds the one GUID rule).

The filter AST's `$filter` rendering lives in `crmlink.filters.render.odata` (below the
connectors, beside the SOQL and SQL renderers); `render` and `datetime_literal` are
imported here for the connector's callers.
"""

from __future__ import annotations

from crmlink.connectors.dynamics.paths import GUID, guid
from crmlink.filters.render.odata import datetime_literal, render

__all__ = ["GUID", "datetime_literal", "guid", "quote", "render"]


def quote(text: str) -> str:
    """An OData string literal holding exactly `text`."""
    return "'" + text.replace("'", "''") + "'"
