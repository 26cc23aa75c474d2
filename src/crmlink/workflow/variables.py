"""`{{name}}` in an activity's string options, replaced by the run's variables."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from crmlink.errors import UsageError
from crmlink.workflow.config_base import ActivityConfig

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def substitute(config: ActivityConfig, variables: dict[str, str], activity: str) -> ActivityConfig:
    """The config with every `{{name}}` replaced (UsageError naming an unknown variable)."""
    data = config.model_dump(mode="python")
    replaced = _walk(data, variables, activity)
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


def _walk(value: Any, variables: dict[str, str], activity: str) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: _lookup(m.group(1), variables, activity), value)
    if isinstance(value, dict):
        return {k: _walk(v, variables, activity) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, variables, activity) for v in value)
    return value


def _lookup(name: str, variables: dict[str, str], activity: str) -> str:
    if name not in variables:
        known = ", ".join(sorted(variables)) or "none"
        raise UsageError(
            f"unknown variable {name!r} in activity {activity!r} (known: {known}): "
            f"define it under `variables:` or pass --var {name}=VALUE",
            variable=name,
        )
    return variables[name]


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`--var k=v` values → a dict (UsageError for one without `=`)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _VARIABLE.fullmatch("{{" + name.strip() + "}}"):
            raise UsageError(f"--var {item!r} is not NAME=VALUE")
        out[name.strip()] = value
    return out
