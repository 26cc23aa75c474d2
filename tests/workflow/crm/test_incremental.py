"""The automatic index: exactly the changed records, ties on SystemModstamp, a late
commit, a limit smaller than a tie, de-duplication, and a cursor that advances only
when the run succeeds. Each test has its own sandbox (`sf_fresh`, 50 backdated contacts).

The org's clock is first moved 10 minutes back, so the rows a test writes are older
than the run's cap (run start - overlap) without sleeping; moving it forward later is
what makes a late commit visible.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import sf_client
from tests.workflow.crm.conftest import FAILING

pytestmark = pytest.mark.slow

WORKFLOW = """
    name: inc
    activities:
      read:
        type: crm
        operation: import
        account: sfdc
        object: Contact
        fields: [LastName, Title]
        incremental: true
        overlap: 60
        %s
        next: [keep]
      keep: {type: capture, key: rows}
"""


def contact_ids(flow) -> list[str]:
    records = sf_client(flow.sandbox).query_all("SELECT Id FROM Contact ORDER BY Id")
    return [r["Id"] for r in records["records"]]


def touch(flow, ids: list[str], title: str) -> None:
    """One composite call: the records share one SystemModstamp (a tie)."""
    results = list(
        flow.connector().write("Contact", [{"Id": i, "Title": title} for i in ids], "update")
    )
    assert all(r.success for r in results), results


def ids_of(flow) -> list[str]:
    return sorted(r["Id"] for r in flow.rows("rows"))


def test_second_run_imports_exactly_the_changed_and_late_rows(flow):
    ids = contact_ids(flow)
    late, tied, extra = ids[0], ids[1:4], ids[4:6]
    flow.advance(-600)
    flow.faults("late_commit=300")  # its transaction commits 5 minutes after its stamp
    touch(flow, [late], "late")
    flow.faults("")
    touch(flow, tied, "first")  # stamped after the late row, visible at once

    first = flow.run(WORKFLOW % "")
    assert first.succeeded, first.error
    assert ids_of(flow) == sorted(set(ids) - {late})  # the late row is not visible yet
    cursor = flow.cursor("inc", "read")
    assert cursor["record_id"] == max(tied)  # past the late row's stamp

    flow.advance(400)  # the late transaction has committed
    touch(flow, tied + extra, "second")
    second = flow.run(WORKFLOW % "")
    assert second.succeeded, second.error
    assert ids_of(flow) == sorted([late, *tied, *extra])
    titles = {r["Id"]: r["Title"] for r in flow.rows("rows")}
    assert titles[late] == "late" and {titles[i] for i in tied + extra} == {"second"}
    window = flow.variables("rows")
    assert window["crmStartImport"] < window["crmEndDate"]
    assert window["crmStartImport"].endswith("Z")


def test_cursor_does_not_advance_when_the_run_fails(flow):
    ids = contact_ids(flow)
    flow.advance(-600)
    assert flow.run(WORKFLOW % "").succeeded
    committed = flow.cursor("inc", "read")

    touch(flow, ids[:3], "changed")
    FAILING.add("rows")
    failed = flow.run(WORKFLOW % "")
    assert failed.status == "failed"
    assert flow.cursor("inc", "read") == committed

    FAILING.clear()
    resumed = flow.run(WORKFLOW % "")  # resumes the failed run
    assert resumed.succeeded and resumed.id == failed.id
    boundary = committed["record_id"]  # the overlap re-reads the row at the cursor
    assert ids_of(flow) == sorted({*ids[:3], boundary})
    assert flow.cursor("inc", "read")["record_id"] == max(ids[:3])


def test_a_tie_larger_than_the_limit_is_passed_without_loss(flow):
    ids = contact_ids(flow)
    flow.advance(-600)
    touch(flow, ids, "all")  # all 50 share one SystemModstamp
    seen: list[list[str]] = []
    for _ in range(3):
        run = flow.run(WORKFLOW % "limit: 20")
        assert run.succeeded, run.error
        seen.append(ids_of(flow))
    assert seen[0] == ids[:20]
    assert set(ids[20:40]) <= set(seen[1]) and set(ids[40:]) <= set(seen[2])
    assert set().union(*seen) == set(ids)


class Doubling:
    """A connector whose reads give every batch twice, the second time changed."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def read(self, *args, **kwargs):
        for batch in self.inner.read(*args, **kwargs):
            yield batch
            later = dt.timedelta(seconds=1)
            yield [
                {**r, "Title": "latest", "SystemModstamp": r["SystemModstamp"] + later}
                for r in batch
            ]


def test_a_row_read_twice_keeps_its_latest_copy(flow):
    opened = flow.connector
    flow.connector = lambda account="sfdc": Doubling(opened(account))
    run = flow.run(WORKFLOW % "")
    assert run.succeeded, run.error
    rows = flow.rows("rows")
    assert sorted(r["Id"] for r in rows) == contact_ids(flow)
    assert {r["Title"] for r in rows} == {"latest"}
    assert any("read twice" in line for line in flow.log(run))


def test_index_field_other_than_the_modified_field(flow):
    ids = contact_ids(flow)
    flow.advance(-600)
    options = 'index_field: LastModifiedDate\n        filter: "LastName != null"'
    assert flow.run(WORKFLOW % options).succeeded
    boundary = flow.cursor("inc", "read")["record_id"]
    touch(flow, ids[5:8], "indexed")
    run = flow.run(WORKFLOW % options)
    assert run.succeeded, run.error
    assert set(ids[5:8]) <= set(ids_of(flow)) <= {*ids[5:8], boundary}
    assert flow.cursor("inc", "read")["record_id"] == max(ids[5:8])


# -- a cursor belongs to what it measures ------------------------------------------------
CHANGES = {
    "filter": ('filter: "LastName != null"', "Contact"),
    "object": ("", "Lead"),
    "query_all": ("query_all: true", "Contact"),
}


@pytest.mark.parametrize("key", sorted(CHANGES))
def test_a_changed_read_definition_starts_a_fresh_cursor(flow, key):
    """Same workflow name, another read: reusing the old cursor would skip every row
    older than it (the README's and the example's `contacts-from-salesforce` shared a
    name: the second imported 1 row of 1,790)."""
    flow.advance(-600)
    assert flow.run(WORKFLOW % "").activities[0].rows_out == 50
    assert flow.run(WORKFLOW % "").activities[0].rows_out < 50  # the cursor is used

    option, obj = CHANGES[key]
    again = flow.run((WORKFLOW % option).replace("object: Contact", f"object: {obj}"))

    assert again.status == "succeeded", again.error
    assert again.activities[0].rows_out == flow.sandbox.org.count(obj)
    warnings = [line for line in flow.log(again) if line.startswith("warning:")]
    changed = [line for line in warnings if "changed since its cursor was committed" in line]
    assert changed and key in changed[0], warnings


def test_an_unchanged_read_keeps_its_cursor_without_a_warning(flow):
    flow.advance(-600)
    flow.run(WORKFLOW % "")
    again = flow.run(WORKFLOW % "")
    assert again.activities[0].rows_out < 50
    assert not [line for line in flow.log(again) if "changed since its cursor" in line]
