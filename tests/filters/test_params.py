"""`{{name}}` in a filter: a value node (bare) or a template literal (inside quotes),
bound to typed literals after parsing; never filter syntax."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crmlink.errors import FilterError, UsageError
from crmlink.filters import ast, bind, parse, validate


def test_a_bare_variable_is_a_param_value():
    expr = parse("CreatedDate >= {{since}}")
    assert expr == ast.Comparison("CreatedDate", ast.Op.GE, ast.Param("since"))


def test_a_variable_inside_quotes_is_a_template_literal():
    expr = parse("Email like '%@{{domain}}'")
    assert expr == ast.Like("Email", ast.Template(("%@", ast.Param("domain"))))


@pytest.mark.parametrize("text", ["{{f}} = 1", "Email {{op}} 'x'", "Email in {{list}}"])
def test_a_variable_where_syntax_is_expected_is_refused(text):
    with pytest.raises(FilterError) as caught:
        parse(text)
    assert caught.value.message.startswith("variables stand for values")


def test_a_bound_template_fills_content_only(table):
    expr = bind(parse("Email = 'a{{x}}b'"), {"x": "' or Email != null or Email = '"}, table)
    assert expr == ast.Comparison(
        "Email", ast.Op.EQ, ast.String("a' or Email != null or Email = 'b")
    )


def test_a_bound_like_template_keeps_the_variable_s_wildcards_literal(table):
    expr = bind(parse("Email like '%@{{domain}}'"), {"domain": "x%_.com"}, table)
    assert expr == ast.Like("Email", "%@x\\%\\_.com")


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("CreatedDate >= {{v}}", "2024-01-31T12:00:00+02:00",
         ast.DateTime(dt.datetime(2024, 1, 31, 10, tzinfo=dt.UTC))),
        ("CreatedDate >= {{v}}", "2024-01-31",
         ast.DateTime(dt.datetime(2024, 1, 31, tzinfo=dt.UTC))),
        ("Birthdate < {{v}}", "2000-01-01", ast.Date(dt.date(2000, 1, 1))),
        ("Points > {{v}}", "30", ast.Number(30)),
        ("Score > {{v}}", "2.5", ast.Number(Decimal("2.5"))),
        ("OptOut = {{v}}", "TRUE", ast.Boolean(True)),
        ("LastName = {{v}}", "30", ast.String("30")),
    ],
)  # fmt: skip
def test_a_param_is_typed_by_its_field(table, text, value, expected):
    expr = validate(bind(parse(text), {"v": value}, table), table)
    assert isinstance(expr, ast.Comparison) and expr.value == expected


def test_a_param_in_a_list_is_one_value(table):
    expr = bind(parse("LastName in ({{a}}, 'b')"), {"a": "x', 'y"}, table)
    assert expr == ast.InList("LastName", (ast.String("x', 'y"), ast.String("b")))


def test_a_value_that_does_not_fit_its_field_is_a_filter_error(table):
    with pytest.raises(FilterError) as caught:
        bind(parse("Points > {{v}}"), {"v": "1 or Points < 1"}, table)
    assert "Points" in caught.value.message


def test_an_unknown_variable_is_a_usage_error(table):
    with pytest.raises(UsageError) as caught:
        bind(parse("Email = {{nope}}"), {"known": "1"}, table)
    assert "{{nope}}" in caught.value.message and "(variables: known)" in caught.value.message


def test_braces_that_are_not_a_variable_stay_text(table):
    expr = bind(parse("LastName = '{{ not a var }}'"), {}, table)
    assert expr == ast.Comparison("LastName", ast.Op.EQ, ast.String("{{ not a var }}"))
