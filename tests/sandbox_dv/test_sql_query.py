"""`GET {set}?sql=SELECT …`: the read-only T-SQL subset, checked against the sandbox's own
store; unsupported SQL and injection attempts answer the Dataverse error envelope and
leave the store untouched."""

from __future__ import annotations

import uuid

import pytest


def rows(sandbox, sql: str, params: tuple = ()) -> list[tuple]:
    with sandbox.org.read() as conn:
        return conn.execute(sql, params).fetchall()


def sql(web, statement: str, entity_set: str = "contacts"):
    return web.get(entity_set, params={"sql": statement})


@pytest.fixture(scope="module")
def tag():
    """A unique last name for the contacts this module writes."""
    return f"Sql{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module", autouse=True)
def people(sandbox, tag):
    from tests.dynamics.conftest import api_client

    with api_client(sandbox) as web:
        for first, jobs, children in (("Ann", "Pilot", 1), ("Bob", None, 3), ("O'Hara", "Cook", 2)):
            body = {"firstname": first, "lastname": tag, "numberofchildren": children}
            if jobs:
                body["jobtitle"] = jobs
            web.post("contacts", json=body).raise_for_status()


def test_where_equals_returns_only_the_matching_rows(web, sandbox):
    response = sql(web, "SELECT fullname, lastname FROM contact WHERE lastname = 'Anderson'")
    assert response.status_code == 200, response.text
    got = response.json()["value"]
    expected = rows(sandbox, "SELECT contactid FROM contact WHERE lastname = 'Anderson'")
    assert sorted(r["contactid"] for r in got) == sorted(r[0] for r in expected)
    assert expected and {r["lastname"] for r in got} == {"Anderson"}
    assert set(got[0]) >= {"fullname", "lastname"} and "emailaddress1" not in got[0]


def test_and_or_parentheses_comparisons_and_order(web, tag):
    statement = (
        f"SELECT TOP 10 firstname, numberofchildren FROM contact WHERE lastname = '{tag}' "
        "AND (numberofchildren >= 2 OR firstname = 'Ann') ORDER BY numberofchildren DESC"
    )
    got = sql(web, statement).json()["value"]
    assert [(r["firstname"], r["numberofchildren"]) for r in got] == [
        ("Bob", 3),
        ("O'Hara", 2),
        ("Ann", 1),
    ]
    got = sql(
        web, f"SELECT firstname FROM contact WHERE lastname = '{tag}' AND numberofchildren <> 3"
    )
    assert sorted(r["firstname"] for r in got.json()["value"]) == ["Ann", "O'Hara"]


def test_like_is_null_in_and_not(web, tag):
    def names(where: str) -> list[str]:
        response = sql(web, f"SELECT firstname FROM contact WHERE lastname = '{tag}' AND {where}")
        assert response.status_code == 200, response.text
        return sorted(r["firstname"] for r in response.json()["value"])

    assert names("firstname LIKE 'a%'") == ["Ann"]  # case-insensitive, like the org
    assert names("firstname LIKE '_ob'") == ["Bob"]
    assert names("firstname NOT LIKE 'A%'") == ["Bob", "O'Hara"]
    assert names("jobtitle IS NULL") == ["Bob"]
    assert names("jobtitle IS NOT NULL") == ["Ann", "O'Hara"]
    assert names("firstname IN ('Ann', 'Bob')") == ["Ann", "Bob"]
    assert names("NOT (firstname = 'Ann' OR firstname = 'Bob')") == ["O'Hara"]
    assert names("firstname = 'O''Hara'") == ["O'Hara"]
    # T-SQL's three-valued logic: a NULL job title neither equals nor differs from 'Pilot'
    assert names("jobtitle <> 'Pilot'") == ["O'Hara"]
    assert names("jobtitle != 'Pilot'") == ["O'Hara"]
    assert names("NOT (jobtitle <> 'Pilot')") == ["Ann"]
    assert names("jobtitle NOT IN ('Pilot')") == ["O'Hara"]


