"""Load a workflow file: YAML (with line numbers) → pydantic → graph checks → `Workflow`.

Every mistake is reported as `FILE:LINE: dotted.key: message`, all of them at once, in a
`WorkflowFileError` (a UsageError: exit 2), before anything runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from crmlink.errors import UsageError
from crmlink.files import read_user_file
from crmlink.workflow import yaml_source
from crmlink.workflow.activities import broken, registry
from crmlink.workflow.graph import graph_problems
from crmlink.workflow.model import Workflow, WorkflowFile, file_model


class WorkflowFileError(UsageError):
    def __init__(self, problems: list[str], path: str) -> None:
        super().__init__("\n".join(problems), file=path)
        self.problems = problems


def load_file(path: str | Path) -> Workflow:
    path = Path(path)
    try:
        if path.stat().st_size > yaml_source.MAX_BYTES:  # refused before it is read
            yaml_source.check_size(path.stat().st_size, str(path))
    except OSError as exc:
        raise UsageError(f"cannot read the workflow file {path}: {exc.strerror}") from None
    # a regular file only: a FIFO or a device would block or never end
    raw = read_user_file(path, "the workflow file", yaml_source.MAX_BYTES)
    return load_text(yaml_source.decode(raw, str(path)), str(path))


def load_text(text: str, path: str = "<workflow>") -> Workflow:
    root, data = _parse(text, path)
    try:
        checked = cast(WorkflowFile, file_model().model_validate(data))
    except ValidationError as exc:
        raise WorkflowFileError(_report(exc, root, data, path), path) from None
    problems = graph_problems(checked.activities)
    if problems:
        lines = [_line(path, root, loc, message) for loc, message in problems]
        raise WorkflowFileError(lines, path)
    return Workflow(
        name=checked.name,
        activities=dict(checked.activities),
        schedule=checked.schedule,
        variables=dict(checked.variables),
        description=checked.description,
        path=path,
        text=text,
    )


def _parse(text: str, path: str) -> tuple[yaml.Node, Any]:
    """The node graph (for line numbers) and the value, within `yaml_source`'s limits."""
    try:
        root, data = yaml_source.compose(text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise WorkflowFileError([f"{path}:{line}: not valid YAML: {exc.problem}"], path) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        shown = f"{exc.character!r}" if isinstance(exc.character, str) else "a byte"
        message = f"not valid YAML: {shown} at character {exc.position} is not allowed in YAML"
        raise WorkflowFileError([f"{path}: {message}"], path) from None
    if not isinstance(data, dict) or root is None:
        raise WorkflowFileError(
            [f"{path}:1: a workflow file is a mapping with name and activities"], path
        )
    duplicates = [
        f"{path}:{line}: {'.'.join(loc)}: duplicate key" for loc, line in _duplicates(root, ())
    ]
    if duplicates:
        raise WorkflowFileError(duplicates, path)
    return root, data


def _duplicates(node: yaml.Node, loc: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int]]:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if key.value in seen:
                yield (*loc, key.value), key.start_mark.line + 1
            seen.add(key.value)
            yield from _duplicates(value, (*loc, key.value))


def _report(exc: ValidationError, root: yaml.Node, data: dict, path: str) -> list[str]:
    lines = []
    for error in exc.errors():
        loc, message = _explain(error, data)
        lines.append(_line(path, root, loc, message))
    return list(dict.fromkeys(lines))


def _explain(error: ErrorDetails, data: dict) -> tuple[tuple, str]:
    loc, kind = tuple(error["loc"]), error["type"]
    if len(loc) > 2 and loc[0] == "activities" and loc[2] == _activity_type(data, loc[1]):
        loc = loc[:2] + loc[3:]  # drop the union's tag
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return (*loc, "type"), _bad_type(data, loc[1])
    if kind == "missing":
        return loc, "is required"
    if kind == "extra_forbidden":
        return loc, _unknown_key(data, loc)
    return loc, error["msg"].removeprefix("Value error, ")


def _activity_type(data: dict, name: Any) -> Any:
    activity = (data.get("activities") or {}).get(name)
    return activity.get("type") if isinstance(activity, dict) else None


def _bad_type(data: dict, name: str | int) -> str:
    kind = _activity_type(data, name)
    known = ", ".join(sorted(registry()))
    if kind is None:
        return f"is required: the activity's type, one of {known}"
    why = broken(str(kind))
    if why:
        return f"the {kind} activity cannot be loaded ({why})"
    return f"unknown activity type {kind!r}: use one of {known}"


def _unknown_key(data: dict, loc: tuple) -> str:
    known: list[str] = []
    if loc[0] == "activities" and len(loc) == 3:
        kind = registry().get(str(_activity_type(data, loc[1])))
        known = list(kind.config.model_fields) if kind else []
    elif len(loc) == 1:
        known = list(file_model().model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return "unknown key" + (f"; did you mean {close[0]!r}?" if close else "")


def _line(path: str, root: yaml.Node, loc: tuple, message: str) -> str:
    shown = ".".join(str(part) for part in loc)
    return f"{path}:{_line_of(root, loc)}: {shown}: {message}"


def _line_of(node: yaml.Node, loc: tuple) -> int:
    line = node.start_mark.line + 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        line, node = child
    return line


def _child(node: yaml.Node, part: Any) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None
