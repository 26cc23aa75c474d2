"""The three renderers (`crmlink.filters.render`): every node type, quoting of hostile
text, and parameters that are never rendered raw."""

from __future__ import annotations

import datetime as dt
import typing

import pytest
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Numeric, String, Table
from sqlalchemy.dialects import postgresql

from crmlink.errors import FilterError
from crmlink.filters import ast, parse, validate
from crmlink.filters.render import odata, soql, sql

SQL_TABLE = Table(
    "contact",
    MetaData(),
    Column("Id", String(18), primary_key=True),
    Column("Email", String(255)),
    Column("LastName", String(80)),
    Column("Points", Integer()),
    Column("Score", Numeric()),
    Column("Birthdate", Date()),
    Column("CreatedDate", DateTime(timezone=True)),
    Column("Owner", String(36)),
)
GUID = "0cba34e3-5857-4717-b7fe-65fd12b9bf10"
SAMPLES: dict[type, ast.Expr] = {
    ast.Comparison: ast.Comparison("LastName", ast.Op.EQ, ast.String("x")),
    ast.InList: ast.InList("Points", (ast.Number(1), ast.Number(2))),
    ast.Like: ast.Like("LastName", "x%"),
    ast.IsNull: ast.IsNull("Email", negated=True),
    ast.And: ast.And((ast.IsNull("Email"), ast.IsNull("LastName"))),
    ast.Or: ast.Or((ast.IsNull("Email"), ast.IsNull("LastName"))),
    ast.Not: ast.Not(ast.IsNull("Email")),
}
RENDERERS = {
    "soql": lambda expr, table: soql.render(expr, table),
    "odata": lambda expr, table: odata.render(expr, table),
    "sql": lambda expr, table: sql.render(expr, SQL_TABLE),
}


def sql_text(expr: ast.Expr) -> str:
    clause = sql.render(expr, SQL_TABLE)
    return str(clause.compile(dialect=postgresql.dialect()))


def sql_params(expr: ast.Expr) -> list:
    return list(sql.render(expr, SQL_TABLE).compile().params.values())


def test_the_samples_cover_every_expression_class():
    assert set(SAMPLES) == set(typing.get_args(ast.Expr))


@pytest.mark.parametrize("name", sorted(RENDERERS))
@pytest.mark.parametrize("kind", sorted(SAMPLES, key=lambda k: k.__name__))
def test_every_renderer_handles_every_expression_class(table, name, kind):
    assert RENDERERS[name](SAMPLES[kind], table) is not None


@pytest.mark.parametrize("name", sorted(RENDERERS))
@pytest.mark.parametrize(
    "value", [ast.Param("v"), ast.Template(("a", ast.Param("v")))], ids=["param", "template"]
)
def test_an_unbound_variable_is_never_rendered(table, name, value):
    with pytest.raises(FilterError) as caught:
        RENDERERS[name](ast.Comparison("LastName", ast.Op.EQ, value), table)
    assert "{{v}}" in caught.value.message


def test_an_unbound_like_template_is_never_rendered(table):
    expr = ast.Like("LastName", ast.Template(("%", ast.Param("v"))))
    for render in RENDERERS.values():
        with pytest.raises(FilterError):
            render(expr, table)


HOSTILE = "O'Brien \\ 100% _x_ é ü 日本"


def test_soql_quotes_quotes_backslashes_and_keeps_unicode(table):
    expr = ast.Comparison("LastName", ast.Op.EQ, ast.String(HOSTILE))
    assert soql.render(expr, table) == "LastName = 'O\\'Brien \\\\ 100% _x_ é ü 日本'"


def test_soql_like_escapes_only_the_escaped_wildcards(table):
    expr = validate(parse("LastName like 'a\\%b\\_c%'"), table)
    assert soql.render(expr, table) == "LastName LIKE 'a\\%b\\_c%'"


def test_odata_doubles_quotes_and_keeps_backslashes_and_unicode(table):
    expr = ast.Comparison("LastName", ast.Op.EQ, ast.String(HOSTILE))
    assert odata.render(expr, table) == "LastName eq 'O''Brien \\ 100% _x_ é ü 日本'"


def test_odata_like_literal_percent_is_text(table):
    expr = validate(parse("LastName like 'a\\%b%'"), table)
    assert odata.render(expr, table) == "startswith(LastName,'a%b')"


def test_odata_ids_are_guids(table):
    expr = ast.InList("Owner", (ast.String(GUID.upper()),))
    found = odata.render(expr, table)
    assert (
        found == f"Microsoft.Dynamics.CRM.In(PropertyName='_Owner_value',PropertyValues=['{GUID}'])"
    )


def test_sql_values_are_bound_parameters_never_text():
    expr = ast.Comparison("LastName", ast.Op.EQ, ast.String(HOSTILE))
    assert HOSTILE not in sql_text(expr) and HOSTILE in sql_params(expr)


def test_sql_like_escapes_backslash_percent_and_underscore():
    expr = ast.Like("LastName", "a\\%b\\_c\\\\%")
    assert "a\\%b\\_c\\\\%" in sql_params(expr) and "ESCAPE" in sql_text(expr).upper()


def test_sql_renders_datetimes_as_parameters():
    moment = dt.datetime(2024, 1, 31, 10, tzinfo=dt.UTC)
    expr = ast.Comparison("CreatedDate", ast.Op.GE, ast.DateTime(moment))
    assert moment in sql_params(expr)
