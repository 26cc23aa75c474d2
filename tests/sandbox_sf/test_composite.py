"""`/composite` and `/composite/batch` on the Salesforce sandbox, and the `created` flag of
sObject Collections upserts: replayed recorded requests (CumulusCI cassettes) compared by
status and JSON shape, references, all-or-none roll-back, limits, and simple-salesforce."""

from __future__ import annotations

import pytest

from crmlink.sandbox.salesforce.models import references
from tests.reference import shape_differences
from tests.sandbox_sf.cassettes import interactions

V = "/services/data/v59.0"
COMPOSITE = f"{V}/composite"
BATCH = f"{V}/composite/batch"
ROLLED_BACK = (
    "The transaction was rolled back since another operation in the same transaction failed."
)
PARALLEL = "TestCompositeParallelSalesforce.test_composite_parallel_salesforce.yaml"


def _post(http, path: str, body: dict) -> dict:
    response = http.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _composite(http, subrequests: list[dict], all_or_none: bool = False) -> list[dict]:
    body = {"allOrNone": all_or_none, "compositeRequest": subrequests}
    return _post(http, COMPOSITE, body)["compositeResponse"]


def _create(ref: str, kind: str, fields: dict) -> dict:
    return {"method": "POST", "url": f"{V}/sobjects/{kind}", "referenceId": ref, "body": fields}


# -- replayed recordings ---------------------------------------------------------------------
def test_recorded_parallel_queries_answer_in_the_recorded_shape(sf_http):
    recorded = interactions(PARALLEL, "POST", "/composite")[0]
    ours = _post(sf_http, COMPOSITE, recorded.body)
    assert shape_differences(ours, recorded.answer) == []
    refs = [s["referenceId"] for s in recorded.body["compositeRequest"]]
    assert [r["referenceId"] for r in ours["compositeResponse"]] == refs
    assert {r["httpStatusCode"] for r in ours["compositeResponse"]} == {200}


def test_recorded_unknown_sobject_is_a_404_subrequest_inside_a_200(sf_http):
    recorded = interactions(
        "TestCompositeParallelSalesforce.test_errors.yaml", "POST", "/composite"
    )
    ours = _post(sf_http, COMPOSITE, recorded[0].body)
    assert ours == recorded[0].answer


def test_recorded_reference_ids_come_back_with_their_results(sf_http):
    for recorded in interactions(
        "TestCompositeParallelSalesforce.test_reference_ids.yaml", "POST", "/composite"
    ):
        ours = _post(sf_http, COMPOSITE, recorded.body)
        assert [r["referenceId"] for r in ours["compositeResponse"]] == [
            r["referenceId"] for r in recorded.answer["compositeResponse"]
        ]
        assert shape_differences(ours, recorded.answer) == []


def test_recorded_counts_with_an_invalid_type_subrequest(sf_http, sf_sandbox):
    recorded = interactions(
        "TestCountSObjects.test_count_sobjects__errors.yaml", "POST", "/composite"
    )
    ours = _post(sf_http, COMPOSITE, recorded[0].body)["compositeResponse"]
    theirs = recorded[0].answer["compositeResponse"]
    assert shape_differences(ours[0], theirs[0]) == []
    assert ours[0]["body"]["totalSize"] == sf_sandbox.org.count("Account")
    assert ours[1] == theirs[1]  # 400 INVALID_TYPE, the message to the character


def test_recorded_simple_counts_have_empty_records(sf_http):
    recorded = interactions(
        "TestCountSObjects.test_count_sobjects_simple.yaml", "POST", "/composite"
    )
    ours = _post(sf_http, COMPOSITE, recorded[0].body)
    assert shape_differences(ours, recorded[0].answer) == []
    assert all(r["body"]["records"] == [] for r in ours["compositeResponse"])


# -- references ------------------------------------------------------------------------------
def test_a_reference_chains_a_new_parent_into_its_child(sf_http, sf_sandbox):
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": "Chained Corp"}),
            _create("con", "Contact", {"LastName": "Chained", "AccountId": "@{acc.id}"}),
        ],
    )
    account, contact = results
    assert account["httpStatusCode"] == 201
    assert account["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{account['body']['id']}"}
    stored = sf_sandbox.org.retrieve("Contact", contact["body"]["id"], ["AccountId"])
    assert stored["AccountId"] == account["body"]["id"]


