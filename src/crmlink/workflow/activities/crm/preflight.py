"""The `crm` activity's preflight: what it names, checked before the run's first activity.

- the account is in the catalog (or the run's own connectors know it), the object is
  described (once per run; the connector keeps the describe, so the activity reuses it);
- import: `fields`, `order_by`, `index_field`, `conversions` and the filter's fields;
- export: the `mapping` targets, `key`, `match_on`, `conversions` (CRM field names);
- import and delete `ids_from`, export `mapping` sources: columns of the input
  population, when the upstream activity's columns are known before the run.

An import with explicit `fields` declares its output columns (those fields, the key,
the modified and index fields), so a downstream `update` mapping is checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crmlink.errors import UsageError
from crmlink.filters.validate import TEXT_KINDS
from crmlink.model import FieldKind, RemoteTable
from crmlink.workflow.activities.crm import conversions
from crmlink.workflow.activities.crm.columns import population_columns
from crmlink.workflow.activities.crm.common import exact_field
from crmlink.workflow.activities.crm.config import CrmActivityConfig

if TYPE_CHECKING:
    from crmlink.workflow.preflight import Checker, Problem


def check(config: CrmActivityConfig, checker: Checker) -> list[Problem]:
    checker.produces(None)
    inputs = _inputs(config, checker)
    if not (checker.known(config.account) and checker.known(config.object)):
        return inputs
    table = checker.remote(config.account, config.object)
    if not isinstance(table, RemoteTable):
        return [table, *inputs]
    return [*_CHECKS[config.operation](config, checker, table), *inputs]


def _inputs(config: CrmActivityConfig, checker: Checker) -> list[Problem]:
    """The input population's columns the activity reads."""
    if config.operation == "export":
        return checker.source("mapping", config.mapping.values())
    return checker.source("ids_from", [config.ids_from] if config.ids_from else [])


def _import(config: CrmActivityConfig, checker: Checker, table: RemoteTable) -> list[Problem]:
    problems = checker.fields("fields", table, config.fields)
    problems += checker.fields("order_by", table, [name for name, _ in config.order()])
    problems += _index_field(config, checker, table)
    problems += _conversions(config, checker, table)
    problems += checker.filter("filter", config.filter, table)
    if config.fields and not problems:
        wanted = [table.key_field, table.modified_field, config.index_field]
        wanted += [*config.fields, *config.conversions]
        names = [_field_name(table, n) for n in wanted if n]
        checker.produces(population_columns(list(dict.fromkeys(names))).values())
    return problems


def _field_name(table: RemoteTable, name: str) -> str:
    found = exact_field(table, name)
    return found.name if found is not None else table.require_field(name).name


def _index_field(config: CrmActivityConfig, checker: Checker, table: RemoteTable) -> list[Problem]:
    if not config.index_field:
        return []
    problems = checker.fields("index_field", table, [config.index_field])
    field = table.field(config.index_field)
    if not problems and field and (field.kind != FieldKind.DATETIME or not field.filterable):
        message = f"{field.name} on {table.name} must be a filterable datetime field"
        problems.append(checker.problem("index_field", f"{message} (it is {field.kind})"))
    return problems


def _conversions(config: CrmActivityConfig, checker: Checker, table: RemoteTable) -> list[Problem]:
    problems = checker.fields("conversions", table, config.conversions)
    for name, mode in config.conversions.items():
        field = table.field(name)
        try:
            if field is not None:
                conversions.check(field, mode)
        except UsageError as exc:
            problems.append(checker.problem("conversions", exc.message))
    return problems


def _export(config: CrmActivityConfig, checker: Checker, table: RemoteTable) -> list[Problem]:
    problems = checker.fields("mapping", table, config.mapping)
    problems += _conversions(config, checker, table)
    if config.key:
        problems += checker.fields("key", table, [config.key])
        key = table.field(config.key)
        if key and key.name != table.key_field and not key.external_id:
            message = f"{key.name} on {table.name} is not an external ID field"
            problems.append(checker.problem("key", f"{message}: use one, or {table.key_field}"))
    if config.match_on:
        problems += checker.fields("match_on", table, [config.match_on])
        match = table.field(config.match_on)
        if match and (match.kind not in TEXT_KINDS or not match.filterable):
            message = f"{match.name} must be a filterable text field (it is {match.kind})"
            problems.append(checker.problem("match_on", message))
    _sent(checker)
    return problems


def _sent(checker: Checker) -> None:
    """Export and delete: the input's rows, with `remote_id` and `created`."""
    if checker.input is not None:
        own = [c for c in checker.input if c not in ("remote_id", "created")]
        checker.produces([*own, "remote_id", "created"])


def _deleted(config: CrmActivityConfig, checker: Checker, table: RemoteTable) -> list[Problem]:
    checker.produces(["id", "deleted_at"])
    return []


def _delete(config: CrmActivityConfig, checker: Checker, table: RemoteTable) -> list[Problem]:
    _sent(checker)
    return []


_CHECKS: dict[str, Callable[[CrmActivityConfig, Checker, RemoteTable], list[Problem]]] = {
    "import": _import,
    "export": _export,
    "import_deleted": _deleted,
    "delete": _delete,
}
