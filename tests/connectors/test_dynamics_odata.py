"""The filter AST rendered to OData `$filter`, and hostile values round-tripping through
the Dataverse sandbox exactly."""

from __future__ import annotations

import pytest

from crmlink.errors import FilterError, UsageError
from crmlink.filters import parse, quote, quote_like, validate
from crmlink.filters.render.odata import render
from crmlink.model import WriteMode
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_support import rows_of

GUID = "0CBA34E3-5857-4717-B7FE-65FD12B9BF10"
CASES = [
    ("lastname = 'O''Brien'", "lastname eq 'O''Brien'"),
    ("lastname != null", "lastname ne null"),
    ("lastname like 'Mo%'", "startswith(lastname,'Mo')"),
    ("lastname like '%eau'", "endswith(lastname,'eau')"),
    ("lastname not like '%or%'", "(not contains(lastname,'or'))"),
    ("lastname like 'exact'", "lastname eq 'exact'"),
    ("gendercode = '2'", "gendercode eq 2"),
    ("gendercode in ('1', '2')", "Microsoft.Dynamics.CRM.In(PropertyName='gendercode',PropertyValues=['1','2'])"),  # noqa: E501
    ("lastname not in ('a''b')", "Microsoft.Dynamics.CRM.NotIn(PropertyName='lastname',PropertyValues=['a''b'])"),  # noqa: E501
    (f"parentcustomerid = '{GUID}'", f"_parentcustomerid_value eq {GUID.lower()}"),
    ("birthdate >= 2024-01-01", "birthdate ge 2024-01-01"),
    ("modifiedon > 2024-01-31T12:00:00+02:00", "modifiedon gt 2024-01-31T10:00:00Z"),
    ("modifiedon < 2024-01-31", "modifiedon lt 2024-01-31T00:00:00Z"),
    ("donotemail = true and not (numberofchildren > 2 or creditlimit <= 10.5)",
     "(donotemail eq true and (not (numberofchildren gt 2 or creditlimit le 10.5)))"),
    ("cr7a3_interests = '100000001;100000000'", "cr7a3_interests eq '100000001,100000000'"),
]  # fmt: skip

dv = support.dv  # a fixture
dv_writable = support.dv_writable  # a fixture


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_render(dv, text, expected):
    table = dv.describe("contact")
    assert render(validate(parse(text), table), table) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("lastname like 'a_c'", "cannot match the pattern"),
        ("lastname like 'a%c'", "cannot match the pattern"),
        ("gendercode = 'Male'", "Dataverse choices are integers"),
        ("parentcustomerid = 'nope'", "is not a GUID"),
    ],
)
def test_render_refusals(dv, text, needle):
    table = dv.describe("contact")
    with pytest.raises(FilterError) as caught:
        render(validate(parse(text), table), table)
    assert needle in caught.value.message


def test_include_deleted_is_a_usage_error(dv):
    with pytest.raises(UsageError) as caught:
        rows_of(dv, "contact", ["contactid"], include_deleted=True)
    assert "change tracking" in caught.value.message


HOSTILE = [
    "O'Brien",
    "''",
    "' or lastname ne null or '",
    "back\\slash",
    "amp&er=sand+plus#hash?q",
    "per%cent_under",
    "new\nline\ttab",
    "ünïcødé ☃ 𝄞",
    "(paren) [br] {cur}",
    "$filter=x",
]


def test_hostile_values_round_trip_exactly(dv):
    rows = [{"lastname": value, "firstname": "hostile"} for value in HOSTILE]
    ids = [r.id for r in dv.write("contact", rows, WriteMode.INSERT)]
    assert all(ids)
    for value, record_id in zip(HOSTILE, ids, strict=True):
        found = rows_of(
            dv, "contact", ["contactid", "lastname"], where=parse(f"lastname = {quote(value)}")
        )
        assert [(r["contactid"], r["lastname"]) for r in found] == [(record_id, value)], value
        pattern = quote_like(value)[:-1] + "%'"
        found = rows_of(dv, "contact", ["contactid"], where=parse(f"lastname like {pattern}"))
        assert record_id in {r["contactid"] for r in found}, value
    listed = ", ".join(quote(v) for v in HOSTILE)
    found = rows_of(dv, "contact", ["contactid"], where=parse(f"lastname in ({listed})"))
    assert {r["contactid"] for r in found} == set(ids)
