"""Help texts generated from the connector registry: the CRM types, their auth methods and
the secret fields, as `crmlink account add|edit --help` shows them.

`GeneratedHelpOption` is a typer option whose help is computed each time the command line
is built (typer builds it on every invocation), so a CRM added to
`crmlink.connectors.registry.SPECS` shows in `--help` with nothing else to edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer.models import OptionInfo

from crmlink.connectors.registry import SPECS, secret_fields, setting_users


def types_help() -> str:
    """E.g. "salesforce or dynamics."."""
    names = list(SPECS)
    return (", ".join(names[:-1]) + " or " if len(names) > 1 else "") + names[-1] + "."


def auth_help() -> str:
    """E.g. "salesforce: soap, password, …; dynamics: client-secret, …."."""
    methods = (f"{spec.type}: {', '.join(spec.auth_methods)}" for spec in SPECS.values())
    return "; ".join(methods) + "."


def labels_help() -> str:
    """E.g. "Salesforce, Dynamics 365 and HubSpot"."""
    labels = [spec.label for spec in SPECS.values()]
    return (", ".join(labels[:-1]) + " and " if len(labels) > 1 else "") + labels[-1]


def setting_help(what: str, name: str) -> Callable[[], str]:
    """The help of a setting's flag: what it is, then the auth methods that use it, e.g.
    "The CRM app's client id (salesforce: jwt, …; hubspot: oauth)."."""
    return lambda: f"{what} ({setting_users(name) or 'no auth method uses it'})."


def secret_fields_help() -> str:
    """E.g. "password, security_token, client_secret, refresh_token"."""
    return ", ".join(secret_fields())


class GeneratedHelpOption(OptionInfo):
    """A typer option whose `help` is `make_help()` at the time typer reads it."""

    def __init__(self, make_help: Callable[[], str], *param_decls: str, **options: Any) -> None:
        self._make_help = make_help
        # As `typer.Option(...)` in `Annotated`: the first name travels as `default`.
        first: Any = param_decls[0] if param_decls else ...
        super().__init__(default=first, param_decls=param_decls[1:], **options)

    @property
    def help(self) -> str:
        return self._make_help()

    @help.setter
    def help(self, _value: str | None) -> None:
        """Typer's constructor sets a static help: the generated one stays."""
