"""The preflight: a workflow's tables, accounts, objects and fields are checked before its
first activity runs, every problem listed; and `workflow run NAME` resumes a file's run."""

from __future__ import annotations

import json
import textwrap

import httpx
import pytest
from sqlalchemy import select

from crmlink.errors import UsageError
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import load_text
from crmlink.workflow.tables import activity_runs, workflow_runs
from tests.catalog.test_account_test_sandbox import add_sandbox_account
from tests.conftest import tls
from tests.workflow.conftest import add_recipients, recipients
from tests.workflow.crm.conftest import Flow

pytestmark = pytest.mark.slow

NOT_WRITES = ("POST oauth token", "POST soap login")


@pytest.fixture
def flow(database, sf_sandbox):
    """Workflows whose account `sfdc` is the shared sandbox (nothing in the catalog)."""
    made = Flow(database, sf_sandbox)
    yield made
    for connector in made.connectors:
        connector.close()


def sandbox_stats(sandbox, method: str = "GET") -> dict:
    url = f"{sandbox.url}/__sandbox__/stats"
    response = httpx.request(method, url, verify=tls(sandbox))
    response.raise_for_status()
    return response.json()["by_endpoint"]


def run_row(database, run_id: int):
    with database.connect() as conn:
        run = conn.execute(select(workflow_runs).where(workflow_runs.c.id == run_id)).one()
        started = conn.execute(select(activity_runs).where(activity_runs.c.run_id == run_id))
        return run, started.all()


def test_a_missing_table_fails_the_run_before_the_export_sends_anything(
    crmlink, database, sf_fresh, write
):
    add_sandbox_account(crmlink, sf_fresh.info(), "password", name="sfdc")
    add_recipients(database, [{"email": "ada@example.com", "last_name": "Lovelace",
                               "company": "Engines"}])  # fmt: skip
    path = write("leads.yaml", """
        name: leads
        activities:
          recipients: {type: query, table: recipient, fields: [email, last_name, company],
                       next: export}
          export:
            type: crm
            operation: export
            account: sfdc
            object: Lead
            mapping: {Email: email, LastName: last_name, Company: company}
            next: links
          links: {type: update, table: recipients, keys: [email], mapping: {email: email}}
    """)  # fmt: skip
    leads = sf_fresh.org.count("Lead")
    sandbox_stats(sf_fresh, "DELETE")
    result = crmlink("workflow", "run", str(path))
    assert result.exit_code == 2
    expected = (
        f"{path}: activities.links.table: no schema or table named 'recipients' "
        "(did you mean 'recipient'?)"
    )
    assert expected in result.stderr
    writes = [e for e in sandbox_stats(sf_fresh) if not e.startswith("GET ")]
    assert [e for e in writes if e not in NOT_WRITES] == []
    assert sf_fresh.org.count("Lead") == leads
    run, started = run_row(database, 1)
    assert (run.status, run.exit_code, started) == ("failed", 2, [])


def test_a_misspelt_crm_field_in_a_filter_is_named_with_a_close_name(flow):
    with pytest.raises(UsageError) as failed:
        flow.run("""
            name: typo
            activities:
              read: {type: crm, operation: import, account: sfdc, object: Contact,
                     fields: [Email], filter: "Emial != null and LastName like 'M%'"}
        """)
    assert str(failed.value) == (
        "test.yaml: activities.read.filter: unknown field 'Emial' on Contact "
        "(did you mean 'Email'?)"
    )


def test_every_problem_is_listed_one_per_line(flow):
    with pytest.raises(UsageError) as failed:
        flow.run("""
            name: typos
            activities:
              read: {type: crm, operation: import, account: sfdc, object: Contact,
                     fields: [Emial, LastName], next: save}
              save: {type: update, table: recipient, keys: [emial],
                     mapping: {email: Email, last_name: LastNam}}
        """)
    assert str(failed.value).splitlines() == [
        "test.yaml: activities.read.fields: unknown field 'Emial' on Contact "
        "(did you mean 'Email'?)",
        "test.yaml: activities.save.keys: unknown column 'emial' on recipient "
        "(did you mean 'email'?)",
    ]


