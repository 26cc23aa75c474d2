"""The population columns of imported CRM fields: the field's API name, except where that
name would reach crmlink's own columns or another field's column.

crmlink's own columns in populations start with `_wk_` (a prefix no Salesforce or Dataverse
API name can take: theirs start with a letter) or are the few it adds beside the CRM's
fields (`RESERVED`: an export's `remote_id` and `created`, a reject's `error_code`,
`error_symbol`, `error_message`, an update's `operation`). A field of such a name is
imported as `crm_<name>`; a name equal to an earlier one but for case (`Email`, `EMAIL`)
or beyond 63 characters gets a suffix — in the plan's order, so the mapping is
deterministic and the import logs each renamed field.
"""

from __future__ import annotations

from crmlink.model.naming import MAX_IDENT, short_hash
from crmlink.workflow.base import REJECT_COLUMNS

INTERNAL_PREFIX = "_wk_"
RESERVED = frozenset({*REJECT_COLUMNS, "remote_id", "created", "operation"})


def reserved(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(INTERNAL_PREFIX) or lowered in RESERVED


def population_columns(names: list[str]) -> dict[str, str]:
    """field name -> its column, in the order given (earlier names keep theirs)."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in names:
        column = f"crm_{name}" if reserved(name) else name
        if len(column) > MAX_IDENT:  # PostgreSQL would cut it, and two cut names may meet
            column = f"{column[: MAX_IDENT - 9]}_{short_hash(name)}"
        base, number = column, 2
        while column.lower() in used:
            column = f"{base[: MAX_IDENT - 4]}_{number}"
            number += 1
        used.add(column.lower())
        out[name] = column
    return out


def renamed(columns: dict[str, str]) -> list[str]:
    """One line per field whose column is not its name, saying why."""
    lines = []
    for name, column in columns.items():
        if column != name:
            why = (
                "a name crmlink uses itself"
                if reserved(name)
                else "another field's name but for case, or too long"
            )
            lines.append(f"field {name!r} is imported as column {column!r} ({why})")
    return lines
