"""Subcommands imported when first asked for, so a command pays only for its own imports.

`crmlink workflow run` imports `crmlink.cli.workflow` and nothing of `account`, `web` or
`sandbox`; `crmlink --help` imports every subcommand module (it shows each one's help),
which keep their heavy dependencies inside the functions that run.

A subcommand is named `"module:attribute"`: a `typer.Typer` (a group) or a function (a
command), built into its click command as `app.add_typer`/`app.command` would have built it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, ClassVar

import typer
from typer._click import Command  # typer runs its own copy of click
from typer.core import DEFAULT_MARKUP_MODE, MarkupMode, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo


def build(name: str, target: str, markup: MarkupMode = DEFAULT_MARKUP_MODE) -> Command:
    """The click command of `target` ("module:attribute") under `name`."""
    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        return get_group_from_info(
            TyperInfo(found, name=name),
            pretty_exceptions_short=True,  # typer's defaults, as the root app has them
            suggest_commands=True,
            rich_markup_mode=markup,
        )
    info = CommandInfo(name=name, callback=found)
    return get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=markup)


class LazyCommands(MutableMapping[str, Command]):
    """A group's commands: those already built, and the others built on first lookup.

    Iterating gives every name (the lazy ones in their declared order) without building
    anything; looking one up builds that one only.
    """

    def __init__(
        self,
        built: Mapping[str, Command],
        lazy: Mapping[str, str],
        make: Callable[[str, str], Command],
    ) -> None:
        self._built = dict(built)
        self._lazy = dict(lazy)
        self._make = make

    def __getitem__(self, name: str) -> Command:
        if name not in self._built and name in self._lazy:
            self._built[name] = self._make(name, self._lazy[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        found = self._built.pop(name, None) is not None
        if self._lazy.pop(name, None) is None and not found:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self._lazy
        yield from (name for name in self._built if name not in self._lazy)

    def __len__(self) -> int:
        return len(self._lazy.keys() | self._built.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._lazy or name in self._built


class LazyGroup(TyperGroup):
    """A typer group whose `subcommands` (name -> "module:attribute", in the order help
    lists them) are imported and built only when one is looked up."""

    subcommands: ClassVar[Mapping[str, str]] = {}

    def __init__(self, *, commands: Any = None, **attrs: Any) -> None:
        super().__init__(commands=commands, **attrs)
        self.commands = LazyCommands(self.commands, self.subcommands, self._build)

    def _build(self, name: str, target: str) -> Command:
        return build(name, target, self.rich_markup_mode)

    def list_commands(self, ctx: Any) -> list[str]:
        """The names, building nothing (typer's own walks every command)."""
        return list(self.commands)
