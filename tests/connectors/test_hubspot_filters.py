"""The filter AST as HubSpot filterGroups: every operator and kind, the OR-of-ANDs
normalisation, each refusal with its message, hostile values kept as values."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crmlink.connectors.hubspot import filter_groups
from crmlink.connectors.hubspot.filter_groups import render, with_window
from crmlink.errors import FilterError
from crmlink.filters import bind, parse, validate
from crmlink.model import FieldKind, PicklistValue, RemoteField, RemoteTable

K = FieldKind


def _field(name: str, kind: FieldKind, **extra: object) -> RemoteField:
    return RemoteField(name, name, str(kind), kind, **extra)  # type: ignore[arg-type]


CONTACTS = RemoteTable(
    "contacts",
    "Contacts",
    False,
    "hs_object_id",
    "hs_lastmodifieddate",
    (
        _field("hs_object_id", K.ID),
        _field("hs_lastmodifieddate", K.DATETIME),
        _field("firstname", K.STRING),
        _field("email", K.EMAIL),
        _field("phone", K.PHONE),
        _field("notes", K.TEXT),
        _field("birthday", K.DATE),
        _field("score", K.DECIMAL),
        _field("opted_in", K.BOOLEAN),
        _field(
            "lifecyclestage",
            K.PICKLIST,
            picklist=(PicklistValue("lead", "Lead"), PicklistValue("customer", "Customer")),
        ),
        _field("interests", K.MULTIPICKLIST),
    ),
)


def groups(text: str, **variables: object) -> list[list[dict]]:
    expr = parse(text)
    if variables:
        expr = bind(expr, variables, CONTACTS)
    rendered = render(validate(expr, CONTACTS), CONTACTS)
    assert all(set(group) == {"filters"} for group in rendered)
    return [group["filters"] for group in rendered]


def one(text: str) -> dict:
    (group,) = groups(text)
    (only,) = group
    return only


def refused(text: str) -> str:
    with pytest.raises(FilterError) as caught:
        groups(text)
    return caught.value.message


# -- operators ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("symbol", "operator"),
    [("=", "EQ"), ("!=", "NEQ"), ("<", "LT"), ("<=", "LTE"), (">", "GT"), (">=", "GTE")],
)
def test_comparisons(symbol: str, operator: str) -> None:
    assert one(f"firstname {symbol} 'Ann'") == {
        "propertyName": "firstname",
        "operator": operator,
        "value": "Ann",
    }


def test_in_and_not_in_take_values_lower_cased_on_text() -> None:
    assert one("email in ('A@X.com', 'b@y.com')") == {
        "propertyName": "email",
        "operator": "IN",
        "values": ["a@x.com", "b@y.com"],
    }
    assert one("firstname not in ('Ann')")["operator"] == "NOT_IN"


def test_in_keeps_enumeration_values_exact() -> None:
    assert one("lifecyclestage in ('Lead', 'customer')")["values"] == ["Lead", "customer"]


def test_null_tests_are_property_presence() -> None:
    assert one("email is null") == {"propertyName": "email", "operator": "NOT_HAS_PROPERTY"}
    assert one("email is not null") == {"propertyName": "email", "operator": "HAS_PROPERTY"}
    assert one("email = null")["operator"] == "NOT_HAS_PROPERTY"
    assert one("email != null")["operator"] == "HAS_PROPERTY"


def test_like_without_wildcard_is_equality() -> None:
    assert one("firstname like 'Ann'") == {
        "propertyName": "firstname",
        "operator": "EQ",
        "value": "Ann",
    }
    assert one("firstname not like 'Ann'")["operator"] == "NEQ"
    assert one(r"firstname like '100\%'")["value"] == "100%"  # an escaped % is text


@pytest.mark.parametrize("pattern", ["Ann%", "%Ann", "%Ann%", "A_n", "A%n"])
def test_like_with_a_wildcard_is_refused(pattern: str) -> None:
    message = refused(f"firstname like '{pattern}'")
    assert "HubSpot search cannot match the pattern" in message
    assert "no prefix, suffix or substring operator" in message
    assert "'firstname'" in message


# -- values per kind ----------------------------------------------------------------------
def test_datetime_is_epoch_milliseconds() -> None:
    moment = dt.datetime(2024, 1, 31, 10, 0, 0, 123000, tzinfo=dt.UTC)
    expected = str(int(moment.timestamp() * 1000))
    assert one("hs_lastmodifieddate >= 2024-01-31T10:00:00.123Z")["value"] == expected
    shifted = one("hs_lastmodifieddate > 2024-01-31T12:00:00.123+02:00")
    assert shifted["value"] == expected


def test_a_date_on_a_datetime_is_its_midnight_utc() -> None:
    midnight = dt.datetime(2024, 1, 31, tzinfo=dt.UTC)
    assert one("hs_lastmodifieddate < 2024-01-31")["value"] == str(int(midnight.timestamp()) * 1000)


def test_a_date_property_is_its_midnight_utc_in_milliseconds() -> None:
    assert one("birthday = 1990-05-17")["value"] == "642902400000"


def test_sub_millisecond_datetimes_round_so_the_comparison_keeps_its_meaning() -> None:
    base = int(dt.datetime(2024, 1, 31, 10, tzinfo=dt.UTC).timestamp() * 1000)
    text = "2024-01-31T10:00:00.0005Z"
    assert one(f"hs_lastmodifieddate > {text}")["value"] == str(base)
    assert one(f"hs_lastmodifieddate <= {text}")["value"] == str(base)
    assert one(f"hs_lastmodifieddate >= {text}")["value"] == str(base + 1)
    assert one(f"hs_lastmodifieddate < {text}")["value"] == str(base + 1)


def test_booleans_numbers_and_enumerations() -> None:
    assert one("opted_in = true")["value"] == "true"
    assert one("opted_in = false")["value"] == "false"
    assert one("score >= 12.50")["value"] == "12.50"
    assert one("score < -3")["value"] == "-3"
    assert one("lifecyclestage = 'customer'")["value"] == "customer"
    assert one("interests = 'golf'")["value"] == "golf"
    assert one("phone = '+1 555 0100'")["value"] == "+1 555 0100"


def test_record_ids_are_whole_numbers() -> None:
    assert one("hs_object_id > '1200'") == {
        "propertyName": "hs_object_id",
        "operator": "GT",
        "value": "1200",
    }
    assert "is not a HubSpot record id" in refused("hs_object_id = '12 or 1=1'")


# -- normalisation --------------------------------------------------------------------------
def test_and_is_one_group_or_is_several() -> None:
    assert [len(g) for g in groups("firstname = 'a' and email is not null")] == [2]
    assert [len(g) for g in groups("firstname = 'a' or email is not null")] == [1, 1]


def test_and_is_distributed_over_or() -> None:
    found = groups("opted_in = true and (firstname = 'a' or firstname = 'b')")
    assert [[(f["propertyName"], f.get("value")) for f in g] for g in found] == [
        [("opted_in", "true"), ("firstname", "a")],
        [("opted_in", "true"), ("firstname", "b")],
    ]
    crossed = groups("(firstname = 'a' or firstname = 'b') and (score > 1 or score < -1)")
    assert len(crossed) == 4 and all(len(g) == 2 for g in crossed)


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("not (firstname = 'a')", "NEQ"),
        ("not (firstname != 'a')", "EQ"),
        ("not (score < 1)", "GTE"),
        ("not (score <= 1)", "GT"),
        ("not (score > 1)", "LTE"),
        ("not (score >= 1)", "LT"),
        ("not (email in ('x'))", "NOT_IN"),
        ("not (email not in ('x'))", "IN"),
        ("not (email is null)", "HAS_PROPERTY"),
        ("not (email is not null)", "NOT_HAS_PROPERTY"),
        ("not (firstname like 'a')", "NEQ"),
        ("not not (firstname = 'a')", "EQ"),
    ],
)
def test_not_is_pushed_to_the_leaves(text: str, operator: str) -> None:
    assert one(text)["operator"] == operator


def test_de_morgan() -> None:
    assert [[f["operator"] for f in g] for g in groups("not (firstname = 'a' or score > 1)")] == [
        ["NEQ", "LTE"]
    ]
    assert [[f["operator"] for f in g] for g in groups("not (firstname = 'a' and score > 1)")] == [
        ["NEQ"],
        ["LTE"],
    ]


def test_a_between_shaped_pair_stays_two_filters() -> None:
    (group,) = groups("score >= 1 and score <= 5")
    assert [(f["operator"], f["value"]) for f in group] == [("GTE", "1"), ("LTE", "5")]


# -- limits -------------------------------------------------------------------------------
def _ors(count: int) -> str:
    return " or ".join(f"firstname = 'n{i}'" for i in range(count))


def test_five_groups_pass_six_are_refused() -> None:
    assert len(groups(_ors(5))) == 5
    message = refused(_ors(6))
    assert "needs 6 filter groups" in message and "at most 5" in message


def test_distribution_past_five_groups_is_refused_before_it_is_built() -> None:
    text = " and ".join(f"(score = {i} or score = {-i - 1})" for i in range(20))  # 2**20
    message = refused(text)
    assert f"needs {2**20} filter groups" in message and "at most 5" in message


def test_six_filters_in_a_group_pass_seven_are_refused() -> None:
    six = " and ".join(f"score != {i}" for i in range(6))
    assert [len(g) for g in groups(six)] == [6]
    message = refused(six + " and score != 99")
    assert "filter group 1 has 7 filters" in message and "at most 6 in a group" in message


def test_more_than_eighteen_filters_in_all_are_refused() -> None:
    group = " and ".join(f"score != {i}" for i in range(4))
    text = " or ".join(f"({group} and firstname = 'g{n}')" for n in range(4))  # 4 x 5 = 20
    message = refused(text)
    assert "needs 20 filters in all" in message and "at most 18" in message
    three = " or ".join(f"({group} and firstname = 'g{n}')" for n in range(3))  # 15
    assert sum(len(g) for g in groups(three)) == 15


def test_the_window_joins_every_group_within_the_limits() -> None:
    user = filter_groups.normalised(parse("firstname = 'a' or score > 1"), CONTACTS)
    window = [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": "5"}]
    joined = with_window(user, window, "the window")
    assert [[f["propertyName"] for f in g["filters"]] for g in joined] == [
        ["firstname", "hs_lastmodifieddate"],
        ["score", "hs_lastmodifieddate"],
    ]
    assert with_window([], window, "the window") == [{"filters": window}]


def test_a_filter_that_leaves_no_room_for_the_window_says_so() -> None:
    five = " and ".join(f"score != {i}" for i in range(5))
    user = filter_groups.normalised(validate(parse(five), CONTACTS), CONTACTS)
    window = [{"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": "5"}] * 2
    with pytest.raises(FilterError) as caught:
        with_window(user, window, "the read's window")
    message = caught.value.message
    assert "filter group 1 has 7 filters" in message
    assert "leaves no room for the 2 filter(s) of the read's window" in message


# -- variables and hostile values -------------------------------------------------------------
def test_an_unbound_variable_is_named() -> None:
    message = refused("firstname = {{who}}")
    assert "{{who}}" in message and "not bound" in message
    assert "{{pat}}" in refused("firstname like '{{pat}}'")


HOSTILE = [
    "O'Brien",
    'a"}]}, {"propertyName": "email", "operator": "HAS_PROPERTY',
    "x' or email != null --",
    "line\nbreak\ttab",
    "back\\slash",
    "unicode ☃ \u202e",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_one_value(value: str) -> None:
    found = groups("firstname = {{v}}", v=value)
    assert found == [[{"propertyName": "firstname", "operator": "EQ", "value": value}]]
    assert json.loads(json.dumps(found)) == found  # plain JSON: dicts and strings only


def test_field_names_are_spelt_as_in_the_describe() -> None:
    assert one("FirstName = 'a'")["propertyName"] == "firstname"