def test_an_upstream_import_s_fields_are_checked_against_the_mapping(flow):
    with pytest.raises(UsageError) as failed:
        flow.run("""
            name: mapped
            activities:
              read: {type: crm, operation: import, account: sfdc, object: Contact,
                     fields: [Email, LastName], next: save}
              save: {type: update, table: recipient, keys: [email],
                     mapping: {email: Email, last_name: LastNam}}
        """)
    assert str(failed.value) == (
        "test.yaml: activities.save.mapping: the input population (from 'read') has no "
        "column 'LastNam' (did you mean 'LastName'?)"
    )


def test_an_unknown_account_is_named_with_the_catalog_s_close_name(crmlink, sf_sandbox, write):
    add_sandbox_account(crmlink, sf_sandbox.info(), "password", name="sfdc")
    path = write(
        "acct.yaml",
        """
        name: acct
        activities:
          read: {type: crm, operation: import, account: sfcd, object: Contact}
    """,
    )
    result = crmlink("workflow", "run", str(path))
    assert result.exit_code == 2
    assert (
        f"{path}: activities.read.account: no account named 'sfcd' (did you mean 'sfdc'?)"
        in result.stderr
    )


def test_a_missing_update_key_column_fails_before_the_first_activity(
    database, write, probe_activity
):
    add_recipients(database, [{"email": "a@x.com"}])
    path = write(
        "keys.yaml",
        """
        name: keys
        activities:
          make: {type: probe, next: save}
          save: {type: update, table: recipient, keys: [mail], mapping: {email: tag}}
    """,
    )
    with pytest.raises(UsageError) as failed:
        run_workflow(database, path)
    assert str(failed.value) == (
        f"{path}: activities.save.keys: unknown column 'mail' on recipient (did you mean 'email'?)"
    )
    assert probe_activity == {}  # the first activity never ran


def test_the_happy_path_still_runs_and_describes_once(flow, database):
    sandbox_stats(flow.sandbox, "DELETE")
    run = flow.run("""
        name: happy
        activities:
          read: {type: crm, operation: import, account: sfdc, object: Contact,
                 fields: [Email, LastName], filter: "Email != null", limit: 5, next: save}
          save: {type: update, table: recipient, keys: [email],
                 mapping: {email: Email, last_name: LastName}}
    """)
    assert run.succeeded, run.error
    assert run.activities[1].rows_in == 5 and recipients(database, "email", "last_name")
    assert sandbox_stats(flow.sandbox)["GET describe"] == 1  # the import reuses the preflight's


def test_workflow_run_by_name_resumes_a_run_from_a_file(crmlink, write):
    path = write(
        "once.yaml",
        """
        name: once
        activities:
          first: {type: probe, failures: 1}
    """,
    )
    assert crmlink("workflow", "run", str(path)).exit_code == 1
    path.unlink()  # the definition comes from the failed run
    result = crmlink("workflow", "run", "once", "--json")
    assert result.exit_code == 0, result.output
    assert "Resuming run 1 (failed)" in result.stderr
    record = json.loads(result.stdout)
    assert (record["id"], record["status"]) == (1, "succeeded")


def test_a_name_with_no_file_registration_or_run_is_still_refused(database):
    with pytest.raises(UsageError, match="no workflow file or registered workflow named 'nope'"):
        run_workflow(database, "nope")


def test_the_failed_preflight_is_recorded_and_resumed_once_fixed(database, write, probe_activity):
    text = textwrap.dedent("""
        name: later
        activities:
          make: {type: probe, next: save}
          save: {type: update, table: recipient, operation: insert, mapping: {%s: tag}}
    """)
    with pytest.raises(UsageError):
        run_workflow(database, load_text(text % "emali", "later.yaml"))
    run = run_workflow(database, load_text(text % "email", "later.yaml"))
    assert (run.id, run.status) == (1, "succeeded")
