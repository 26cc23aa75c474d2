"""The names the wizard gives a CRM table: its data schema and its local table.

The rules for safe identifiers (untrusted metadata, 63 bytes, hashed collisions) are in
`crmlink.model.naming`.
"""

from __future__ import annotations

from crmlink.model.naming import safe_identifier


def schema_name(account: str, table: str) -> str:
    """`sfdc` + `Contact` -> `sfdc_contact` (the name users type)."""
    return safe_identifier(f"{account}_{table}", prefix="s")


def local_table_name(account: str, table: str) -> str:
    """The campaign-database table behind a generated schema, always prefixed `crm_`."""
    return safe_identifier(f"crm_{account}_{table}", prefix="crm")
