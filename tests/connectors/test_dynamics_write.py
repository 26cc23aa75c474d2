"""Writes through `$batch`: per-row results in input order, rejects, lookups bound with
`@odata.bind`, upserts by alternate key and by id, deletes; the wire shape."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from crmlink.connectors.dynamics.batch import Operation, decode, encode
from crmlink.errors import UsageError
from crmlink.model import WriteMode
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import rows_of

dv = support.dv  # a fixture
dv_writable = support.dv_writable  # a fixture


def _mail() -> str:
    return f"w-{uuid.uuid4().hex[:10]}@example.com"


def test_rejects_come_back_in_input_order(dv):
    mail = _mail()
    rows = [
        {"lastname": "a", "emailaddress1": mail},
        {"lastname": "b", "emailaddress1": mail},  # duplicate alternate key
        {"lastname": "c", "gendercode": "99"},  # not an option
        {"lastname": "d", "gendercode": "not a number"},  # refused before sending
        {"lastname": "e"},
    ]
    results = list(dv.write("contact", rows, WriteMode.INSERT))
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.success for r in results] == [True, False, False, False, True]
    assert results[1].error.code == "0x80040237"
    assert results[2].error.code.startswith("0x8004") and "99" in results[2].error.message
    assert results[3].error.code == "INVALID_VALUE"


def test_update_never_creates(dv):
    missing = str(uuid.uuid4())
    (result,) = dv.write("contact", [{"contactid": missing, "lastname": "x"}], WriteMode.UPDATE)
    assert not result.success and result.error.code == "0x80040217"
    assert rows_of(dv, "contact", ["contactid"], ids=[missing]) == []


def test_upsert_by_id_creates_then_updates(dv):
    record_id = str(uuid.uuid4())
    row = {"contactid": record_id, "lastname": "first"}
    (created,) = dv.write("contact", [row], WriteMode.UPSERT, "contactid")
    (updated,) = dv.write("contact", [{**row, "lastname": "second"}], WriteMode.UPSERT)
    assert (created.id, created.created) == (record_id, True)
    assert (updated.id, updated.created) == (record_id, False)
    (read,) = rows_of(dv, "contact", ["lastname"], ids=[record_id])
    assert read["lastname"] == "second"


def test_upsert_by_alternate_key_with_a_quote(dv):
    mail = "o'" + _mail()
    (first,) = dv.write(
        "contact", [{"emailaddress1": mail, "lastname": "q"}], "upsert", "emailaddress1"
    )
    (again,) = dv.write(
        "contact", [{"emailaddress1": mail, "lastname": "r"}], "upsert", "emailaddress1"
    )
    assert first.created and not again.created and first.id == again.id


def test_upsert_on_a_non_key_is_a_usage_error(dv):
    with pytest.raises(UsageError) as caught:
        list(dv.write("contact", [{"lastname": "x"}], WriteMode.UPSERT, "lastname"))
    assert "alternate key" in caught.value.message


def test_lookups_are_written_with_odata_bind(dv):
    (account,) = dv.write("account", [{"name": "Bound Ltd"}], WriteMode.INSERT)
    (card,) = dv.write("cr7a3_loyaltycard", [{"cr7a3_name": "c1"}], WriteMode.INSERT)
    rows = [
        {
            "lastname": "bound",
            "parentcustomerid": f"account:{account.id}",
            "cr7a3_loyaltycardid": card.id,
        },
        {"lastname": "bound2", "parentcustomerid": f"/accounts({account.id})"},
        {"lastname": "ambiguous", "parentcustomerid": account.id},  # customer: which table?
    ]
    results = list(dv.write("contact", rows, WriteMode.INSERT))
    assert [r.success for r in results] == [True, True, False]
    assert "'<table>:<guid>'" in results[2].error.message
    read = rows_of(dv, "contact", ["parentcustomerid", "cr7a3_loyaltycardid"], ids=[results[0].id])
    assert read == [{"parentcustomerid": account.id, "cr7a3_loyaltycardid": card.id}]


def test_delete_results_in_order_with_not_found(dv):
    ids = [r.id for r in dv.write("contact", [{"lastname": "d1"}, {"lastname": "d2"}], "insert")]
    results = list(dv.delete("contact", [ids[0], "not-a-guid", ids[1], ids[0]]))
    assert [r.success for r in results] == [True, False, True, False]
    assert [r.error.code for r in results if r.error] == ["INVALID_ID", "0x80040217"]


def test_batch_wire_shape_has_no_change_sets():
    content_type, body = encode([Operation("POST", "contacts", {"a": 1})], "/api/data/v9.2/")
    text = body.decode()
    assert content_type.startswith("multipart/mixed; boundary=batch_")
    assert "changeset" not in text and "POST /api/data/v9.2/contacts HTTP/1.1" in text
    answer = (
        "--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n"
        "OData-EntityId: https://x/api/data/v9.2/contacts(00000000-0000-0000-0000-000000000001)"
        "\r\n\r\n\r\n--b--\r\n"
    )
    (parsed,) = decode("multipart/mixed; boundary=b", answer.encode())
    assert parsed.status == 204 and parsed.headers["odata-entityid"].endswith("01)")


def test_read_deleted_through_change_tracking(dv):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    ids = [r.id for r in dv.write("contact", [{"lastname": "gone"}] * 2, WriteMode.INSERT)]
    list(dv.delete("contact", ids))
    window = dv.read_deleted("contact", start, dt.datetime.now(dt.UTC))
    assert set(ids) <= {r.id for r in window.records}
    assert window.earliest_available is not None and window.earliest_available <= start
    assert all(r.deleted_at == window.latest_covered for r in window.records)
