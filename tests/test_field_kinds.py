"""Every table over `FieldKind` names every kind: adding a kind and forgetting a table
fails here, not silently at run time.

A *kind table* is a module-level dict whose keys are all `FieldKind`s, anywhere in crmlink
(the sandboxes, which import nothing of the product, and the database migrations aside:
alembic runs those). Each must have every kind as a key, or list the kinds it does not
apply to in `<TABLE>_NOT_APPLICABLE` beside it.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import crmlink
from crmlink.connectors.dynamics import values as dv_values
from crmlink.connectors.salesforce import values as sf_values
from crmlink.model import FieldKind, RemoteField
from crmlink.wizard import mapping
from crmlink.workflow.activities.crm import conversions

ALL_KINDS = frozenset(FieldKind)
SKIPPED = ("crmlink.sandbox", "crmlink.db.migrations")
# The tables this issue made; discovery must find at least these.
KNOWN = {
    "crmlink.connectors.dynamics.values.READERS",
    "crmlink.connectors.dynamics.values.WRITERS",
    "crmlink.connectors.salesforce.values.READERS",
    "crmlink.filters.validate.FILTER_RULES",
    "crmlink.wizard.mapping.KIND_TO_LOCAL",
    "crmlink.workflow.activities.crm.conversions.CROSSINGS",
}


def _modules() -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(crmlink.__path__, "crmlink."):
        leaf = info.name.rsplit(".", 1)[-1]
        if info.name.startswith(SKIPPED) or leaf == "__main__":
            continue
        found.append(importlib.import_module(info.name))
    return found


def _kind_tables() -> dict[str, tuple[dict, frozenset]]:
    tables = {}
    for module in _modules():
        for name, value in vars(module).items():
            if name.startswith("__") or not isinstance(value, dict) or not value:
                continue
            if all(isinstance(key, FieldKind) for key in value):
                exempt = frozenset(getattr(module, f"{name}_NOT_APPLICABLE", frozenset()))
                tables[f"{module.__name__}.{name}"] = (value, exempt)
    return tables


TABLES = _kind_tables()


def test_discovery_finds_the_kind_tables():
    assert set(TABLES) >= KNOWN


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_kind_is_in_the_table_or_not_applicable(name):
    table, exempt = TABLES[name]
    missing = ALL_KINDS - set(table) - exempt
    assert not missing, f"{name} has no entry for {sorted(missing)}"
    assert not set(table) & exempt, f"{name} both maps and exempts {sorted(set(table) & exempt)}"


def _field(kind: FieldKind) -> RemoteField:
    return RemoteField(name="Field__c", label="Field", remote_type="x", kind=kind)


def test_salesforce_reader_of_a_kind_without_entry_raises(monkeypatch):
    monkeypatch.delitem(sf_values.READERS, FieldKind.TEXT)
    with pytest.raises(ValueError, match="no Salesforce value reader for field kind"):
        sf_values.reader(FieldKind.TEXT)


def test_dynamics_writer_of_a_kind_without_entry_raises_instead_of_passing_the_value(
    monkeypatch,
):
    monkeypatch.delitem(dv_values.WRITERS, FieldKind.STRING)
    with pytest.raises(ValueError, match="no Dataverse value converter for field kind"):
        dv_values.to_json("text", FieldKind.STRING)


def test_local_type_of_a_kind_without_entry_raises_instead_of_none(monkeypatch):
    monkeypatch.delitem(mapping.KIND_TO_LOCAL, FieldKind.EMAIL)
    with pytest.raises(ValueError, match="no local column type for field kind"):
        mapping.local_type(_field(FieldKind.EMAIL))


def test_local_type_of_a_compound_is_none():
    assert mapping.local_type(_field(FieldKind.COMPOUND)) is None


def test_conversion_of_a_kind_without_entry_raises(monkeypatch):
    monkeypatch.delitem(conversions.CROSSINGS, FieldKind.DATE)
    with pytest.raises(ValueError, match="no conversion rule for field kind"):
        conversions.check(_field(FieldKind.DATE), "default")