def test_a_reference_indexes_query_records_in_a_url(sf_http):
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": "Indexed Corp"}),
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT Id FROM Account WHERE Id = '@{{acc.id}}'",
                "referenceId": "found",
            },
            {
                "method": "GET",
                "url": f"{V}/sobjects/Account/@{{found.records[0].Id}}?fields=Name",
                "referenceId": "read",
            },
        ],
    )
    assert results[2]["httpStatusCode"] == 200
    assert results[2]["body"]["Name"] == "Indexed Corp"


@pytest.mark.parametrize(
    "reference", ["@%7Bacc.id%7D", "%40%7bacc.id%7d", "@%7Bfound.records%5B0%5D.Id%7D"]
)
def test_a_percent_encoded_reference_in_a_url_is_resolved(sf_http, reference):
    # aiosalesforce percent-encodes the braces of a reference it puts in a path
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": "Encoded Corp"}),
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT Id FROM Account WHERE Id = '@{{acc.id}}'",
                "referenceId": "found",
            },
            {"method": "GET", "url": f"{V}/sobjects/Account/{reference}", "referenceId": "read"},
        ],
    )
    assert results[2]["httpStatusCode"] == 200, results[2]
    assert results[2]["body"]["Name"] == "Encoded Corp"


def test_a_referenced_value_cannot_change_the_url_it_lands_in(sf_http):
    hostile = "Amp & Co&q=SELECT Id FROM Contact"
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": hostile}),
            {"method": "GET", "url": f"{V}/sobjects/Account/@{{acc.id}}", "referenceId": "read"},
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT Name FROM Account WHERE Name = '@{{read.Name}}'",
                "referenceId": "query",
            },
        ],
    )
    assert results[2]["httpStatusCode"] == 200
    assert [r["Name"] for r in results[2]["body"]["records"]] == [hostile]


def test_a_reference_to_a_failed_subrequest_halts_only_its_dependents(sf_http):
    results = _composite(
        sf_http,
        [
            _create("bad", "Contact", {"FirstName": "No last name"}),
            _create("child", "Contact", {"LastName": "Orphan", "ReportsToId": "@{bad.id}"}),
            _create("free", "Account", {"Name": "Independent"}),
        ],
    )
    assert results[0]["httpStatusCode"] == 400
    assert results[0]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert results[1]["httpStatusCode"] == 400
    assert results[1]["body"] == [
        {
            "errorCode": "PROCESSING_HALTED",
            "message": "Invalid reference specified. No value for bad.id found in bad.",
        }
    ]
    assert results[2]["httpStatusCode"] == 201


def test_a_reference_past_the_records_finds_no_value(sf_http):
    results = _composite(
        sf_http,
        [
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT Id FROM Account WHERE Name = 'nobody at all'",
                "referenceId": "none",
            },
            _create("use", "Contact", {"LastName": "X", "AccountId": "@{none.records[0].Id}"}),
        ],
    )
    assert results[1]["body"][0]["message"] == (
        "Invalid reference specified. No value for none.records[0].Id found in none."
    )


# -- allOrNone -------------------------------------------------------------------------------
def test_all_or_none_rolls_back_every_subrequest(sf_http, sf_sandbox):
    before = (sf_sandbox.org.count("Account"), sf_sandbox.org.count("Contact"))
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": "Rolled back"}),
            _create("ok", "Contact", {"LastName": "Rolled", "AccountId": "@{acc.id}"}),
            _create("bad", "Contact", {"FirstName": "No last name"}),
            _create("after", "Account", {"Name": "Never run"}),
        ],
        all_or_none=True,
    )
    after = (sf_sandbox.org.count("Account"), sf_sandbox.org.count("Contact"))
    assert after == before
    assert [r["httpStatusCode"] for r in results] == [400, 400, 400, 400]
    assert results[2]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    halted = [{"errorCode": "PROCESSING_HALTED", "message": ROLLED_BACK}]
    assert [results[i]["body"] for i in (0, 1, 3)] == [halted] * 3
    assert [r["referenceId"] for r in results] == ["acc", "ok", "bad", "after"]


