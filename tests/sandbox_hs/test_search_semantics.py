"""The search compiler and runner as units, over a `records` table of the contract's shape:
each operator on each property type, groups (OR of ANDs), sorting, paging, the 10,000 cap
and the request limits. No HTTP here (tests/sandbox_hs/test_search_api.py has that)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models.properties import Option, PropertyDef
from crmlink.sandbox.hubspot.models.search.compile import Compiler
from crmlink.sandbox.hubspot.models.search.request import parse_request
from crmlink.sandbox.hubspot.models.search.run import run_search
from crmlink.sandbox.hubspot.models.search.terms import contains_token

SCHEMA = """
CREATE TABLE records (
  object_type TEXT NOT NULL, id INTEGER NOT NULL, properties TEXT NOT NULL,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0, archived_ms INTEGER,
  PRIMARY KEY (object_type, id));
CREATE INDEX records_modified ON records(object_type, archived, updated_ms, id);
"""
DAY = 86_400_000
T0 = 1_700_000_000_000  # 2023-11-14T22:13:20.000Z


def _prop(name: str, type_: str, field_type: str = "text", **kw) -> PropertyDef:
    return PropertyDef(name, name, type_, field_type, "contactinformation", **kw)


PROPS = {
    p.name: p
    for p in (
        _prop("hs_object_id", "number", "number"),
        _prop("createdate", "datetime", "date"),
        _prop("lastmodifieddate", "datetime", "date"),
        _prop("hs_lastmodifieddate", "datetime", "date"),
        _prop("firstname", "string"),
        _prop("email", "string"),
        _prop("score", "number", "number"),
        _prop("birthday", "date", "date"),
        _prop("met_at", "datetime", "date"),
        _prop("vip", "bool", "booleancheckbox"),
        _prop(
            "stage",
            "enumeration",
            "select",
            options=(Option("Lead", "Lead"), Option("customer", "customer")),
        ),
        _prop(
            "tags",
            "enumeration",
            "checkbox",
            options=(Option("A", "a"), Option("B", "b"), Option("C", "c")),
        ),
    )
}
ROWS = [
    # id, created offset (days), modified offset (days), properties
    (
        1,
        0,
        5,
        {
            "firstname": "Alice",
            "email": "alice@example.com",
            "score": "10",
            "birthday": "1990-01-02",
            "met_at": "2024-01-02T03:04:05.678Z",
            "vip": "true",
            "stage": "Lead",
            "tags": "a;b",
        },
    ),
    (
        2,
        1,
        4,
        {
            "firstname": "bob",
            "email": "bob@hubspot.com",
            "score": "9.5",
            "birthday": "1985-06-30",
            "vip": "false",
            "stage": "customer",
            "tags": "c",
        },
    ),
    (
        3,
        2,
        3,
        {"firstname": "ALICE", "email": "alice2@hubspot.com", "score": "100", "stage": "Lead"},
    ),
    (4, 3, 2, {"firstname": "Carol Ann", "email": "", "score": "-3"}),
    (5, 4, 1, {"firstname": "Dan"}),
]


@pytest.fixture(scope="module")
def conn():
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    for rid, created, modified, props in ROWS:
        stamps = {"hs_object_id": str(rid)}
        db.execute(
            "INSERT INTO records VALUES ('contacts', ?, ?, ?, ?, 0, NULL)",
            (rid, json.dumps({**props, **stamps}), T0 + created * DAY, T0 + modified * DAY),
        )
    # an archived record that matches everything must never be found
    db.execute(
        "INSERT INTO records VALUES ('contacts', 99, ?, ?, ?, 1, ?)",
        (json.dumps({"firstname": "Alice", "score": "10"}), T0, T0, T0),
    )
    db.execute(
        "INSERT INTO records VALUES ('companies', 7, ?, ?, ?, 0, NULL)",
        (json.dumps({"firstname": "Alice"}), T0, T0),
    )
    yield db
    db.close()


COMPILER = Compiler(PROPS, ("firstname", "email"), "contacts")


def ids(conn, body: dict) -> list[int]:
    page = run_search(conn, "contacts", parse_request(body), COMPILER)
    return [row["id"] for row in page.rows]


def one(prop: str, operator: str, **kw) -> dict:
    return {"filterGroups": [{"filters": [{"propertyName": prop, "operator": operator, **kw}]}]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # strings: without case; IN needs lower-case values
        (one("firstname", "EQ", value="alice"), [1, 3]),
        (one("firstname", "EQ", value="ALICE"), [1, 3]),
        (one("firstname", "NEQ", value="Alice"), [2, 4, 5]),
        (one("firstname", "IN", values=["alice", "dan"]), [1, 3, 5]),
        (one("firstname", "IN", values=["Alice", "Dan"]), []),
        (one("firstname", "NOT_IN", values=["alice", "dan"]), [2, 4]),
        (one("firstname", "GT", value="b"), [2, 4, 5]),
        (one("email", "CONTAINS_TOKEN", value="*@hubspot.com"), [2, 3]),
        (one("email", "NOT_CONTAINS_TOKEN", value="*@hubspot.com"), [1, 4, 5]),
        (one("firstname", "CONTAINS_TOKEN", value="ann"), [4]),
        (one("firstname", "CONTAINS_TOKEN", value="an"), []),
        (one("firstname", "CONTAINS_TOKEN", value="car*"), [4]),
        # an empty string is no value
        (one("email", "HAS_PROPERTY"), [1, 2, 3]),
        (one("email", "NOT_HAS_PROPERTY"), [4, 5]),
        # numbers numerically (text order would put 100 before 9.5)
        (one("score", "GT", value="9.5"), [1, 3]),
        (one("score", "GTE", value="9.5"), [1, 2, 3]),
        (one("score", "LT", value="10"), [2, 4]),
        (one("score", "LTE", value="10"), [1, 2, 4]),
        (one("score", "EQ", value="10.0"), [1]),
        (one("score", "BETWEEN", value="0", highValue="10"), [1, 2]),
        (one("score", "IN", values=["100", "-3"]), [3, 4]),
        (one("score", "NEQ", value="10"), [2, 3, 4, 5]),
        # dates and datetimes by time, values as epoch ms or ISO
        (one("birthday", "LT", value="1989-01-01"), [2]),
        (one("birthday", "EQ", value="631238400000"), [1]),  # 1990-01-02 midnight
        (one("met_at", "GT", value="2024-01-02T03:04:05.677Z"), [1]),
        (one("met_at", "EQ", value="1704164645678"), [1]),
        (one("met_at", "LT", value="2024-01-02T03:04:05.678Z"), []),
        # the server-kept columns
        (one("hs_object_id", "GT", value="3"), [4, 5]),
        (one("hs_object_id", "IN", values=["2", "5"]), [2, 5]),
        (one("createdate", "GTE", value=str(T0 + 3 * DAY)), [4, 5]),
        (
            one(
                "hs_lastmodifieddate",
                "BETWEEN",
                value=str(T0 + 2 * DAY),
                highValue=str(T0 + 3 * DAY),
            ),
            [3, 4],
        ),
        (one("lastmodifieddate", "LT", value="2023-11-16T22:13:20.000Z"), [5]),
        # bools; enumerations with case; multiple checkboxes by any option
        (one("vip", "EQ", value="TRUE"), [1]),
        (one("vip", "EQ", value="false"), [2]),
        (one("stage", "EQ", value="Lead"), [1, 3]),
        (one("stage", "EQ", value="lead"), []),
        (one("stage", "IN", values=["customer"]), [2]),
        (one("tags", "EQ", value="b"), [1]),
        (one("tags", "IN", values=["b", "c"]), [1, 2]),
        (one("tags", "NOT_IN", values=["a"]), [2, 3, 4, 5]),
    ],
)
def test_operator_by_type(conn, body, expected):
    assert ids(conn, body) == expected


def test_groups_are_an_or_of_ands(conn):
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "firstname", "operator": "EQ", "value": "alice"},
                    {"propertyName": "score", "operator": "GT", "value": "50"},
                ]
            },
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "dan"}]},
        ]
    }
    assert ids(conn, body) == [3, 5]


def test_query_searches_the_default_searchable_properties(conn):
    assert ids(conn, {"query": "hubspot"}) == [2, 3]
    assert ids(conn, {"query": "ALI example"}) == [1]


def test_hostile_text_is_only_ever_a_value(conn):
    evil = "x') OR 1=1 --"
    assert ids(conn, one("firstname", "EQ", value=evil)) == []
    assert ids(conn, one("firstname", "CONTAINS_TOKEN", value=evil)) == []
    with pytest.raises(ValidationFailed, match="does not exist"):
        ids(conn, one('firstname") OR 1=1 --', "EQ", value="a"))


def test_a_property_name_a_json_path_cannot_quote_is_refused(conn):
    odd = Compiler({**PROPS, 'we"ird': _prop('we"ird', "string")}, ('we"ird',), "contacts")
    request = parse_request(one('we"ird', "EQ", value="a"))
    with pytest.raises(ValidationFailed, match="not a property name"):
        run_search(conn, "contacts", request, odd)
    assert odd.searchable == ()  # `query` skips it rather than failing


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        (None, [1, 2, 3, 4, 5]),  # oldest created first
        ([{"propertyName": "createdate", "direction": "DESCENDING"}], [5, 4, 3, 2, 1]),
        (["hs_lastmodifieddate"], [5, 4, 3, 2, 1]),
        (["-score"], [3, 1, 2, 4, 5]),  # numeric, the record without a score last
        ([{"propertyName": "score", "direction": "ASCENDING"}], [4, 2, 1, 3, 5]),
        (["firstname"], [1, 3, 2, 4, 5]),  # without case, ties by id
    ],
)
def test_sorting(conn, sorts, expected):
    body = {"sorts": sorts} if sorts is not None else {}
    assert ids(conn, body) == expected


def test_paging_by_offset_and_total(conn):
    first = run_search(conn, "contacts", parse_request({"limit": 2}), COMPILER)
    assert (first.total, [r["id"] for r in first.rows], first.next_after) == (5, [1, 2], 2)
    last = run_search(conn, "contacts", parse_request({"limit": 2, "after": "4"}), COMPILER)
    assert ([r["id"] for r in last.rows], last.next_after) == ([5], None)


def test_after_at_the_cap_is_refused(conn):
    with pytest.raises(ValidationFailed, match="10,000"):
        run_search(conn, "contacts", parse_request({"after": "10000"}), COMPILER)
    page = run_search(conn, "contacts", parse_request({"after": "9999"}), COMPILER)
    assert page.rows == [] and page.total == 5


def _groups(n_groups: int, per_group: int) -> dict:
    f = {"propertyName": "firstname", "operator": "HAS_PROPERTY"}
    return {"filterGroups": [{"filters": [f] * per_group} for _ in range(n_groups)]}


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (_groups(6, 1), "filter groups"),
        (_groups(1, 7), "in a filter group"),
        (_groups(4, 5), "18 filters"),
        ({"sorts": ["firstname", "email"]}, "one sort"),
        ({"limit": 201}, "between 1 and 200"),
        ({"limit": 0}, "between 1 and 200"),
        ({"after": "abc"}, "integer"),
        ({"query": "x" * 3001}, "3000"),
        (one("firstname", "LIKE", value="a"), "FilterOperatorEnum"),
        (one("firstname", "IN"), "values list"),
        (one("score", "BETWEEN", value="1"), "highValue"),
        (one("firstname", "EQ"), "requires a value"),
    ],
)
def test_request_limits_are_400s(body, match):
    with pytest.raises(ValidationFailed, match=match):
        parse_request(body)


def test_limits_at_their_maximum_are_accepted(conn):
    assert parse_request(_groups(5, 3)).groups  # 15 filters
    assert parse_request(_groups(3, 6)).groups  # 18 filters
    assert len(ids(conn, {"limit": 200})) == 5


def test_unknown_or_invalid_filter_values_are_400s(conn):
    with pytest.raises(ValidationFailed, match="nosuch"):
        ids(conn, one("nosuch", "EQ", value="a"))
    with pytest.raises(ValidationFailed, match="nosuch"):
        ids(conn, {"sorts": ["nosuch"]})
    with pytest.raises(ValidationFailed, match="not a valid value"):
        ids(conn, one("score", "GT", value="ten"))
    with pytest.raises(ValidationFailed, match="not a valid value"):
        ids(conn, one("createdate", "GT", value="yesterday"))


def test_contains_token_words_and_wildcards():
    assert contains_token("Jane Mary Doe", "mary")
    assert contains_token("Jane Mary Doe", "doe jane")
    assert not contains_token("Jane Mary Doe", "mar")
    assert contains_token("jane@hubspot.com", "*@HUBSPOT.COM")
    assert contains_token("a.b+c@x.io", "a.b+c*")  # regex characters are literal
    assert not contains_token(None, "x")
