"""Hostile CRM data on import (SQLite and PostgreSQL): a NUL character in text, text longer
than its field, numbers beyond their column's range or precision. Each such record is a
reject naming the field (`workflow rejects`), the other records are imported, the run
succeeds — never a raw database error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, Numeric, String, Text

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.workflow.activities.convert import Invalid, converter
from tests.hostile.harness import Hostile

IMPORT = """
name: pgdata
activities:
  read:
    type: crm
    operation: import
    account: crm
    object: Subscription__c
    fields: [Name, Seats__c, Usage_Bytes__c, Monthly_Fee__c, Notes__c]
"""
GOOD = {"Name": "good", "Seats__c": 3, "Usage_Bytes__c": 10, "Monthly_Fee__c": 9.5}

# the hostile value -> the field the reject names, and what its message says
HOSTILE = {
    "nul-in-name": ({"Name": "bad\x00name"}, "Name", "NUL character at position 4"),
    "nul-first": ({"Name": "\x00"}, "Name", "NUL character at position 1"),
    "nul-in-long-text": ({"Notes__c": "notes " * 50 + "\x00"}, "Notes__c", "NUL character"),
    "name-too-long": ({"Name": "n" * 300}, "Name", "300 characters, more than the column's 80"),
    "int-beyond-32-bits": ({"Seats__c": 2**40}, "Seats__c", "out of the column's range"),
    "int-negative-beyond": ({"Seats__c": -(2**33)}, "Seats__c", "out of the column's range"),
    "long-beyond-64-bits": (
        {"Usage_Bytes__c": 1e25},
        "Usage_Bytes__c",
        "out of the column's range",
    ),
    "currency-too-many-digits": ({"Monthly_Fee__c": 1e20}, "Monthly_Fee__c", "too many digits"),
    "currency-huge-exponent": ({"Monthly_Fee__c": 1e300}, "Monthly_Fee__c", "too many digits"),
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def imported(request, tmp_path_factory) -> Iterator[tuple[dict, dict[str, dict]]]:
    """One import of a clean record and one hostile record per case of HOSTILE (the case
    is its Name, unless the case puts its hostile value in Name); run and rejects by id."""
    root = tmp_path_factory.mktemp("pgdata")
    if request.param == "sqlite":
        yield _imported(root, f"sqlite:///{root / 'campaign.db'}")
        return
    yield from _on_postgres(request.getfixturevalue("postgres_databases"), root)


def _on_postgres(databases, root) -> Iterator[tuple[dict, dict[str, dict]]]:
    for url in databases.created(migrated=True):
        yield _imported(root, url)


def _imported(root, url: str) -> tuple[dict, dict[str, dict]]:
    hostile = Hostile(root / "home", url)
    rows = [dict(GOOD)] + [dict(GOOD, Name=case) | bad for case, (bad, _, _) in HOSTILE.items()]
    with SalesforceSandbox(state_dir=root / "sf", records=0) as box:
        box.org.bulk_load("Subscription__c", rows)
        ids = box.org.sample_ids("Subscription__c", len(rows))  # in load order
        hostile.add_account("crm", box)
        run = json.loads(hostile.accepts("workflow", "run", str(hostile.write("w.yaml", IMPORT)),
                                         "--json").stdout)  # fmt: skip
    rejects = json.loads(hostile.accepts("workflow", "rejects", str(run["id"]), "--json").stdout)
    by_id = {r["row"]["Id"]: r for r in rejects}
    cases = dict(zip(["good", *HOSTILE], ids, strict=True))
    return run, {case: by_id[cases[case]] for case in HOSTILE if cases[case] in by_id} | {
        "_count": {"rejects": len(rejects), "good": cases["good"] in by_id}
    }


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_value_its_column_cannot_hold_is_a_reject_naming_the_field(imported, case):
    _, field, says = HOSTILE[case]
    reject = imported[1][case]
    assert (reject["error_code"], reject["error_symbol"]) == ("INVALID_VALUE", field)
    assert reject["error_message"].startswith(f"{field}: ") and says in reject["error_message"]
    assert len(reject["error_message"]) < 200  # a huge value is not repeated in full


def test_the_run_succeeds_with_the_clean_record_imported(imported):
    run, rejects = imported
    assert run["status"] == "succeeded", run
    (read,) = run["activities"]
    assert (read["rows_out"], read["rows_rejected"]) == (1, len(HOSTILE))
    assert rejects["_count"] == {"rejects": len(HOSTILE), "good": False}


# -- the same checks where a population's values reach a campaign table (update) -----------
@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        (Column("t", Text()), "a\x00b", "NUL character at position 2"),
        (Column("s", String(10)), "\x00", "NUL character at position 1"),
        (Column("s", String(3)), "abcd", "4 characters"),
        (Column("i", Integer()), 2**31, "out of the column's range"),
        (Column("i", Integer()), "9" * 5000, "out of the column's range"),
        (Column("i", Integer()), "nan", "not a whole number"),
        (Column("d", Numeric(5, 2)), "1e999999", "too many digits"),
        (Column("d", Numeric(5, 2)), "9" * 5000, "too many digits"),
    ],
    ids=[
        "nul-text",
        "nul-string",
        "too-long",
        "int32",
        "int-5000-digits",
        "int-nan",
        "decimal-exponent",
        "decimal-5000-digits",
    ],  # fmt: skip
)
def test_a_campaign_column_refuses_what_it_cannot_hold_in_one_short_sentence(column, value, says):
    with pytest.raises(Invalid) as caught:
        converter(column)(value)
    assert says in str(caught.value) and len(str(caught.value)) < 120