def test_all_or_none_commits_when_every_subrequest_succeeds(sf_http, sf_sandbox):
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": "All good"}),
            _create("con", "Contact", {"LastName": "Good", "AccountId": "@{acc.id}"}),
        ],
        all_or_none=True,
    )
    assert [r["httpStatusCode"] for r in results] == [201, 201]
    assert sf_sandbox.org.retrieve("Contact", results[1]["body"]["id"], ["LastName"])


def _collection_then_contact(inner: bool) -> list[dict]:
    """The documented example: a collection of one good and one bad record, then a Contact."""
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "Good one"},
        {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
    ]
    return [
        {
            "method": "POST",
            "url": f"{V}/composite/sobjects",
            "referenceId": "coll",
            "body": {"allOrNone": inner, "records": records},
        },
        _create("after", "Account", {"Name": "After the collection"}),
    ]


@pytest.mark.parametrize("inner", [True, False])
def test_an_all_or_none_composite_rolls_back_a_collection_with_a_failed_record(
    sf_http, sf_sandbox, inner
):
    """The composite's allOrNone overrides the collection's: any failed record rolls back
    everything, the collection answers 200 with its per-record results."""
    before = (sf_sandbox.org.count("Contact"), sf_sandbox.org.count("Account"))
    results = _composite(sf_http, _collection_then_contact(inner), all_or_none=True)
    assert (sf_sandbox.org.count("Contact"), sf_sandbox.org.count("Account")) == before
    collection, after = results
    assert collection["httpStatusCode"] == 200
    assert [r["success"] for r in collection["body"]] == [not inner, False]
    assert after["httpStatusCode"] == 400
    assert after["body"] == [{"errorCode": "PROCESSING_HALTED", "message": ROLLED_BACK}]


@pytest.mark.parametrize(("inner", "kept"), [(False, 1), (True, 0)])
def test_without_all_or_none_a_collection_follows_its_own_flag(sf_http, sf_sandbox, inner, kept):
    before = sf_sandbox.org.count("Contact")
    results = _composite(sf_http, _collection_then_contact(inner))
    assert sf_sandbox.org.count("Contact") == before + kept
    assert results[1]["httpStatusCode"] == 201


# -- request checks and limits ---------------------------------------------------------------
def _query(ref: str) -> dict:
    return {
        "method": "GET",
        "url": f"{V}/query?q=SELECT Id FROM Account LIMIT 1",
        "referenceId": ref,
    }


def test_more_than_25_subrequests_fail_whole(sf_http):
    subs = [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(26)]
    response = sf_http.post(COMPOSITE, json={"compositeRequest": subs})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_INPUT"


def test_more_than_five_queries_fail_whole(sf_http, sf_sandbox):
    before = sf_sandbox.org.count("Account")
    subs = [_create("acc", "Account", {"Name": "Not created"})] + [
        _query(f"q{i}") for i in range(6)
    ]
    response = sf_http.post(COMPOSITE, json={"compositeRequest": subs})
    assert response.status_code == 400
    assert sf_sandbox.org.count("Account") == before  # checked before anything runs


def test_a_subrequest_without_reference_id_is_a_parser_error(sf_http):
    response = sf_http.post(COMPOSITE, json={"compositeRequest": [{"method": "GET", "url": V}]})
    assert response.status_code == 400
    assert response.json() == [
        {"message": "'referenceId' is a required field.", "errorCode": "JSON_PARSER_ERROR"}
    ]


def test_a_composite_counts_as_one_api_call(sf_http, sf_sandbox):
    used = sf_sandbox.org.api_usage()[0]
    _composite(sf_http, [_query(f"q{i}") for i in range(5)])
    assert sf_sandbox.org.api_usage()[0] == used + 1


