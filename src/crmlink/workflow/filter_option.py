"""The `filter` option of the `crm` and `query` activities: parsed when the workflow
file is loaded (a mistake is `FILE:LINE: activities.NAME.filter: …`), the AST kept with
the config, bound with the run's variables when the activity runs.

`{{variables}}` in a filter are values (`crmlink.filters.Param` / `Template`): they are
never substituted into the filter's text.
"""

from __future__ import annotations

from crmlink.errors import FilterError
from crmlink.filters import ast, parse


def checked(text: str | None) -> str | None:
    """`text` when it parses (a pydantic validator: a ValueError otherwise)."""
    if text is not None:
        try:
            parse(text)
        except FilterError as exc:
            raise ValueError(exc.message) from None
    return text


def parsed(text: str | None) -> ast.Expr | None:
    """The filter's AST (None without a filter)."""
    return parse(text) if text is not None else None
