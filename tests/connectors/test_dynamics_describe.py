"""EntityDefinitions → RemoteTable: every attribute of every built-in entity is mapped or
reported; option sets, multi-select choices, keys, lookups."""

from __future__ import annotations

import collections

import pytest

from crmlink.connectors.dynamics import TYPE_MAP
from crmlink.filters import parse
from crmlink.model import FieldKind, WriteMode
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import rows_of

K = FieldKind
EXPECTED = {
    "StringType": {K.STRING, K.EMAIL},
    "MemoType": {K.TEXT},
    "PicklistType": {K.PICKLIST},
    "StateType": {K.PICKLIST},
    "StatusType": {K.PICKLIST},
    "MultiSelectPicklistType": {K.MULTIPICKLIST},
    "BooleanType": {K.BOOLEAN},
    "IntegerType": {K.INTEGER},
    "BigIntType": {K.BIGINT},
    "DecimalType": {K.DECIMAL},
    "MoneyType": {K.DECIMAL},
    "DoubleType": {K.DOUBLE},
    "DateTimeType": {K.DATETIME, K.DATE},
    "LookupType": {K.REFERENCE},
    "CustomerType": {K.REFERENCE},
    "OwnerType": {K.REFERENCE},
    "UniqueidentifierType": {K.ID, K.STRING},
    "EntityNameType": {K.UNSUPPORTED},
}

dv = support.dv  # a fixture
dv_writable = support.dv_writable  # a fixture


def _raw_attributes(dv, table: str) -> list[dict]:
    path = f"EntityDefinitions(LogicalName='{table}')"
    return dv.http.json("GET", path, params={"$expand": "Attributes"})["Attributes"]


def test_every_attribute_of_every_entity_is_mapped_or_reported(dv):
    seen: collections.Counter = collections.Counter()
    for summary in dv.list_tables():
        raw = _raw_attributes(dv, summary.name)
        table = dv.describe(summary.name)
        assert len(table.fields) == len(raw), summary.name  # nothing dropped
        for field in table.fields:
            assert field.kind in EXPECTED[field.remote_type], (summary.name, field.name)
            seen[field.remote_type] += 1
        assert table.field(table.key_field).kind == K.ID
    assert set(seen) == set(EXPECTED)  # the sandbox has every type the table maps
    assert seen["EntityNameType"] > 0  # reported as unsupported, not dropped
    assert set(EXPECTED) <= set(TYPE_MAP)


def test_contact_describe_details(dv):
    table = dv.describe("contact")
    assert (table.key_field, table.modified_field, table.label) == (
        "contactid",
        "modifiedon",
        "Contact",
    )
    assert table.field("birthdate").kind == K.DATE
    assert table.field("emailaddress1").external_id
    assert table.field("parentcustomerid").reference_to == ("account", "contact")
    money = table.field("creditlimit")
    assert (money.kind, money.scale) == (K.DECIMAL, 2) and money.precision > 10
    assert not table.field("modifiedon").createable and table.field("lastname").updateable


def test_option_sets_are_integer_values_with_labels(dv):
    table = dv.describe("contact")
    gender = table.field("gendercode")
    assert gender.restricted and [v.value for v in gender.picklist] == ["1", "2"]
    assert all(v.label and not v.label.isdigit() for v in gender.picklist)
    state = table.field("statecode")
    assert state.kind == K.PICKLIST and {v.value for v in state.picklist} == {"0", "1"}
    interests = table.field("cr7a3_interests")
    assert interests.kind == K.MULTIPICKLIST and len(interests.picklist) >= 3


def test_multi_select_reads_and_writes_semicolon_joined(dv):
    values = [v.value for v in dv.describe("contact").field("cr7a3_interests").picklist]
    chosen = f"{values[0]};{values[2]}"
    row = {"lastname": "multi", "cr7a3_interests": chosen, "gendercode": "2"}
    (result,) = dv.write("contact", [row], WriteMode.INSERT)
    (read,) = rows_of(dv, "contact", ["cr7a3_interests", "gendercode"], ids=[result.id])
    assert read == {"cr7a3_interests": chosen, "gendercode": "2"}
    found = rows_of(dv, "contact", ["contactid"], where=parse(f"cr7a3_interests = '{chosen}'"))
    assert result.id in {r["contactid"] for r in found}


def test_unknown_table_suggests(dv):
    from crmlink.errors import NotFoundError

    with pytest.raises(NotFoundError) as caught:
        dv.describe("contacts")
    assert "did you mean: contact" in caught.value.message