def test_a_wrong_method_is_405_inside_the_composite(sf_http):
    results = _composite(sf_http, [{"method": "DELETE", "url": f"{V}/limits", "referenceId": "x"}])
    assert results[0]["httpStatusCode"] == 405
    assert results[0]["body"][0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_simple_salesforce_chains_creates_through_composite(sf, sf_sandbox):
    answer = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                _create("acc", "Account", {"Name": "Via simple-salesforce"}),
                _create("con", "Contact", {"LastName": "Via", "AccountId": "@{acc.id}"}),
                {"method": "GET", "url": f"{V}/sobjects/Contact/@{{con.id}}", "referenceId": "get"},
            ],
        },
    )
    account, _, read = answer["compositeResponse"]
    assert read["body"]["AccountId"] == account["body"]["id"]
    assert sf.Account.get(account["body"]["id"])["Name"] == "Via simple-salesforce"


# -- batch -----------------------------------------------------------------------------------
def test_batch_runs_each_subrequest_and_commits_it(sf_http, sf_sandbox):
    record_id = sf_sandbox.org.insert("Account", {"Name": "Before batch"})
    answer = _post(
        sf_http,
        BATCH,
        {
            "batchRequests": [
                {
                    "method": "PATCH",
                    "url": f"v59.0/sobjects/Account/{record_id}",
                    "richInput": {"Name": "After batch"},
                },
                {"method": "GET", "url": f"v59.0/sobjects/Account/{record_id}?fields=Name"},
                {"method": "GET", "url": "v59.0/sobjects/Nope/describe"},
            ]
        },
    )
    assert answer["hasErrors"] is True
    assert [r["statusCode"] for r in answer["results"]] == [204, 200, 404]
    assert answer["results"][0]["result"] is None
    assert answer["results"][1]["result"]["Name"] == "After batch"


def test_batch_halt_on_error_answers_412_after_the_failure(sf_http, sf_sandbox):
    before = sf_sandbox.org.count("Account")
    answer = _post(
        sf_http,
        BATCH,
        {
            "haltOnError": True,
            "batchRequests": [
                {"method": "POST", "url": f"{V}/sobjects/Account", "richInput": {"Name": "Kept"}},
                {"method": "POST", "url": f"{V}/sobjects/Contact", "richInput": {"FirstName": "x"}},
                {"method": "POST", "url": f"{V}/sobjects/Account", "richInput": {"Name": "Skip"}},
            ],
        },
    )
    assert [r["statusCode"] for r in answer["results"]] == [201, 400, 412]
    assert answer["results"][2]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"
    assert sf_sandbox.org.count("Account") == before + 1  # the first one is not rolled back


def test_batch_without_errors_says_so(sf_http):
    answer = _post(sf_http, BATCH, {"batchRequests": [{"method": "GET", "url": "v59.0/limits"}]})
    assert answer == {"hasErrors": False, "results": [answer["results"][0]]}
    assert answer["results"][0]["statusCode"] == 200


def test_batch_subrequests_count_against_the_api_limit(sf_http, sf_sandbox):
    used = sf_sandbox.org.api_usage()[0]
    _post(sf_http, BATCH, {"batchRequests": [{"method": "GET", "url": "v59.0/limits"}] * 3})
    assert sf_sandbox.org.api_usage()[0] == used + 3


def test_batch_of_more_than_25_fails_whole(sf_http):
    subs = [{"method": "GET", "url": "v59.0/limits"}] * 26
    response = sf_http.post(BATCH, json={"batchRequests": subs})
    assert response.status_code == 400


# -- collections upsert: created -------------------------------------------------------------
@pytest.fixture
def upsert_recording():
    recorded = interactions("TestUpsert.test_upsert__rest.yaml", "PATCH", "/Contact/Email")
    return recorded[-1]  # the second run: three updated, one created


def test_upsert_results_say_created_true_or_false_as_recorded(sf_http, upsert_recording):
    email = "created.flag@example.com"
    sf_http.patch(
        f"{V}/composite/sobjects/Contact/Email",
        json={"records": [{"attributes": {"type": "Contact"}, "LastName": "A", "Email": email}]},
    )
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "B", "Email": email},
        {"attributes": {"type": "Contact"}, "LastName": "C", "Email": "fresh.flag@example.com"},
    ]
    response = sf_http.patch(
        f"{V}/composite/sobjects/Contact/Email", json={"allOrNone": False, "records": records}
    )
    assert response.status_code == upsert_recording.status
    ours = response.json()
    assert shape_differences(ours, upsert_recording.answer) == []
    assert [r["created"] for r in ours] == [False, True]


