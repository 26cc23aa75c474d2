"""What a sandbox CRM is to the command line, declared once: `SandboxSpec`.

Each `crmlink/sandbox/<crm>/spec.py` exports a `SANDBOX`; `crmlink.sandbox.registry`
lists them, and `crmlink sandbox` makes one command per spec: the common options (host,
port, state folder, records, seed, network profile, faults) plus the spec's own `options`.
A spec also declares the CRM's documented concurrency limit (`ConcurrencyLimit`), which
`--profile wan` puts in force (`core.network`). A spec is cheap to import: `factory`
imports the sandbox only when one is started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from crmlink.errors import UsageError

if TYPE_CHECKING:
    from crmlink.sandbox.core.base import SandboxBase


@dataclass(frozen=True)
class SandboxOption:
    """An option beyond the common ones: a folder of files the sandbox loads at start."""

    name: str  # the factory's keyword, e.g. "describe_dir" (the flag --describe-dir)
    help: str
    folder_of: str  # what the folder holds, e.g. "describe JSON files"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def check(self, value: Path | None) -> None:
        """Refuse a value that is not a folder (UsageError, one sentence)."""
        if value is not None and not value.is_dir():
            raise UsageError(f"{self.flag} {value} is not a folder of {self.folder_of}.")


@dataclass(frozen=True)
class ConcurrencyLimit:
    """A CRM's cap on requests in flight at once: once `requests` requests that have run
    `counted_after_s` or longer are in flight, a new one is refused. `per` says whose
    requests are counted together: the whole org's, or each caller's (Dataverse counts
    per user; the sandbox tells callers apart by their Authorization header)."""

    requests: int
    counted_after_s: float = 0.0
    per: Literal["org", "caller"] = "org"
    source: str = ""  # where the CRM documents it

    def describe(self) -> str:
        """One sentence for the command's help."""
        running = f" running {self.counted_after_s:g} s or longer" if self.counted_after_s else ""
        whose = " per user" if self.per == "caller" else ""
        return f"{self.requests} concurrent requests{running}{whose}"


@dataclass(frozen=True)
class SandboxSpec:
    """One sandbox CRM: its command name, help, own options and factory."""

    name: str  # `crmlink sandbox <name>`
    help: str  # the command's help: a summary line, a blank line, more
    # Called with state_dir, host, port, records, seed, faults and each option's name
    # (the CLI's --profile reaches the factory inside `faults`).
    factory: Callable[..., SandboxBase] = field(repr=False, compare=False)
    options: tuple[SandboxOption, ...] = ()
    concurrency: ConcurrencyLimit | None = None  # in force under `--profile wan`

    def make(self, **values: Any) -> SandboxBase:
        """Check the spec's own options, then build the sandbox (not serving yet)."""
        for option in self.options:
            option.check(values.get(option.name))
        return self.factory(**values)
