"""OData resource paths with keys — the only way a value gets into a Dataverse URL path.

    key_segment("accounts", "0CBA…", K.ID)                 -> accounts(0cba…)
    key_segment("contacts", "a@b.c", K.EMAIL, "emailaddress1") -> contacts(emailaddress1='a@b.c')

Entity sets and key properties must be OData identifiers; GUIDs are validated; a string
key doubles its quotes (`O''Brien`) and is percent-encoded (`/` -> `%2F`, CR LF ->
`%0D%0A`, non-ASCII as UTF-8), so a value cannot add a segment, a query, a header or a
request to a `$batch`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from crmlink.errors import FilterError, UsageError
from crmlink.model import FieldKind

K = FieldKind
GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Left as they are inside a key: OData's own key syntax and harmless path characters.
_KEY_SAFE = "'=,:@!$*;()"


def guid(text: str, name: str = "") -> str:
    """A GUID in canonical form (lower case, no braces); else a FilterError."""
    found = GUID.match(text.strip())
    if not found:
        raise FilterError(f"{text!r} is not a GUID (field {name!r})", field=name or None)
    return found.group(1).lower()


def string_literal(text: str) -> str:
    """An OData string literal holding exactly `text`."""
    return "'" + text.replace("'", "''") + "'"


def key_literal(value: Any, kind: FieldKind) -> str:
    """A value as an OData key literal: `'a@b.c'`, a GUID, a number (not yet encoded)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind in (K.ID, K.REFERENCE):
        return guid(str(value))
    if kind in (K.INTEGER, K.BIGINT, K.DECIMAL, K.DOUBLE, K.PICKLIST):
        return str(int(value) if kind == K.PICKLIST else value)
    return string_literal(str(value))


def identifier(name: str, what: str = "entity set") -> str:
    """`name` when it is an OData identifier; else a UsageError naming it."""
    if not _IDENT.match(name or ""):
        raise UsageError(f"{name!r} is not a Dataverse {what} name that can go into a URL")
    return name


def key_segment(entity_set: str, value: Any, kind: FieldKind, prop: str | None = None) -> str:
    """`entity_set(<key>)` by the primary id (`prop` None) or by an alternate key column
    `prop`, the key percent-encoded: the one builder of keyed OData paths."""
    literal = key_literal(value, kind)
    inner = literal if prop is None else f"{identifier(prop, 'key column')}={literal}"
    return f"{identifier(entity_set)}({quote(inner, safe=_KEY_SAFE)})"


def entity_definition(logical_name: str) -> str:
    """`EntityDefinitions(LogicalName='contact')`: the metadata path of a table."""
    return key_segment("EntityDefinitions", logical_name.lower(), K.STRING, "LogicalName")