def test_a_failed_upsert_result_still_carries_created(sf_http):
    records = [{"attributes": {"type": "Contact"}, "FirstName": "x", "Email": "x.flag@example.com"}]
    response = sf_http.patch(f"{V}/composite/sobjects/Contact/Email", json={"records": records})
    (result,) = response.json()
    assert result["success"] is False
    assert result["created"] is False


def test_a_query_in_an_all_or_none_composite_sees_the_records_created_before_it(sf_http):
    results = _composite(
        sf_http,
        [
            _create("acc", "Account", {"Name": "Seen in the same transaction"}),
            {
                "method": "GET",
                "url": f"{V}/query?q=SELECT Name FROM Account WHERE Id = '@{{acc.id}}'",
                "referenceId": "seen",
            },
        ],
        all_or_none=True,
    )
    assert results[1]["body"]["totalSize"] == 1


def test_a_created_record_is_located_under_its_object_s_own_name(sf_http):
    results = _composite(sf_http, [_create("acc", "account", {"Name": "Lower-case url"})])
    new_id = results[0]["body"]["id"]
    assert results[0]["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{new_id}"}


def test_get_composite_lists_the_composite_resources(sf_http):
    response = sf_http.get(f"{COMPOSITE}/")
    assert response.status_code == 200
    assert response.json() == {
        "tree": f"{COMPOSITE}/tree",
        "batch": f"{COMPOSITE}/batch",
        "sobjects": f"{COMPOSITE}/sobjects",
    }


def test_simple_salesforce_runs_a_batch(sf, sf_sandbox):
    record_id = sf.Contact.create({"LastName": "Batched"})["id"]
    answer = sf.restful(
        "composite/batch",
        method="POST",
        json={
            "batchRequests": [
                {
                    "method": "PATCH",
                    "url": f"v59.0/sobjects/Contact/{record_id}",
                    "richInput": {"FirstName": "Now"},
                },
                {"method": "GET", "url": f"v59.0/sobjects/Contact/{record_id}?fields=FirstName"},
            ]
        },
    )
    assert answer["hasErrors"] is False
    assert answer["results"][1]["result"]["FirstName"] == "Now"
    assert sf.Contact.get(record_id)["FirstName"] == "Now"


def test_a_null_field_is_a_value_a_reference_can_take(sf_http, sf_sandbox):
    """API 52.0 and later: a reference to a null field resolves to null."""
    results = _composite(
        sf_http,
        [
            _create("first", "Contact", {"LastName": "No first name"}),
            {"method": "GET", "url": f"{V}/sobjects/Contact/@{{first.id}}", "referenceId": "read"},
            _create("copy", "Contact", {"LastName": "Copy", "FirstName": "@{read.FirstName}"}),
        ],
    )
    assert results[2]["httpStatusCode"] == 201
    stored = sf_sandbox.org.retrieve("Contact", results[2]["body"]["id"], ["FirstName"])
    assert stored["FirstName"] is None


@pytest.mark.parametrize(
    ("body", "resolved"),
    [
        ("@{a.n}", 5),  # a whole-string reference keeps the value's type
        ("n is @{a.n}", "n is 5"),
        ({"list": ["@{a.rows[1].x}"]}, {"list": [True]}),
        ("@{a.none}", None),
    ],
)
def test_references_resolve_into_bodies(body, resolved):
    bodies = {"a": {"n": 5, "rows": [{"x": 0}, {"x": True}], "none": None}}
    assert references.resolve_body(body, bodies) == resolved


@pytest.mark.parametrize("text", ["@{a.missing}", "@{a.rows[2].x}", "@{b.n}", "@{a.n.deeper}"])
def test_a_reference_without_a_value_is_unresolved(text):
    bodies = {"a": {"n": 5, "rows": [{"x": 0}]}}
    with pytest.raises(references.UnresolvedReference):
        references.resolve_body(text, bodies)
