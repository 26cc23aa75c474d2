"""A decimal field read from a CRM's JSON keeps every digit it was sent with: Salesforce
REST pages and Dataverse Web API pages parse fractions as Decimals of their text
(`json_text.loads(decimals=True)`), not as floats, whose 15–17 digits round a
currency(18,2) or a Dataverse money value; every other field gets the float
`json.loads` makes, as before. Through `httpx.MockTransport` (the sandboxes store
numbers as floats, so they cannot send such a value)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from crmlink.connectors.dynamics import pages
from crmlink.connectors.dynamics import values as dv_values
from crmlink.connectors.salesforce import values as sf_values
from crmlink.connectors.salesforce.read import RestReader
from crmlink.model import FieldKind, RemoteField, RemoteTable
from tests.connectors.test_http_boundary import dataverse, salesforce, sf_api

K = FieldKind
BIG = "1234567890123456.78"  # a currency(18,2): float(BIG) is 1234567890123456.8
MONEY = "922337203685477.1234"  # Dataverse money's top, 19 digits
assert Decimal(str(float(BIG))) != Decimal(BIG) and Decimal(str(float(MONEY))) != Decimal(MONEY)


def _field(name: str, kind: FieldKind) -> RemoteField:
    return RemoteField(name, name, kind.value, kind, precision=19, scale=4)


def _table(name: str, key: str, modified: str, kinds: dict[str, FieldKind]) -> RemoteTable:
    fields = tuple(_field(field, kind) for field, kind in kinds.items())
    return RemoteTable(name, name, False, key, modified, fields)


SF_TABLE = _table(
    "Opportunity",
    "Id",
    "SystemModstamp",
    {
        "Id": K.ID,
        "Amount": K.DECIMAL,
        "Probability": K.DOUBLE,
        "Description": K.STRING,
        "Quantity": K.INTEGER,
    },
)


def test_a_salesforce_rest_page_keeps_a_currency_s_digits_and_floats_the_rest():
    record = (
        '{"attributes": {"type": "Opportunity"}, "Id": "006000000000001AAA", '
        f'"Amount": {BIG}, "Probability": 0.1, "Description": 2.5, "Quantity": 3.0}}'
    )
    second = '{"Id": "006000000000002AAA", "Amount": 1.5E8, "Probability": 7, "Quantity": 4}'
    page = f'{{"totalSize": 2, "done": true, "records": [{record}, {second}]}}'

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=page.encode(), headers={"Content-Type": "application/json"}
        )

    handler, _ = sf_api(answer)
    reader = RestReader(salesforce(handler))
    convert = sf_values.row_reader(
        SF_TABLE, ["Id", "Amount", "Probability", "Description", "Quantity"]
    )
    rows = [row for batch in reader.pages("query", "SELECT …", convert) for row in batch]
    assert rows[0]["Amount"] == Decimal(BIG) and str(rows[0]["Amount"]) == BIG
    assert rows[1]["Amount"] == Decimal("150000000")
    # every other field as before: the float json.loads makes
    assert type(rows[0]["Probability"]) is float and rows[0]["Probability"] == 0.1
    assert type(rows[0]["Description"]) is float and rows[0]["Description"] == 2.5
    assert rows[0]["Quantity"] == 3 and rows[1]["Quantity"] == 4 and rows[1]["Probability"] == 7.0


DV_TABLE = _table(
    "contact",
    "contactid",
    "modifiedon",
    {
        "contactid": K.ID,
        "creditlimit": K.DECIMAL,
        "address1_latitude": K.DOUBLE,
        "nickname": K.STRING,
    },
)
DV_FIELDS = ["contactid", "creditlimit", "address1_latitude", "nickname"]


def _dv_page() -> bytes:
    records = [
        f'{{"contactid": "00000000-0000-0000-0000-00000000000{n}", "creditlimit": {limit}, '
        f'"address1_latitude": {latitude}, "nickname": {nickname}}}'
        for n, (limit, latitude, nickname) in enumerate(
            [(MONEY, "47.6062", '"x"'), ("5", "-122.3321", "0.5"), ("null", "3", "null")]
        )
    ]
    return f'{{"value": [{", ".join(records)}]}}'.encode()


def test_a_dataverse_page_keeps_a_money_value_s_digits_by_column_and_by_row():
    body, _ = pages.decode(_dv_page())
    columns = dv_values.column_reader(DV_TABLE, DV_FIELDS)(list(body["value"])).columns
    assert columns["creditlimit"] == [Decimal(MONEY), Decimal(5), None]
    assert str(columns["creditlimit"][0]) == MONEY
    assert columns["address1_latitude"] == [47.6062, -122.3321, 3.0]
    assert {type(v) for v in columns["address1_latitude"]} == {float}
    assert columns["nickname"] == ["x", 0.5, None] and type(columns["nickname"][1]) is float

    body, _ = pages.decode(_dv_page())
    rows = [dv_values.row_reader(DV_TABLE, DV_FIELDS)(r) for r in body["value"]]
    assert [r["creditlimit"] for r in rows] == [Decimal(MONEY), Decimal(5), None]
    assert type(rows[0]["address1_latitude"]) is float and type(rows[1]["nickname"]) is float


def test_a_dataverse_page_read_through_the_client_keeps_the_digits():
    """The same page through the HTTP client the reads use (`Reader.get`)."""
    from crmlink.connectors.dynamics.read import Reader

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=_dv_page(), headers={"Content-Type": "application/json"})

    page = Reader(dataverse(answer)).get("contacts", {"$select": ",".join(DV_FIELDS)})
    assert page.body["value"][0]["creditlimit"] == Decimal(MONEY)
    assert json.loads(_dv_page())["value"][0]["creditlimit"] != Decimal(MONEY)  # the old way


def test_a_decimal_exported_through_bulk_csv_keeps_every_digit(tmp_path):
    """The Bulk ingest CSV carries a Decimal's own text, with no exponent (a float, the
    old way, sent 1234567890123456.8)."""
    from crmlink.connectors.salesforce import ingest

    rows = [(1, {"Amount": Decimal(BIG), "Quantity": 3}), (2, {"Amount": Decimal("1.5E+8")})]
    (part,) = ingest._parts(tmp_path, iter(rows), SF_TABLE, [10])
    assert part.path.read_text().splitlines() == ["Amount,Quantity", f"{BIG},3", "150000000,"]
    assert (
        sf_values.to_csv(Decimal(BIG)) == BIG and sf_values.to_csv(Decimal("1E-7")) == "0.0000001"
    )


def test_a_salesforce_json_write_sends_a_currency_s_every_digit():
    """A composite body built by `to_json` and sent by the HTTP client carries the
    Decimal as its number; a NaN is refused before anything is sent, as it was."""
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        assert request.headers["Content-Type"] == "application/json"
        return httpx.Response(200, json=[{"id": "006000000000001AAA", "success": True}])

    handler, _ = sf_api(answer)
    http = salesforce(handler)
    record = {"attributes": {"type": "Opportunity"}, "Amount": sf_values.to_json(Decimal(BIG))}
    record["Probability"] = sf_values.to_json(0.1)
    http.json("POST", http.data("composite/sobjects"), json={"records": [record]})
    assert f'"Amount":{BIG},'.encode() in sent[0]
    assert json.loads(sent[0], parse_float=Decimal)["records"][0]["Amount"] == Decimal(BIG)
    assert json.loads(sent[0])["records"][0]["Probability"] == 0.1
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="not JSON compliant"):
            http.json("POST", http.data("composite/sobjects"), json={"records": [{"x": bad}]})
    assert len(sent) == 1


def test_a_dataverse_write_sends_a_money_value_s_every_digit():
    """A decimal column's value, a Decimal or a text, is sent digit for digit, in a
    plain request and in a `$batch` part; a double column still gets a float."""
    from crmlink.connectors.dynamics.batch import Operation, encode

    assert dv_values.to_json(Decimal(MONEY), K.DECIMAL) == Decimal(MONEY)
    assert dv_values.to_json(f" {MONEY} ", K.DECIMAL) == Decimal(MONEY)
    assert dv_values.to_json("12", K.DECIMAL) == 12 and dv_values.to_json("0.5", K.DOUBLE) == 0.5
    for bad in ("abc", "nan", "inf"):
        with pytest.raises(ValueError):
            dv_values.to_json(bad, K.DECIMAL)
    body = {"creditlimit": dv_values.to_json(MONEY, K.DECIMAL), "nickname": "é"}
    _, payload = encode([Operation("POST", "contacts", body)], "/api/data/v9.2/")
    assert f'{{"creditlimit":{MONEY},"nickname":"é"}}'.encode() in payload

    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(204)

    http = dataverse(answer)
    http.request("POST", http.base + "contacts", json=body)
    assert json.loads(sent[0], parse_float=Decimal)["creditlimit"] == Decimal(MONEY)
