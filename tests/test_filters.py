"""The filter language: parser, validation against a describe, SOQL rendering, and
hostile values round-tripping through the Salesforce sandbox."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from crmlink.connectors.salesforce.describe import remote_table
from crmlink.errors import FilterError
from crmlink.filters import (
    ANY,
    ONE,
    And,
    Boolean,
    Comparison,
    Date,
    DateTime,
    InList,
    IsNull,
    Like,
    Not,
    Number,
    Op,
    Or,
    String,
    fields_of,
    like_parts,
    parse,
    validate,
)
from crmlink.filters import quote as fquote
from crmlink.filters import quote_like as fquote_like
from crmlink.filters.render.soql import like_literal, quote, render
from crmlink.model import WriteMode


@pytest.fixture(scope="module")
def contact():
    import json
    from pathlib import Path

    import crmlink.sandbox.salesforce as pkg

    path = Path(pkg.__file__).parent / "metadata" / "Contact.json"
    return remote_table(json.loads(path.read_text()))


# -- parser -------------------------------------------------------------------------
def test_parses_the_documented_example():
    expr = parse("Email != null and LeadSource in ('Web', 'Partner') and CreatedDate >= 2024-01-01")
    assert expr == And(
        (
            IsNull("Email", negated=True),
            InList("LeadSource", (String("Web"), String("Partner"))),
            Comparison("CreatedDate", Op.GE, Date(dt.date(2024, 1, 1))),
        )
    )


def test_not_binds_tighter_than_or_and_and_tighter_than_or():
    assert parse("not (Title like 'VP%') or Age > 30") == Or(
        (Not(Like("Title", "VP%")), Comparison("Age", Op.GT, Number(30)))
    )
    assert parse("a = 1 or b = 2 and c = 3") == Or(
        (
            Comparison("a", Op.EQ, Number(1)),
            And((Comparison("b", Op.EQ, Number(2)), Comparison("c", Op.EQ, Number(3)))),
        )
    )


@pytest.mark.parametrize("text", [r"Name = 'O\'Brien'", "Name = 'O''Brien'"])
def test_quotes_escape_both_ways(text):
    assert parse(text) == Comparison("Name", Op.EQ, String("O'Brien"))


def test_keywords_are_case_insensitive_and_null_forms_agree():
    assert parse("X IS NULL") == parse("x = null".replace("x", "X")) == IsNull("X")
    assert parse("X Is Not Null") == parse("X <> NULL") == IsNull("X", negated=True)
    assert parse("Y NOT IN (1, -2.5)") == InList("Y", (Number(1), Number(Decimal("-2.5"))), True)
    assert parse("B = TRUE") == Comparison("B", Op.EQ, Boolean(True))
    assert parse("T NOT LIKE 'a'") == Like("T", "a", negated=True)


def test_datetimes_are_utc():
    expr = parse("D > 2024-01-31T12:00:00+02:00")
    assert expr.value == DateTime(dt.datetime(2024, 1, 31, 10, tzinfo=dt.UTC))


def test_like_escapes_keep_wildcards_apart():
    expr = parse(r"T like '50\%\_%'")
    assert expr.pattern == r"50\%\_%"
    assert like_parts(expr.pattern) == ["50%_", ANY]
    assert like_parts("a_b") == ["a", ONE, "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the filter is empty"),
        (
            "a =",
            "expected a value (a 'string', number, date, true, false or null) "
            "but found 'end of filter' at column 4",
        ),
        ("a = 'x", "this string has no closing quote at column 5"),
        ("a b", "expected an operator (= != < <= > >= in like is) but found 'b' at column 3"),
        ("(a = 1", "expected ')' but found 'end of filter' at column 7"),
        ("a < null", "null cannot be compared with < at column 3"),
        ("a = 2024-01-31T10:00", "datetime 2024-01-31T10:00 needs a time zone: add Z for UTC"),
        ("a = 2024-02-30", "2024-02-30 is not a valid date"),
        (r"a = '\q'", "unknown escape \\q"),
        ("a = 1 b = 2", "expected 'and', 'or' or the end of the filter but found 'b'"),
        ("a = #", "unexpected character '#' at column 5"),
    ],
)
def test_parse_errors_say_where(text, message):
    with pytest.raises(FilterError) as caught:
        parse(text)
    assert message in caught.value.message


def test_fields_of():
    assert fields_of(parse("a = 1 and not (b is null or c like 'x')")) == ["a", "b", "c"]


# -- validation ---------------------------------------------------------------------
def test_unknown_field_suggests_the_closest(contact):
    with pytest.raises(FilterError) as caught:
        validate(parse("Emial != null"), contact)
    assert caught.value.message == "unknown field 'Emial' on Contact; did you mean: Email?"


def test_validate_spells_fields_and_types_literals(contact):
    expr = validate(parse("email != null and createddate >= 2024-01-01"), contact)
    assert expr == And(
        (
            IsNull("Email", True),
            Comparison("CreatedDate", Op.GE, DateTime(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))),
        )
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LastName = 3", "the number 3 does not fit field 'LastName' on Contact, which holds text"),
        ("Birthdate = 'x'", "which holds dates"),
        ("HasOptedOutOfEmail = 'yes'", "which holds true or false"),
        ("HasOptedOutOfEmail > true", "> cannot compare 'HasOptedOutOfEmail'"),
        ("Birthdate like '2024%'", "like needs a text field"),
        ("Description = 'x'", "field 'Description' on Contact (textarea) cannot be filtered"),
        ("MailingAddress = null", "cannot be filtered"),
    ],
)
def test_validate_refuses_misfits(contact, text, message):
    with pytest.raises(FilterError) as caught:
        validate(parse(text), contact)
    assert message in caught.value.message


# -- SOQL ---------------------------------------------------------------------------
def test_renders_soql():
    expr = parse(
        "not (Title like 'VP%') or LeadSource not in ('Web', 'O''Neil') and Age >= 30.5 "
        "and D < 2024-01-31T10:00:00Z and B = false and Birthdate = 2000-02-29"
    )
    assert render(expr) == (
        "((NOT Title LIKE 'VP%') OR (LeadSource NOT IN ('Web', 'O\\'Neil') AND Age >= 30.5 "
        "AND D < 2024-01-31T10:00:00.000Z AND B = false AND Birthdate = 2000-02-29))"
    )


def test_soql_string_escapes():
    assert quote("a'b\\c\nd\re\tf") == "'a\\'b\\\\c\\nd\\re\\tf'"
    assert quote("' OR Id != null --") == "'\\' OR Id != null --'"
    assert like_literal(r"50\%_x\\") == "'50\\%_x\\\\'"


# -- hostile values, end to end -------------------------------------------------------
HOSTILE = [
    "O'Brien",
    "back\\slash",
    "' OR Id != null --",
    "\\' OR Name != null",
    "ünïcødé 日本語 😀",
    "two\nlines\r\nand\ttab",
    "50% off_now",
    'double "quotes"',
    "''",
    "\\",
]


@pytest.fixture(scope="module")
def sf_writable(tmp_path_factory):
    from crmlink.sandbox.salesforce.app import SalesforceSandbox

    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("sf-filters"), records=10)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_hostile_values_round_trip_through_soql(sf_writable):
    from tests.connectors.conftest import connector

    mark = uuid.uuid4().hex[:6]
    values = [f"{v}{mark}" for v in HOSTILE]
    with connector(sf_writable) as opened:
        results = list(opened.write("Contact", [{"LastName": v} for v in values], WriteMode.INSERT))
        assert all(r.success for r in results), results
        for value, result in zip(values, results, strict=True):
            rows = [
                r
                for b in opened.read(
                    "Contact", ["Id", "LastName"], where=parse(f"LastName = {fquote(value)}")
                )
                for r in b
            ]
            assert rows == [{"Id": result.id, "LastName": value}]
            like = "LastName like " + fquote_like(value[: -len(mark)])[:-1] + "%'"
            batches = opened.read("Contact", ["Id", "LastName"], where=parse(like))
            found = [r for b in batches for r in b]
            assert result.id in {r["Id"] for r in found}
            assert all(r["LastName"].startswith(value[: -len(mark)]) for r in found)
