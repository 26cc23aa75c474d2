"""Checks on a workflow's graph, each returned as (YAML path, message) for the loader."""

from __future__ import annotations

from collections.abc import Iterator

from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.model import TRANSITIONS

Problem = tuple[tuple[str | int, ...], str]


def graph_problems(activities: dict[str, ActivityConfig]) -> list[Problem]:
    if not activities:
        return [(("activities",), "a workflow needs at least one activity")]
    problems = _missing_targets(activities)
    if not problems:
        problems = _many_inputs(activities) + _cycles(activities)
    return problems


def _transitions(activities: dict[str, ActivityConfig]) -> Iterator[tuple[str, str, int, str]]:
    for name, config in activities.items():
        for key in TRANSITIONS:
            for index, target in enumerate(getattr(config, key)):
                yield name, key, index, target


def _missing_targets(activities: dict[str, ActivityConfig]) -> list[Problem]:
    from difflib import get_close_matches

    problems: list[Problem] = []
    for name, key, index, target in _transitions(activities):
        if target not in activities:
            close = get_close_matches(target, list(activities), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                (("activities", name, key, index), f"no activity named {target!r}{hint}")
            )
    return problems


def _many_inputs(activities: dict[str, ActivityConfig]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for name, key, index, target in _transitions(activities):
        if target in seen:
            problems.append(
                (
                    ("activities", name, key, index),
                    f"activity {target!r} already receives the population of {seen[target]!r}: "
                    "an activity takes one inbound transition",
                )
            )
        seen.setdefault(target, f"{name}.{key}")
    return problems


def _cycles(activities: dict[str, ActivityConfig]) -> list[Problem]:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = 1
        for key in TRANSITIONS:
            for target in getattr(activities[name], key):
                if state.get(target) == 1:
                    return [*path, name, target]
                if target not in state and (found := visit(target, [*path, name])):
                    return found
        state[name] = 2
        return None

    for name in activities:
        if name not in state and (cycle := visit(name, [])):
            start = cycle.index(cycle[-1])
            loop = " -> ".join(cycle[start:])
            return [(("activities", cycle[-2]), f"the transitions form a cycle: {loop}")]
    return []
