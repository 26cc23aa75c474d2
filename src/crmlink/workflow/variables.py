"""`{{name}}` in an activity's string options, replaced by the run's variables.

A `filter` is not text to substitute: its variables are values, bound into the parsed
filter (`bind_filter`, `crmlink.filters.bind`), so a value can never change what the
filter means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from crmlink.errors import UsageError
from crmlink.filters import ast, bind
from crmlink.model import RemoteTable
from crmlink.workflow.config_base import ActivityConfig

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
NOT_SUBSTITUTED = frozenset({"filter"})  # options whose variables are bound as values


def substitute(config: ActivityConfig, variables: dict[str, str], activity: str) -> ActivityConfig:
    """The config with every `{{name}}` replaced (UsageError naming an unknown variable)."""
    data = config.model_dump(mode="python")
    replaced = {
        key: value if key in NOT_SUBSTITUTED else _walk(value, variables, activity)
        for key, value in data.items()
    }
    if replaced == data:
        return config
    try:
        return type(config).model_validate(replaced)
    except ValidationError as exc:  # a variable's value that does not fit the option
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "options"
        raise UsageError(
            f"activity {activity!r}, {key}: {error['msg']} (after substituting variables)",
            activity=activity,
        ) from None


def _walk(value: Any, variables: Mapping[str, str], activity: str) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: _lookup(m.group(1), variables, activity), value)
    if isinstance(value, dict):
        return {k: _walk(v, variables, activity) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, variables, activity) for v in value)
    return value


def _lookup(name: str, variables: Mapping[str, str], activity: str) -> str:
    if name not in variables:
        raise unknown_variable(name, variables, activity)
    return variables[name]


def unknown_variable(name: str, variables: Mapping[str, str], activity: str) -> UsageError:
    known = ", ".join(sorted(variables)) or "none"
    return UsageError(
        f"unknown variable {name!r} in activity {activity!r} (known: {known}): "
        f"define it under `variables:` or pass --var {name}=VALUE",
        variable=name,
    )


def fill_text(text: str, variables: Mapping[str, str], activity: str) -> str:
    """`text` with its `{{name}}` replaced (an option that is plain text, not a filter)."""
    return _VARIABLE.sub(lambda m: _lookup(m.group(1), variables, activity), text)


def bind_filter(
    where: ast.Expr | None, table: RemoteTable, variables: Mapping[str, str], activity: str
) -> ast.Expr | None:
    """A parsed filter with its variables bound as typed values (unknown ones named)."""
    if where is None:
        return None
    return bind(
        where, variables, table, unknown=lambda name: unknown_variable(name, variables, activity)
    )


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`--var k=v` values → a dict (UsageError for one without `=`)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _VARIABLE.fullmatch("{{" + name.strip() + "}}"):
            raise UsageError(f"--var {item!r} is not NAME=VALUE")
        out[name.strip()] = value
    return out
