"""A Bulk 2.0 ingest job that ends Failed as a whole (the `bulk_fail` fault) processed
none of its rows: they are not rejects (rejects are journaled and never sent again, so
they would be lost) but an error that ends the activity, and the rerun sends them."""

from __future__ import annotations

import pytest

from crmlink.connectors.salesforce.bulk import BulkJobFailed
from crmlink.model import WriteMode
from tests.connectors.conftest import connector, set_faults


def _rows(tag: str, count: int) -> list[dict]:
    return [{"LastName": f"B{i}", "External_Id__c": f"{tag}-{i}"} for i in range(count)]


def test_failed_ingest_job_raises_and_writes_nothing(sf_fresh):
    with connector(sf_fresh, bulk_write_threshold=5) as opened:
        before = sf_fresh.org.count("Contact")
        set_faults(sf_fresh, "bulk_fail=1")
        results = opened.write("Contact", _rows("bf", 20), WriteMode.UPSERT, "External_Id__c")
        with pytest.raises(BulkJobFailed, match=r"before processing 20 rows: they were not"):
            list(results)
        assert sf_fresh.org.count("Contact") == before
        set_faults(sf_fresh, "")
        again = list(opened.write("Contact", _rows("bf", 20), WriteMode.UPSERT, "External_Id__c"))
    assert len(again) == 20 and all(r.success and r.created for r in again)
    assert sf_fresh.org.count("Contact") == before + 20