def test_top_limits_and_lookup_columns_use_their_logical_name(web):
    response = sql(web, "SELECT TOP 3 lastname, parentcustomerid FROM contact")
    got = response.json()["value"]
    assert len(got) == 3 and "_parentcustomerid_value" in got[0]


def test_select_star_returns_every_column(web, tag):
    got = sql(web, f"SELECT * FROM contact WHERE lastname = '{tag}'").json()["value"]
    assert len(got) == 3 and {"emailaddress1", "jobtitle", "createdon"} <= set(got[0])


def test_pages_follow_the_next_link(web, sandbox):
    total = rows(sandbox, "SELECT count(*) FROM contact")[0][0]
    first = web.get(
        "contacts",
        params={"sql": "SELECT lastname FROM contact"},
        headers={"Prefer": "odata.maxpagesize=7"},
    ).json()
    assert len(first["value"]) == 7 and "sql=" in first["@odata.nextLink"]
    seen = [r["contactid"] for r in first["value"]]
    link = first.get("@odata.nextLink")
    while link:
        page = web.get(link, headers={"Prefer": "odata.maxpagesize=7"}).json()
        seen += [r["contactid"] for r in page["value"]]
        link = page.get("@odata.nextLink")
    assert len(seen) == len(set(seen)) == total


def test_the_table_must_match_the_entity_set(web):
    response = sql(web, "SELECT name FROM account", entity_set="contacts")
    assert response.status_code == 400
    assert "account" in response.json()["error"]["message"]
    response = sql(web, "SELECT name FROM nosuchtable")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid object name 'nosuchtable'."


@pytest.mark.parametrize(
    "statement, named",
    [
        ("SELECT lastname FROM contact c JOIN account a ON 1 = 1", "'C'"),
        ("SELECT DISTINCT lastname FROM contact", "DISTINCT"),
        ("SELECT count(lastname) FROM contact", "count"),
        ("SELECT lastname FROM contact GROUP BY lastname", "GROUP"),
        ("UPDATE contact SET lastname = 'x'", "SELECT"),
        ("SELECT lastname FROM contact WHERE lastname = NULL", "IS [NOT] NULL"),
        ("SELECT lastname FROM contact WHERE lastname LIKE '[a-c]%'", "ranges"),
        ("SELECT lastname FROM contact WHERE lastname BETWEEN 'a' AND 'b'", "BETWEEN"),
    ],
)
def test_unsupported_sql_names_what_is_unsupported(web, statement, named):
    response = sql(web, statement)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"].startswith("0x8004") and named in error["message"]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT lastname FROM contact; DROP TABLE contact",
        "SELECT lastname FROM contact WHERE lastname = 'x' -- ' OR 1=1",
        "SELECT lastname FROM contact /* */",
        "SELECT lastname FROM contact WHERE 1 = 1",
        'SELECT "lastname" FROM contact',
        "SELECT [lastname] FROM [contact]; DELETE FROM contact",
        "SELECT lastname FROM contact WHERE lastname = 'a' UNION SELECT name FROM account",
        "SELECT lastname FROM sqlite_master",
        "SELECT sql FROM contact",
    ],
)
def test_injection_attempts_are_refused_and_change_nothing(web, sandbox, statement):
    before = rows(sandbox, "SELECT count(*) FROM contact")
    response = sql(web, statement)
    assert response.status_code in (400, 404), response.text
    assert set(response.json()["error"]) == {"code", "message"}
    assert rows(sandbox, "SELECT count(*) FROM contact") == before


def test_values_are_bound_not_pasted(web, sandbox):
    """A quote-breaking value is data: it matches nothing instead of widening the WHERE."""
    statement = "SELECT lastname FROM contact WHERE lastname = 'x'' OR ''1''=''1'"
    response = sql(web, statement)
    assert response.status_code == 200 and response.json()["value"] == []


def test_unknown_columns_are_named(web):
    response = sql(web, "SELECT lastname, nosuchcolumn FROM contact")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid column name 'nosuchcolumn'."
    response = sql(web, "SELECT lastname FROM contact WHERE [lastname\"] = 'a'")
    assert "Invalid column name" in response.json()["error"]["message"]
