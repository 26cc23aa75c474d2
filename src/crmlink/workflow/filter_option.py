"""The `filter` option of the `crm` and `query` activities: parsed when the workflow
file is loaded (a mistake is `FILE:LINE: activities.NAME.filter: …`), the AST kept with
the config, bound with the run's variables when the activity runs.

`{{variables}}` in a filter are values (`crmlink.filters.Param` / `Template`): they are
never substituted into the filter's text.
"""

from __future__ import annotations

from functools import cached_property

from pydantic import field_validator

from crmlink.errors import FilterError
from crmlink.filters import ast, parse
from crmlink.workflow.config_base import ActivityConfig


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


class FilteredConfig(ActivityConfig):
    """The config of an activity with a `filter: str | None` option (declared by the
    subclass, in its place among the options): checked at load, parsed once."""

    @field_validator("filter", check_fields=False)
    @classmethod
    def _filter(cls, value: str | None) -> str | None:
        return checked(value)

    @cached_property
    def where(self) -> ast.Expr | None:
        """The filter's AST, its variables not yet bound."""
        return parsed(getattr(self, "filter", None))
