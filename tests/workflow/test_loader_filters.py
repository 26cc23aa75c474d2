"""Filters are parsed when the workflow file is loaded: a mistake is FILE:LINE: key."""

from __future__ import annotations

import pytest

from crmlink.filters import ast
from crmlink.workflow.loader import WorkflowFileError, load_text

CRM = """name: f
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    filter: "%s"
"""
QUERY = """name: f
activities:
  q:
    type: query
    table: recipient
    filter: "%s"
"""


def problem(text: str) -> str:
    with pytest.raises(WorkflowFileError) as caught:
        load_text(text, "f.yaml")
    (only,) = caught.value.problems
    return only


def test_a_crm_filter_syntax_error_names_file_line_and_key():
    found = problem(CRM % "(Email != null")
    assert found.startswith("f.yaml:8: activities.read.filter: expected ')'")


def test_a_query_filter_syntax_error_names_file_line_and_key():
    found = problem(QUERY % "email = ")
    assert found.startswith("f.yaml:6: activities.q.filter: expected a value")


def test_a_variable_as_a_field_name_is_refused_at_load():
    found = problem(QUERY % "{{column}} = 'x'")
    assert found.startswith("f.yaml:6: activities.q.filter: variables stand for values")


def test_the_parsed_filter_travels_with_the_config():
    workflow = load_text(QUERY % "email = '{{email}}'", "f.yaml")
    where = workflow.activities["q"].where  # type: ignore[attr-defined]
    assert where == ast.Comparison("email", ast.Op.EQ, ast.Template((ast.Param("email"),)))
