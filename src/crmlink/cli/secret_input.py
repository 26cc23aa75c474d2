"""Secrets given to `account add|edit`: from environment variables (`--secret-from-env
VAR=field`) and stdin (`--secrets-stdin`, one `field=value` a line), never the command
line. The field names are the registered CRMs' secret fields."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from crmlink.catalog.secrets import secret_fields
from crmlink.errors import UsageError

STDIN_LIMIT = 1024 * 1024  # secrets are short; a flood is refused before it is all read


def given_secrets(env_specs: list[str], stream: Iterable[str] | None) -> dict[str, str]:
    """The secrets of `--secret-from-env` specs and of `stream` (stdin); each at most once."""
    pairs = [_from_env(spec) for spec in env_specs]
    if stream is not None:
        pairs += _from_lines(stream)
    secrets: dict[str, str] = {}
    for field, value in pairs:
        if field in secrets:
            raise UsageError(f"the {field} secret is given twice: give it once")
        secrets[field] = value
    return secrets


def _from_env(spec: str) -> tuple[str, str]:
    variable, sep, field = spec.partition("=")
    known = secret_fields()
    if not sep or not variable or field not in known:
        raise UsageError(
            f"--secret-from-env {spec!r} is not VAR=field: write e.g. SF_PASSWORD=password "
            f"(field: {', '.join(known)})"
        )
    if variable not in os.environ:
        raise UsageError(f"--secret-from-env {spec}: the variable {variable} is not set")
    return field, os.environ[variable]


def _from_lines(stream: Iterable[str]) -> list[tuple[str, str]]:
    known = secret_fields()
    pairs = []
    for number, line in enumerate(_limited(stream), 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        field, sep, value = line.partition("=")
        if not sep or field.strip() not in known:  # never echo the line: a secret?
            raise UsageError(
                f"line {number} of stdin is not field=value with a field among {', '.join(known)}"
            )
        pairs.append((field.strip(), value))
    return pairs


def _limited(stream: Iterable[str]) -> Iterator[str]:
    """The lines of `stream`, refusing once they pass `STDIN_LIMIT` characters in all
    (stdin is read a bounded line at a time, so a file without line breaks is cut too)."""
    readline = getattr(stream, "readline", None)
    total = 0
    lines = iter(lambda: readline(STDIN_LIMIT + 1), "") if readline else iter(stream)
    for line in lines:
        total += len(line)
        if total > STDIN_LIMIT:
            raise UsageError(
                "--secrets-stdin: stdin holds more than 1 MiB, more than any secrets need: "
                "give one field=value a line"
            )
        yield line
