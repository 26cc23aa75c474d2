"""Tooling API executeAnonymous: the `delete [SOQL];` clean-up tools send runs; other Apex
answers a compile problem in Salesforce's shape."""

from __future__ import annotations

EXECUTE = "/services/data/v59.0/tooling/executeAnonymous"


def test_delete_statement_deletes_what_the_query_finds(sf_fresh, http):
    for last in ("TestUser1", "TestUser2", "Keep"):
        sf_fresh.org.insert("Contact", {"LastName": last})
    before = sf_fresh.org.count("Contact")
    apex = "delete [SELECT Id FROM Contact WHERE LastName LIKE 'TestUser%'];"
    answer = http.get(EXECUTE, params={"anonymousBody": apex})
    assert answer.status_code == 200
    assert answer.json() == {
        "line": -1,
        "column": -1,
        "compiled": True,
        "success": True,
        "compileProblem": None,
        "exceptionStackTrace": None,
        "exceptionMessage": None,
    }
    assert sf_fresh.org.count("Contact") == before - 2


def test_other_apex_does_not_compile(http):
    answer = http.get(EXECUTE, params={"anonymousBody": "System.debug('hi');"}).json()
    assert answer["compiled"] is False and answer["success"] is False
    assert "delete [SELECT Id FROM" in answer["compileProblem"]


def test_a_bad_query_is_a_compile_problem(http):
    apex = "delete [SELECT Id FROM Xyzzy__c];"
    answer = http.get(EXECUTE, params={"anonymousBody": apex}).json()
    assert answer["compiled"] is False
    assert "Xyzzy__c" in answer["compileProblem"]
