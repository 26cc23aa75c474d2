"""Workflow files: every mistake reported as FILE:LINE: key: message, exit 2."""

from __future__ import annotations

import pytest

from crmlink.workflow.activities import registry
from crmlink.workflow.loader import WorkflowFileError, load_file

GOOD = """
name: good
schedule: "*/15 * * * *"
variables: {domain: example.com, year: 2000}
activities:
  q:
    type: query
    table: recipient
    next: [save]
  save:
    type: update
    table: recipient
    keys: [email]
"""


def problems(write, text: str) -> list[str]:
    path = write("wf.yaml", text)
    with pytest.raises(WorkflowFileError) as caught:
        load_file(path)
    return [p.replace(f"{path}:", "wf.yaml:") for p in caught.value.problems]


def test_a_good_file_loads(write):
    workflow = load_file(write("wf.yaml", GOOD))
    assert workflow.name == "good" and list(workflow.activities) == ["q", "save"]
    assert workflow.variables == {"domain": "example.com", "year": "2000"}
    assert workflow.starts() == ["q"] and workflow.order() == ["q", "save"]


def test_wrong_type(write):
    text = GOOD.replace("type: query", "type: qery")
    known = ", ".join(sorted(registry()))  # crm too, when its package is there
    assert problems(write, text) == [
        f"wf.yaml:6: activities.q.type: unknown activity type 'qery': use one of {known}"
    ]


def test_unknown_key_suggests(write):
    text = GOOD.replace("table: recipient\n    next", "tabel: recipient\n    next")
    assert problems(write, text) == [
        "wf.yaml:5: activities.q.table: is required",
        "wf.yaml:7: activities.q.tabel: unknown key; did you mean 'table'?",
    ]


def test_missing_table(write):
    text = GOOD.replace("    table: recipient\n    keys", "    keys")
    assert problems(write, text) == ["wf.yaml:9: activities.save.table: is required"]


def test_bad_on_error(write):
    text = GOOD.replace("    keys: [email]", "    keys: [email]\n    on_error: retry")
    assert problems(write, text) == [
        "wf.yaml:13: activities.save.on_error: on_error must be stop, continue or retry(n)"
    ]


def test_bad_operation(write):
    text = GOOD.replace("    keys: [email]", "    keys: [email]\n    operation: merge")
    assert problems(write, text) == [
        "wf.yaml:13: activities.save.operation: "
        "Input should be 'insert', 'update', 'upsert' or 'delete'"
    ]


def test_transition_to_a_missing_activity(write):
    text = GOOD.replace("next: [save]", "next: [svae]")
    assert problems(write, text) == [
        "wf.yaml:8: activities.q.next.0: no activity named 'svae'; did you mean 'save'?"
    ]


def test_cycle(write):
    text = GOOD.replace("keys: [email]", "keys: [email]\n    next: q")
    assert problems(write, text) == [
        "wf.yaml:9: activities.save: the transitions form a cycle: q -> save -> q"
    ]


def test_bad_cron(write):
    text = GOOD.replace('"*/15 * * * *"', '"every hour"')
    assert problems(write, text) == [
        "wf.yaml:2: schedule: 'every hour' is not a cron schedule (e.g. '*/15 * * * *')"
    ]


def test_update_without_keys(write):
    text = GOOD.replace("    keys: [email]", "    operation: update")
    assert problems(write, text) == [
        "wf.yaml:9: activities.save: keys: a update needs reconciliation keys"
    ]


def test_no_activities_and_bad_name(write):
    assert problems(write, "name: 'bad name'\nactivities: {}\n") == [
        "wf.yaml:1: name: String should match pattern '^[A-Za-z][A-Za-z0-9_-]{0,62}$'"
    ]
    assert problems(write, "name: x\nactivities: {}\n") == [
        "wf.yaml:2: activities: a workflow needs at least one activity"
    ]


def test_yaml_syntax_and_duplicates(write):
    assert problems(write, "name: x\nactivities: [\n") == [
        "wf.yaml:3: not valid YAML: expected the node content in flow sequence"
    ] or problems(write, "name: x\nactivities: [\n")[0].startswith("wf.yaml:")
    text = GOOD + "  q:\n    type: query\n    table: recipient\n"
    assert problems(write, text) == ["wf.yaml:13: activities.q: duplicate key"]


def test_two_inbound_transitions(write):
    text = GOOD + "  other:\n    type: query\n    table: recipient\n    next: save\n"
    assert problems(write, text) == [
        "wf.yaml:16: activities.other.next.0: activity 'save' already receives the population "
        "of 'q.next': an activity takes one inbound transition"
    ]


def test_cli_reports_the_file_error_and_exits_2(crmlink, write):
    path = write("wf.yaml", GOOD.replace("type: query", "type: qery"))
    result = crmlink("workflow", "run", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:6: activities.q.type: unknown activity type")


def test_migration_matches_the_tables(database):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from crmlink.db.metadata import metadata
    from crmlink.db.migrate import include_object
    from crmlink.workflow import tables

    mine = {name for name, value in vars(tables).items() if hasattr(value, "columns")}
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        diffs = [d for d in compare_metadata(context, metadata) if _table_of(d) in mine]
    assert diffs == []


def _table_of(diff) -> str | None:
    diff = diff[0] if isinstance(diff, list) else diff
    for part in diff[1:]:
        name = getattr(part, "name", None) if hasattr(part, "columns") else None
        name = name or getattr(getattr(part, "table", None), "name", None)
        if name:
            return name
        if isinstance(part, str):
            return part
    return None
